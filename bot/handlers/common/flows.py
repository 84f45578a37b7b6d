"""One flow at a time per customer: starting a flow ends the one they were in.

Every conversation (booking, roadside help, the warranty check, my car, a follow-up's comment) waits for typed
answers in the same handler group, so without this a customer who leaves a booking at "which day?" and opens
roadside help from the menu would have their next answer read as a booking date by whichever conversation was
registered first. A command or a button that enters another conversation now ends the others first.

Asking for a person (「轉人工」, the menu's advisor button, "none of these") ends the flow too, once a ticket opens
(`leave`, called by bot.handlers.desk.handoff.advisor): what the customer types next is for the advisor, not an
answer to the question the flow had asked; what the flow had been told (roadside help's location and problem) goes
on the ticket's card instead (`gathered_facts`). A flow started afterwards, while the ticket is open, takes its own
answers (bot.handlers.desk.handoff.tickets).

python-telegram-bot has no public way to end a conversation from outside it; this uses the same private calls
its own timeout does (`_get_key`, `_update_state`), pinned with the library version in pyproject.toml and
covered by tests/handlers/common/test_flows.py.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.core.common.locale import TYPED_LANGUAGE, Locale
from bot.core.common.wordless import MEDIA_PLACEHOLDER
from bot.core.faq.intents import HUMAN_REQUEST
from bot.handlers.common.context import ASKING, FLOW_QUESTION, CareContext, conversations, remember_press

PRIVATE = filters.ChatType.PRIVATE
# What a flow takes as a typed answer: text in private, not a command, not "talk to a human"
# (bot.handlers.desk.handoff.advisor: asking for a person leaves the flow, see `leave`), not a language's name alone
# (「繁體中文」 typed at the /language picker: bot.handlers.front.language), not a media item's placeholder pasted as
# text ("[Sticker]": answered as the media itself, bot.handlers.front.other).
TYPED_ANSWER = (
    PRIVATE & filters.TEXT & ~filters.COMMAND & ~filters.Regex(HUMAN_REQUEST) & ~filters.Regex(TYPED_LANGUAGE)
    & ~filters.Regex(MEDIA_PLACEHOLDER)
)
BARE_START = filters.Regex(r"^/start(@\w+)?\s*$")  # /start without a deep link's payload
Handlers = Sequence[BaseHandler[Update, CareContext, Any]]
# Asks a flow's current question (its conversation state given) anew in a locale; False when it cannot.
Asker = Callable[[Update, CareContext, Locale, object], Awaitable[bool]]
# What a flow has been told so far, as facts for an advisor's card (JSON-ready; {} when nothing yet).
Gatherer = Callable[[CareContext], dict[str, Any]]


def ways_in(callback: Callable[..., Any], command: str, link: str | None = None) -> list[BaseHandler[Update, Any, Any]]:
    """A flow's usual entry points: /<command>, `/start <link>` (a deep link) and the menu's `menu:<link>`."""
    link = link or command
    return [
        CommandHandler(command, callback, filters=PRIVATE),
        CommandHandler("start", callback, filters=PRIVATE & filters.Regex(rf"^/start\s+{link}\s*$")),
        CallbackQueryHandler(callback, pattern=rf"^menu:{link}:"),
    ]


def flow(
    name: str, entry_points: Handlers, states: dict[object, Handlers], fallbacks: Handlers, ask_in: Asker | None = None,
    gathered: Gatherer | None = None,
) -> ConversationHandler:  # type: ignore[type-arg]
    """A customer flow: persisted (it survives a restart, DESIGN.md decision 3) and re-entered from its start.
    Each of its callbacks runs with ASKING set to `name`, so the last question it sent can be asked again.
    /menu and a bare /start inside the flow leave it as its /cancel does, taking down a reply keyboard it put up
    (the front door's /menu and /start only show the menu, and the flow would have read the next message as its
    answer); `/start <link>` is a deep link, left to the entry points. `ask_in` asks the flow's current question
    anew in a locale (after /language: `ask_in_locale`), False for a state it cannot ask again; `gathered` gives what
    the customer told it so far, which goes to the advisor when they leave it for a person (`gathered_facts`)."""
    leaving = [h for h in fallbacks if isinstance(h, CommandHandler) and "cancel" in h.commands]
    fallbacks = [
        *fallbacks,
        *(CommandHandler("menu", h.callback, filters=PRIVATE) for h in leaving),
        *(CommandHandler("start", h.callback, filters=PRIVATE & BARE_START) for h in leaving),
    ]
    wrapped: set[int] = set()
    for handler in [*entry_points, *fallbacks, *(h for handlers in states.values() for h in handlers)]:
        if id(handler) not in wrapped and not hasattr(handler.callback, "asking"):  # a handler in several states
            wrapped.add(id(handler))
            handler.callback = _asking(name, handler.callback)
    with warnings.catch_warnings():  # buttons are tracked per user, not per message: that is intended here
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        conversation = Flow(
            entry_points=list(entry_points),
            states={state: list(handlers) for state, handlers in states.items()},
            fallbacks=list(fallbacks),
            name=name,
            persistent=True,
            allow_reentry=True,
        )
    conversation.ask_in = ask_in
    conversation.gathered = gathered
    return conversation


class Flow(ConversationHandler):  # type: ignore[type-arg]
    """A customer flow's conversation, which knows how to ask its current question anew (`ask_in`)."""

    __slots__ = ("ask_in", "gathered")
    ask_in: Asker | None
    gathered: Gatherer | None


