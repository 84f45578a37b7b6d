"""The advisor handoff: a ticket per customer conversation, one forum topic in the advisors' group, and the relay.

While a ticket is open or claimed, every message the customer sends in private (text, photo, voice, document,
sticker, location, contact…) is posted in the ticket's topic under a header naming the customer (relay.py:
never as the bot's own words) and nothing else answers it: the relay runs in
handler group -1 and stops the update. Commands still reach their handlers (/start shows the menu, /end ends
the chat). Staff messages in the topic (not commands, not bots) are copied back to the customer; in the topic of
a closed ticket, or of one that went with its customer (/forget), the advisor is told there that nothing was sent.

Flows and the ticket, one rule each way:
- Asking for a person ends the flow the customer is in (bot.handlers.common.flows.leave, from
  bot.handlers.desk.handoff.advisor): the ticket's opening message says which flow was left, and what they type
  next goes to the advisor, never to a question they have walked away from.
- A flow started while the ticket is open (a button, a command: a booking, roadside help) takes its own answers
  (`_a_flow_wants`): buttons, a location, a contact, text at a question that asks for text. Text at a question
  that wants a button and that the flow cannot read as one (where it would answer from the FAQ or ask for the
  buttons again) is the customer talking to the advisor: `pass_on` posts it in the topic and says so, and the
  flow's question stays open.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from functools import partial
from typing import Any

from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardRemove, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from bot.core.common.locale import Locale
from bot.core.desk.handoff import repo as ticket_repo
from bot.core.desk.handoff.tickets import ContextCard, TicketView, next_opening, topic_name
from bot.core.faq.intents import HUMAN_REQUEST, is_emergency
from bot.handlers.common import keyboards
from bot.handlers.common.context import (
    CareContext,
    callback_data,
    conversations,
    customer_locale,
    refuse_button,
    send,
)
from bot.handlers.desk.group import copy_to_customer, in_desk_group
from bot.handlers.desk.handoff import advisors as handoff_desk
from bot.handlers.desk.handoff import relay

log = logging.getLogger(__name__)
LOCKS = "handoff_locks"  # bot_data: the per-customer locks of open_ticket
# chat_data (memory only): the customer's last FAQ questions (bot.core.desk.handoff.tickets.add_to_trail)
TRAIL_KEY = "faq_trail"
CUSTOMER_FEATURE = "hc"  # the customer's own buttons: hc:end


async def open_ticket(
    context: CareContext,
    user_id: int,
    *,
    kind: str,
    trigger: str,
    locale: Locale,
    facts: dict[str, Any] | None = None,
    escalate_at: dt.datetime | None = None,
    notify_customer: bool = True,
    telegram_name: str | None = None,
    left: list[str] | None = None,
) -> int | None:
    """Open (or reuse: one active ticket per customer) a ticket for the customer with Telegram id `user_id`,
    with its forum topic and context card; tell the customer an advisor answers here. The ticket id, or None
    when no advisors' group is configured (or the customer is unknown). `telegram_name`: the name Telegram gives
    now, for a card whose customer has none stored (after /forget). `left`: the flows the customer left to talk to a
    person (bot.handlers.common.flows.leave), named in the message, whose reply keyboard it takes down; what they
    had told it is among `facts`, and the message says it went to the advisor."""
    services = context.services
    if services.settings.advisor_group_id is None:
        return None
    async with _lock(context, user_id):  # a double tap must not open two tickets and two topics
        opened = await _open_or_reuse(context, user_id, kind, trigger, facts or {}, escalate_at, telegram_name)
    if opened is None:
        return None
    ticket, created = opened
    if notify_customer:
        opens = next_opening(services.dealer, handoff_desk.now(context), services.settings.tz)
        text = services.messages.render(locale, "handoff_opened", kind=kind, reused=not created, opens=opens,
                                        left=left or [], carried=bool(facts))  # fmt: skip
        try:
            await context.bot.send_message(user_id, text, reply_markup=ReplyKeyboardRemove() if left else None)
        except Forbidden:
            await handoff_desk.customer_unreachable(context, ticket)
    return ticket.id


def _lock(context: CareContext, user_id: int) -> asyncio.Lock:
    """One of a fixed pool of locks, by customer. Updates are handled by one process per bot token (DESIGN.md),
    so an in-process lock is enough and needs no unique index."""
    locks = context.application.bot_data.setdefault(LOCKS, [asyncio.Lock() for _ in range(64)])
    return locks[user_id % len(locks)]  # type: ignore[no-any-return]


async def _open_or_reuse(
    context: CareContext,
    user_id: int,
    kind: str,
    trigger: str,
    facts: dict[str, Any],
    escalate_at: dt.datetime | None,
    telegram_name: str | None,
) -> tuple[TicketView, bool] | None:
    services = context.services
    staff_locale, trail = services.settings.default_locale, _trail(context, user_id)
    async with services.sessions.begin() as session:
        opened = await ticket_repo.open_or_reuse(
            session, user_id, kind=kind, trigger=trigger, context={"trail": trail, "facts": facts},
            escalate_at=escalate_at, default=staff_locale, now=handoff_desk.now(context),
        )  # fmt: skip
        if opened is None:
            return None
        ticket, created = opened
        card = await ticket_repo.context_card(session, ticket, trail, facts, telegram_name=telegram_name)
    if created or ticket.topic_id is None:
        ticket = await _create_topic(context, ticket, card.name, _topic_plate(card, facts))
        await handoff_desk.post_card(context, card, ticket)
    else:
        await handoff_desk.note(context, ticket, "retriggered", trigger=trigger, kind=kind, facts=facts)
    return ticket, created


def _topic_plate(card: ContextCard, facts: dict[str, Any]) -> str | None:
    """The car the ticket is about: the one its facts name (a follow-up's visit), else the customer's first."""
    visit = facts.get("visit")
    if isinstance(visit, dict) and visit.get("plate"):
        return str(visit["plate"])
    return card.vehicles[0].plate if card.vehicles else None


async def _create_topic(context: CareContext, ticket: TicketView, name: str, plate: str | None) -> TicketView:
    """createForumTopic; on failure the card goes to the group's general chat (logged), the ticket stays."""
    services = context.services
    group = services.settings.advisor_group_id
    assert group is not None
    try:
        topic = await context.bot.create_forum_topic(group, topic_name(name, plate, ticket.id))
    except TelegramError as exc:
        log.warning("could not create a topic for ticket %s: %s", ticket.id, exc)
        return ticket
    async with services.sessions.begin() as session:
        await ticket_repo.set_topic(session, ticket.id, topic.message_thread_id)
        fresh = await ticket_repo.get(session, ticket.id, services.settings.default_locale)
    assert fresh is not None
    return fresh


def _trail(context: CareContext, user_id: int) -> list[dict[str, str]]:
    data = context.application.chat_data.get(user_id, {})  # the private chat's id is the user's
    trail = data.get(TRAIL_KEY) if isinstance(data, dict) else None
    return list(trail) if isinstance(trail, list) else []


async def talking_to_staff(context: CareContext, user_id: int) -> bool:
    """Whether the customer has an active ticket (their messages go to an advisor)."""
    services = context.services
    if services.settings.advisor_group_id is None:
        return False
    async with services.sessions() as session:
        return await ticket_repo.active_for_user(session, user_id, services.settings.default_locale) is not None


def message_kind(message: Message) -> str:
    """What was sent, for the event log (never its content)."""
    for kind in ("text", "photo", "voice", "video", "video_note", "audio", "document", "sticker", "location",
                 "venue", "contact", "animation", "poll"):  # fmt: skip
        if getattr(message, kind, None):
            return kind
    return "other"


def end_button(context: CareContext, locale: Locale, user_id: int) -> InlineKeyboardMarkup:
    """The customer's "end the conversation" button (the same as /end)."""
    return keyboards.single(context.services, locale, user_id, "ho_end_chat", CUSTOMER_FEATURE, "end")


async def relay_customer(update: Update, context: CareContext) -> None:
    """A private message while the customer's ticket is active: post it in the topic as the customer's,
    answer nothing (but 「轉人工」 typed again, which is told it is already connected, as the menu's button is)."""
    message, user, services = update.effective_message, update.effective_user, context.services
    if message is None or user is None or services.settings.advisor_group_id is None:
        return
    async with services.sessions.begin() as session:
        ticket = await ticket_repo.active_for_user(session, user.id, services.settings.default_locale)
        if ticket is None or _a_flow_wants(update, context):
            return
        await ticket_repo.log(session, ticket.id, "customer", "customer_message", message_kind(message))
    await _into_topic(context, message, ticket)
    if message.text is not None and re.match(HUMAN_REQUEST, message.text):
        await _already_connected(update, context, ticket, message.text)
    raise ApplicationHandlerStop


async def _already_connected(update: Update, context: CareContext, ticket: TicketView, typed: str) -> None:
    """「轉人工」 typed while the ticket is open: the reply open_ticket gives a second request (the menu's button),
    without a second note in the topic (the words themselves are there)."""
    services, user = context.services, update.effective_user
    assert user is not None
    locale = await customer_locale(update, context, typed)
    opens = next_opening(services.dealer, handoff_desk.now(context), services.settings.tz)
    text = services.messages.render(locale, "handoff_opened", kind=ticket.kind, reused=True, opens=opens, left=[],
                                    carried=False)  # fmt: skip
    try:
        await context.bot.send_message(user.id, text)
    except Forbidden:
        await handoff_desk.customer_unreachable(context, ticket)


async def _into_topic(context: CareContext, message: Message, ticket: TicketView) -> bool:
    try:
        await relay.into_topic(context, message, ticket, message_kind(message))  # visibly the customer's
    except TelegramError as exc:
        log.warning("could not copy a message into the topic of ticket %s: %s", ticket.id, exc)
        return False
    return True


async def pass_on(update: Update, context: CareContext) -> bool:
    """Text a flow cannot use where it wants a button, while the customer's ticket is active: to the advisor, as
    the relay would have posted it, and the customer told so (the flow's question stays open). False when no
    ticket is active (or the topic cannot be reached): the flow answers as it would otherwise."""
    message, user, services = update.effective_message, update.effective_user, context.services
    if message is None or user is None or services.settings.advisor_group_id is None:
        return False
    async with services.sessions.begin() as session:
        ticket = await ticket_repo.active_for_user(session, user.id, services.settings.default_locale)
        if ticket is None:
            return False
        await ticket_repo.log(session, ticket.id, "customer", "customer_message", message_kind(message))
    if not await _into_topic(context, message, ticket):
        return False
    locale = await customer_locale(update, context, message.text)
    # Not `send`: this is no question of the flow's, to be asked again after an interruption.
    await context.bot.send_message(user.id, services.messages.render(locale, "handoff_update", event="passed_on"))
    return True


def _a_flow_wants(update: Update, context: CareContext) -> bool:
    """A flow the customer is in (roadside help, a booking…) takes its own answers, ticket or not: a customer
    talking to an advisor must still be able to call for help and send their location to it. A cry for help
    typed in any other flow goes to the advisor (who is talking to them) instead, after the emergency numbers."""
    wanting = [handler for handler in conversations(context) if handler.check_update(update) is not None]
    if not wanting:
        return False
    text = update.effective_message.text if update.effective_message else None
    return not (text and is_emergency(text) and wanting[0].name != "roadside")


async def relay_staff(update: Update, context: CareContext) -> None:
    """A staff message in a ticket's topic: copy it to the customer (the first reply also claims it); in a closed
    ticket's topic, or one whose ticket went with its customer (/forget), the advisor is told in the topic that
    nothing was sent. Tried first by bot.handlers.desk.relays.relay_staff; stops the update when the topic is (or
    was) a ticket's."""
    message, services = update.effective_message, context.services
    if message is None or not message.is_topic_message or message.message_thread_id is None:
        return  # outside a topic (a reply in General: a roadside alert's, bot.handlers.desk.roadside.relay)
    if not in_desk_group(update, context):
        return
    thread = message.message_thread_id
    async with services.sessions() as session:
        ticket = await ticket_repo.by_topic(session, thread, services.settings.default_locale)
        gone = ticket is None and await ticket_repo.topic_gone(session, thread)
    if ticket is None and not gone:
        return  # another feature's topic, or one people opened: left to the other handlers (nothing answers)
    if ticket is None:  # its ticket went with its customer (/forget): said in the topic, as a closed ticket's is
        said = partial(handoff_desk.not_sent, context, thread, "gone", update.effective_user)
        await copy_to_customer(update, context, None, False, closed=said, blocked=said)
        raise ApplicationHandlerStop
    member = await copy_to_customer(
        update, context, ticket.customer_chat_id, ticket.active,
        closed=partial(handoff_desk.not_sent, context, ticket.topic_id, "closed_already", update.effective_user),
        blocked=partial(handoff_desk.customer_unreachable, context, ticket),
    )  # fmt: skip
    if member is None:
        raise ApplicationHandlerStop
    async with services.sessions.begin() as session:
        claimed = await ticket_repo.record_staff_reply(
            session, ticket.id, member.telegram_user_id, handoff_desk.now(context), message_kind(message)
        )
    if claimed:
        name = await handoff_desk.staff_name(context, member, update.effective_user)
        await handoff_desk.note(context, ticket, "claimed", name=name)
    if ticket.trigger == "faq_none" and ticket.first_response_at is None:  # the advisor's first answer
        await services.faq.record_advisor_answer(ticket.id, ticket.customer_locale, ticket.customer_chat_id)
    raise ApplicationHandlerStop


async def end_chat(update: Update, context: CareContext) -> None:
    """/end, or the "end the conversation" button: the customer ends the conversation with the advisor; the bot
    answers again."""
    user, services = update.effective_user, context.services
    assert user is not None
    if update.callback_query is not None:
        if callback_data(update, context) is None:
            await refuse_button(update, context)
            return
        await update.callback_query.answer()
    locale = await customer_locale(update, context)
    async with services.sessions.begin() as session:
        ticket = await ticket_repo.active_for_user(session, user.id, services.settings.default_locale)
        closed = ticket is not None and await ticket_repo.close(
            session, ticket.id, "customer", handoff_desk.now(context)
        )
    await send(update, context, locale, "handoff_update", event="ended" if closed else "none_open")
    if closed and ticket is not None:
        await handoff_desk.note(context, ticket, "ended")
        await handoff_desk.close_topic(context, ticket)


def handlers() -> dict[int, list[BaseHandler[Update, CareContext, None]]]:
    """Group 0: the commands and buttons (the relays both ways are in bot.handlers.desk.relays, group -1)."""
    return {
        0: [
            CommandHandler("end", end_chat, filters=filters.ChatType.PRIVATE),
            CallbackQueryHandler(end_chat, pattern=rf"^{CUSTOMER_FEATURE}:end"),
            *handoff_desk.handlers(),
        ],
    }
