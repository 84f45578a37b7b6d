"""What every handler shares: the typed context, the customer's locale, sending a rendered template."""

from __future__ import annotations

import contextvars
import time
from typing import Any

from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import Application, CallbackContext, ConversationHandler, ExtBot

from bot.core.common import customers
from bot.core.common.callbacks import CallbackData
from bot.core.common.fit import MAX_TEXT, split_html
from bot.core.common.identifiers import reads_as_plate
from bot.core.common.locale import Locale, choose_locale, from_language_code
from bot.core.common.text import detect_script, is_chinese, reads_as_english
from bot.core.faq.intents import is_latin_greeting
from bot.core.services import Services

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
# The flow whose handler is running (set by bot.handlers.common.flows around every flow callback): what `send` sends
# then is that flow's question, kept in chat_data (memory only) under FLOW_QUESTION so it can be asked again after an
# interruption (the emergency numbers, bot.handlers.faq.questions).
ASKING: contextvars.ContextVar[str | None] = contextvars.ContextVar("asking", default=None)
FLOW_QUESTION = "flow_question"


class CareContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context with typed access to the process's services."""

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]  # type: ignore[no-any-return]


CareApplication = Application[ExtBot[None], CareContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]


def written_locale(text: str | None, previous: str | None, language_code: str | None) -> Locale | None:
    """The locale the message is written in; ambiguous Chinese keeps the customer's Chinese script. A message
    that is only a plate (粤B12345, AB 1234) says nothing of the language: 粤 is the plate's, not the writer's."""
    if not text or reads_as_plate(text):
        return None
    script = detect_script(text)
    if script == "en" and is_latin_greeting(text):
        return from_language_code(language_code)  # "hi", "thanks!": the customer's Telegram language, not the last
    if script == "en" and previous in ("zh-Hant", "zh-Hans") and not reads_as_english(text):
        return None  # a Chinese writer's "ok", "skip" or "next Monday": their language stays
    if script or not is_chinese(text):
        return script
    for hint in (previous, from_language_code(language_code)):
        if hint in ("zh-Hant", "zh-Hans"):
            return hint  # type: ignore[return-value]
    return "zh-Hant"


async def customer_locale(update: Update, context: CareContext, text: str | None = None) -> Locale:
    """Record the customer's contact and decide the reply locale (DESIGN.md, decision 5)."""
    services = context.services
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return services.settings.default_locale
    chat_id = chat.id if chat.type == chat.PRIVATE else None  # a customer's chat is only ever their private one

    def written_in(previous: str | None) -> Locale | None:  # the script is told once per update, not per guess
        return written_locale(text, previous, user.language_code)

    known, written = await customers.meet_customer(
        services.sessions, services.seen, user.id, chat_id, user.first_name, user.language_code, written_in
    )
    return choose_locale(
        known.locale_choice,
        _as_locale(written) or _as_locale(known.last_locale),
        user.language_code,
        services.settings.default_locale,
    )


def _as_locale(value: str | None) -> Locale | None:
    return value if value in ("zh-Hant", "zh-Hans", "en") else None  # type: ignore[return-value]


async def send(
    update: Update, context: CareContext, locale: Locale, template: str, markup: Markup = None, /, **data: Any
) -> Message:
    """Render `template` in `locale` and send it to the update's chat: as several messages when it is longer
    than Telegram allows (a list of 20 cars), the keyboard under the last one."""
    text = context.services.messages.render(locale, template, **data)
    chat = update.effective_chat
    assert chat is not None  # every handler that replies is registered for updates with a chat
    *parts, last = split_html(text, MAX_TEXT)
    for part in parts:
        await chat.send_message(part, disable_web_page_preview=True)
    sent = await chat.send_message(last, reply_markup=markup, disable_web_page_preview=True)
    if (flow := ASKING.get()) is not None and context.chat_data is not None:
        context.chat_data[FLOW_QUESTION] = (flow, last, markup)
    return sent


def callback_data(update: Update, context: CareContext) -> CallbackData | None:
    """The pressed button's data if it was made for the user who pressed it, else None."""
    query = update.callback_query
    if query is None:
        return None
    return context.services.callbacks.unpack(query.from_user.id, query.data)


async def refuse_button(update: Update, context: CareContext) -> None:
    """Forged, stale or someone else's button: say so politely, change nothing."""
    query = update.callback_query
    if query is None:
        return
    if double_tap(update, context):
        await query.answer()  # the same button twice in a row (a double tap): the first press did the work
        return
    locale = await customer_locale(update, context)
    await query.answer(context.services.messages.label(locale, "button_expired"), show_alert=True)


PREVIOUS_PRESS, LAST_PRESS = "previous_press", "last_press"  # user_data: [message id, data, time] of the last two
DOUBLE_TAP_SECONDS = 3.0  # the same button again within this: one tap meant, not a new press


def press_of(update: Update) -> list[object] | None:
    query = update.callback_query
    if query is None or query.message is None:
        return None
    return [query.message.message_id, query.data]


def double_tap(update: Update, context: CareContext) -> bool:
    """Whether this press repeats the customer's press just before it (the same button of the same message,
    within DOUBLE_TAP_SECONDS)."""
    previous = (context.user_data or {}).get(PREVIOUS_PRESS)
    last = (context.user_data or {}).get(LAST_PRESS)
    if not previous or not last or previous[:2] != press_of(update):
        return False
    return float(last[2]) - float(previous[2]) <= DOUBLE_TAP_SECONDS


async def remember_press(update: Update, context: CareContext) -> None:
    """Before anything else: keep the customer's press before this one, so a double tap is told from a stale
    button (refuse_button)."""
    chat, press = update.effective_chat, press_of(update)
    if press is None or context.user_data is None or chat is None or chat.type != "private":
        return
    context.user_data[PREVIOUS_PRESS] = context.user_data.get(LAST_PRESS)
    context.user_data[LAST_PRESS] = [*press, time.time()]


def conversations(context: CareContext) -> list[ConversationHandler]:  # type: ignore[type-arg]
    """The customer flows (bot.handlers.common.flows, the handoff relay): every ConversationHandler of group 0."""
    return [h for h in context.application.handlers.get(0, []) if isinstance(h, ConversationHandler)]


async def entered(update: Update, context: CareContext) -> bool:
    """A flow's way in: a command always passes; a button only when it is the presser's own (then it is
    answered), else it is refused politely and the flow does not start."""
    if update.callback_query is None:
        return True
    if callback_data(update, context) is None:
        await refuse_button(update, context)
        return False
    await update.callback_query.answer()
    return True