def _asking(name: str, callback: Callable[..., Any]) -> Callable[..., Any]:
    async def run(update: Update, context: CareContext) -> object:
        token = ASKING.set(name)
        try:
            return await callback(update, context)
        finally:
            ASKING.reset(token)

    run.__doc__, run.__qualname__, run.__name__ = callback.__doc__, callback.__qualname__, callback.__name__
    run.__module__ = callback.__module__
    run.asking = name  # type: ignore[attr-defined]
    return run


async def ask_again(update: Update, context: CareContext) -> bool:
    """After an interruption (the emergency numbers): the question of the flow the customer is in, once more, as
    it was sent. False when they are in no flow, or its question is not in this process's memory (a restart)."""
    asked = (context.chat_data or {}).get(FLOW_QUESTION)
    chat = update.effective_chat
    if not asked or chat is None:
        return False
    name, text, markup = asked
    if not any(h.name == name and _active(h, update) for h in conversations(context)):
        return False
    await chat.send_message(text, reply_markup=markup, disable_web_page_preview=True)
    return True


def _active(handler: ConversationHandler, update: Update) -> bool:  # type: ignore[type-arg]
    return handler._get_key(update) in handler._conversations


def in_flow(update: Update, context: CareContext, name: str) -> bool:
    """Whether the customer is (still) in the flow called `name`: a callback that handed over to a person (the FAQ's
    "talk to a human") returns None, not its state, when this is False, so the flow stays left."""
    return any(h.name == name and _active(h, update) for h in conversations(context))


def in_any_flow(update: Update, context: CareContext) -> bool:
    """Whether the customer is in a flow."""
    return any(_active(h, update) for h in conversations(context))


def gathered_facts(update: Update, context: CareContext) -> dict[str, Any]:
    """What the flows the customer is in were told so far (a location, a problem…), for the card of the ticket
    they leave them for: asked before `leave`, since a flow left keeps nothing for anyone."""
    facts: dict[str, Any] = {}
    for handler in conversations(context):
        gather: Gatherer | None = getattr(handler, "gathered", None)
        if gather is not None and _active(handler, update):
            facts.update(gather(context))
    return facts


def leave(update: Update, context: CareContext) -> list[str]:
    """End every flow the customer is in; the names of those left (for the customer to be told)."""
    left = []
    for handler in conversations(context):
        if _active(handler, update):
            handler._update_state(ConversationHandler.END, handler._get_key(update))
            left.append(str(handler.name))
    return left


async def ask_in_locale(update: Update, context: CareContext, locale: Locale) -> tuple[str, bool] | None:
    """After the customer changed the language (/language): the question of the flow they are in, asked anew in
    `locale`. (the flow's name, True) when asked; (name, False) when the flow cannot ask it again (a state without
    an asker): then the flow is left, for the caller to say so; None in no flow."""
    for handler in conversations(context):
        if not _active(handler, update):
            continue
        key = handler._get_key(update)
        ask: Asker | None = getattr(handler, "ask_in", None)
        token = ASKING.set(handler.name)  # what it sends is the flow's question, to be asked again after danger
        try:
            if ask is not None and await ask(update, context, locale, handler._conversations.get(key)):
                return str(handler.name), True
        finally:
            ASKING.reset(token)
        handler._update_state(ConversationHandler.END, key)
        return str(handler.name), False
    return None


def taker(update: Update, context: CareContext) -> ConversationHandler | None:  # type: ignore[type-arg]
    """The flow that will handle `update`: the first conversation of group 0 that would take it (PTB's order)."""
    return next((h for h in conversations(context) if h.check_update(update) is not None), None)


async def one_flow_at_a_time(update: Update, context: CareContext) -> None:
    """Before the flows: a command (also a message edited into one, which PTB's CommandHandler takes too), a button
    or typed words that start a conversation (「取消預約 #1」 starts the booking flow's cancellation) end the
    customer's other ones. A shared contact or location does not: "My car" takes a contact shared in the middle of a
    booking and the booking goes on."""
    chat, message = update.effective_chat, update.effective_message
    typed = (message.text or "") if message is not None and update.callback_query is None else ""
    if chat is None or chat.type != "private":
        return
    if not (typed.startswith("/") or update.callback_query is not None or (typed and _typed_way_in(update, context))):
        return
    entering = taker(update, context)
    if entering is None or _active(entering, update):
        return
    for handler in conversations(context):
        if handler is not entering and _active(handler, update):
            handler._update_state(ConversationHandler.END, handler._get_key(update))


def _typed_way_in(update: Update, context: CareContext) -> bool:
    """Whether typed words (not a command) are a flow's way in: one of its entry points takes them."""
    return any(isinstance(h, MessageHandler) and h.check_update(update)
               for c in conversations(context) for h in c.entry_points)  # fmt: skip


def handlers() -> dict[int, list[BaseHandler[Update, CareContext, None]]]:
    return {-4: [CallbackQueryHandler(remember_press)], -2: [TypeHandler(Update, one_flow_at_a_time)]}
