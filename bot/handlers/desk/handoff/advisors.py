"""The advisors' side of a ticket: the context card and its buttons (claim, transfer, close, solution found),
notes in the customer's topic, and telling the customer. Every press is checked with require_staff in the
advisors' group, then against the ticket's current state, so stale and forged data change nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update, User
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.core.common.fit import MAX_TEXT, split_html
from bot.core.desk.handoff import repo as ticket_repo
from bot.core.desk.handoff.tickets import ContextCard, TicketView
from bot.core.outbox import store as outbox
from bot.core.services import Services
from bot.core.staff import repo as staff_repo
from bot.core.staff.roles import StaffMember
from bot.db.common.base import utcnow
from bot.handlers.common.context import CareContext
from bot.handlers.desk.group import (
    deliver_now,
    desk_button_data,
    desk_item,
    desk_keyboard,
    in_desk_group,
    post_to_desk,
    require_staff,
)

log = logging.getLogger(__name__)
FEATURE = "ho"  # ho:claim|xfer|close|solved:<ticket>, ho:to:<ticket>:<staff user id>
CLOCK = "handoff_clock"  # bot_data: tests put a () -> datetime here (business hours, recorded times)


def now(context: CareContext) -> dt.datetime:
    """The current time (UTC); injectable through bot_data[CLOCK] so tests never depend on the real hour."""
    clock = context.application.bot_data.get(CLOCK)
    return clock() if callable(clock) else utcnow()


def card_keyboard(services: Services, ticket: TicketView) -> InlineKeyboardMarkup | None:
    """Claim (while nobody has it), transfer, close, and "solution found" for complaints."""
    if not ticket.active:
        return None
    label = services.messages.label
    locale, tid = services.settings.default_locale, str(ticket.id)
    row = [(label(locale, "ho_claim"), FEATURE, "claim", (tid,))] if ticket.status == "open" else []
    row += [
        (label(locale, "ho_transfer"), FEATURE, "xfer", (tid,)),
        (label(locale, "ho_close"), FEATURE, "close", (tid,)),
    ]
    rows = [row]
    if ticket.kind == "complaint":
        rows.append([(label(locale, "ho_solved"), FEATURE, "solved", (tid,))])
    return desk_keyboard(services, rows)


async def post_card(context: CareContext, card: ContextCard, ticket: TicketView) -> None:
    """The ticket's card in its topic, through the outbox (sent at once; retried by the sender if that fails),
    so it is never lost and /forget can find and blank it."""
    services = context.services
    text = services.messages.render(services.settings.default_locale, "handoff_card", card=card)
    item = desk_item(services, f"ticket:{ticket.id}:card", text, card_keyboard(services, ticket), ticket.customer_id,
                     ticket.topic_id)  # fmt: skip
    if item is None:
        return
    async with services.sessions.begin() as session:
        await outbox.enqueue_many(session, [item])
    await deliver_now(context, services, item.key)


async def note(
    context: CareContext, ticket: TicketView, event: str, markup: InlineKeyboardMarkup | None = None, **data: Any
) -> None:
    """A short line for the advisors in the ticket's topic (staff locale)."""
    await topic_note(context, ticket.topic_id, event, markup, **data)


async def topic_note(
    context: CareContext, topic_id: int | None, event: str, markup: InlineKeyboardMarkup | None = None, **data: Any
) -> Message | None:
    """A short line for the advisors in a topic (staff locale), also one whose ticket is gone (/forget)."""
    services = context.services
    text = services.messages.render(services.settings.default_locale, "handoff_note", event=event, where=None, **data)
    return await post_to_desk(context, services, text, markup, topic_id)


async def not_sent(context: CareContext, topic_id: int | None, event: str, who: User | None) -> None:
    """Why an advisor's message in a topic reached nobody (`closed_already`, `gone`): said in the topic. A closed
    topic may refuse the bot (TOPIC_CLOSED: closing it leaves the writing to its admins), so then it is said in
    General, to the advisor by name, rather than not at all."""
    if await topic_note(context, topic_id, event) is not None or topic_id is None:
        return
    services = context.services
    name = who.first_name if who is not None else ""
    text = services.messages.render(services.settings.default_locale, "handoff_note", event=event, where=name)
    await post_to_desk(context, services, text)


async def tell_customer(context: CareContext, ticket: TicketView, event: str, **data: Any) -> bool:
    """A message to the ticket's customer in their locale; a customer who blocked the bot is reported in the topic."""
    services = context.services
    text = services.messages.render(ticket.customer_locale, "handoff_update", event=event, **data)
    if ticket.customer_chat_id is None:
        return False
    try:
        for part in split_html(text, MAX_TEXT):  # a long /resolve note arrives whole, over several messages
            await context.bot.send_message(ticket.customer_chat_id, part)
    except Forbidden:
        await customer_unreachable(context, ticket)
        return False
    except TelegramError as exc:
        log.warning("could not tell the customer of ticket %s: %s", ticket.id, exc)
        return False
    return True


async def customer_unreachable(context: CareContext, ticket: TicketView) -> None:
    """Telegram answered 403: the customer blocked the bot. Mark the chat, log it, tell the advisors."""
    async with context.services.sessions.begin() as session:
        if ticket.customer_chat_id is not None:
            await outbox.set_chat_reachable(session, ticket.customer_chat_id, False, "blocked the bot", now(context))
        await ticket_repo.log(session, ticket.id, "bot", "unreachable", "403 from Telegram")
    await note(context, ticket, "blocked")


async def staff_name(context: CareContext, member: StaffMember, user: User | None) -> str:
    """How colleagues and customers see this member; Telegram's first name is kept when none is on file."""
    if member.name or user is None or not user.first_name:
        return member.label
    async with context.services.sessions.begin() as session:
        await staff_repo.set_name(session, member.telegram_user_id, user.first_name)
    return user.first_name


async def _known_name(context: CareContext, member: StaffMember) -> str:
    """A member's name, asking Telegram (and keeping the answer) for one bootstrapped by id only."""
    group = context.services.settings.advisor_group_id
    if member.name or group is None:
        return member.label
    try:
        user = (await context.bot.get_chat_member(group, member.telegram_user_id)).user
    except TelegramError:
        return member.label
    return await staff_name(context, member, user)


async def _pressed(update: Update, context: CareContext) -> tuple[StaffMember, str, TicketView] | None:
    """The advisor, the action and the ticket of a valid press; otherwise a polite alert and None."""
    member = await require_staff(update, context, "advisor", in_group=True)
    if member is None:
        return None
    data, query, services = desk_button_data(update, context), update.callback_query, context.services
    assert query is not None
    ticket = None
    if data is not None and data.feature == FEATURE and data.arg.isdigit():
        async with services.sessions() as session:
            ticket = await ticket_repo.get(session, int(data.arg), services.settings.default_locale)
    if data is None or ticket is None:
        await query.answer(services.messages.label(services.settings.default_locale, "ho_expired"), show_alert=True)
        return None
    action = ":".join((data.action, *data.args[1:]))
    return member, action, ticket


async def _alert(update: Update, context: CareContext, key: str) -> None:
    assert update.callback_query is not None
    services = context.services
    await update.callback_query.answer(services.messages.label(services.settings.default_locale, key), show_alert=True)


async def button(update: Update, context: CareContext) -> None:
    """A ticket button pressed in the advisors' group."""
    pressed = await _pressed(update, context)
    if pressed is None:
        return
    member, action, ticket = pressed
    if not ticket.active:
        return await _alert(update, context, "ho_already_closed")
    handler = {"claim": claim, "xfer": choose_transfer, "close": close, "solved": solved}.get(action.split(":")[0])
    if action.startswith("to:"):
        return await transfer_to(update, context, member, ticket, action.removeprefix("to:"))
    if handler is None:
        return await _alert(update, context, "ho_expired")
    await handler(update, context, member, ticket)


async def claim(update: Update, context: CareContext, member: StaffMember, ticket: TicketView) -> None:
    """Take the ticket; someone else's stays theirs (transfer is the way to move it)."""
    async with context.services.sessions.begin() as session:
        result = await ticket_repo.claim(session, ticket.id, member.telegram_user_id, now(context))
    if result != "claimed":  # a second tap by the one who has it: told so, nothing posted twice
        keys = {"mine": "ho_already_yours", "taken": "ho_taken"}
        return await _alert(update, context, keys.get(result, "ho_already_closed"))
    assert update.callback_query is not None
    await update.callback_query.answer()
    fresh = await _announce_owner(context, ticket.id, await staff_name(context, member, update.effective_user),
                                  "claimed")  # fmt: skip
    with contextlib.suppress(BadRequest):  # the pressed card loses its Claim ("not modified", or too old to edit)
        await update.callback_query.edit_message_reply_markup(card_keyboard(context.services, fresh))


async def _announce_owner(context: CareContext, ticket_id: int, name: str, event: str, **data: Any) -> TicketView:
    services = context.services
    async with services.sessions() as session:
        fresh = await ticket_repo.get(session, ticket_id, services.settings.default_locale)
    assert fresh is not None
    await note(context, fresh, event, card_keyboard(services, fresh), name=name, **data)
    await tell_customer(context, fresh, "claimed", name=name)
    return fresh


async def choose_transfer(update: Update, context: CareContext, member: StaffMember, ticket: TicketView) -> None:
    """Offer the on-duty advisors (not the one who has it) as buttons in the topic."""
    services = context.services
    async with services.sessions() as session:
        on_duty = await staff_repo.members(session, "advisor", on_duty=True)
    others = [m for m in on_duty if m.telegram_user_id != ticket.claimed_by]
    if not others:
        return await _alert(update, context, "ho_nobody_on_duty")
    assert update.callback_query is not None
    await update.callback_query.answer()
    tid = str(ticket.id)
    rows = [[(await _known_name(context, m), FEATURE, "to", (tid, str(m.telegram_user_id)))] for m in others]
    await note(context, ticket, "transfer_pick", desk_keyboard(services, rows))


async def transfer_to(
    update: Update, context: CareContext, member: StaffMember, ticket: TicketView, target: str
) -> None:
    """Move the ticket to the chosen advisor, if they are still an advisor on duty."""
    services = context.services
    async with services.sessions.begin() as session:
        chosen = await staff_repo.get(session, int(target)) if target.isdigit() else None
        if chosen is not None and chosen.telegram_user_id == ticket.claimed_by:  # a double tap, or a stale list
            assert update.callback_query is not None
            label = services.messages.label(services.settings.default_locale, "ho_already_theirs", name=chosen.label)
            return await update.callback_query.answer(label, show_alert=True)
        if chosen is None or not chosen.can("advisor") or not chosen.on_duty:
            chosen = None
        elif not await ticket_repo.transfer(session, ticket.id, member.telegram_user_id, chosen.telegram_user_id,
                                            now(context)):  # fmt: skip
            return await _alert(update, context, "ho_already_closed")
    if chosen is None:
        return await _alert(update, context, "ho_expired")
    assert update.callback_query is not None
    await update.callback_query.answer()
    with contextlib.suppress(BadRequest):  # the pick list is used: a double tap or a stale list moves nothing
        await update.callback_query.edit_message_reply_markup(None)
    by = await staff_name(context, member, update.effective_user)
    await _announce_owner(context, ticket.id, chosen.label, "transferred", by=by)


async def close(update: Update, context: CareContext, member: StaffMember, ticket: TicketView) -> None:
    """Close the ticket: the customer is told and the bot answers them again."""
    async with context.services.sessions.begin() as session:
        closed = await ticket_repo.close(session, ticket.id, f"staff:{member.telegram_user_id}", now(context))
    if not closed:
        return await _alert(update, context, "ho_already_closed")
    assert update.callback_query is not None
    await update.callback_query.answer()
    await note(context, ticket, "closed", name=await staff_name(context, member, update.effective_user))
    await tell_customer(context, ticket, "closed")
    await close_topic(context, ticket)


async def close_topic(context: CareContext, ticket: TicketView) -> None:
    """Close the ticket's forum topic, so the group's topic list shows what is still open; a customer who
    comes back gets a new ticket and a new topic."""
    group = context.services.settings.advisor_group_id
    if group is None or ticket.topic_id is None:
        return
    try:
        await context.bot.close_forum_topic(group, ticket.topic_id)
    except TelegramError as exc:  # already closed, or the bot lost its rights: the ticket is closed all the same
        log.warning("could not close topic %s: %s", ticket.topic_id, exc)


async def solved(update: Update, context: CareContext, member: StaffMember, ticket: TicketView) -> None:
    """ "Solution found" on a complaint: ask for the note the customer will read (/resolve <note>)."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await note(context, ticket, "resolve_how")


async def resolve_command(update: Update, context: CareContext) -> None:
    """`/resolve <note>` in a ticket's topic: record the solution and tell the customer today. In the topic of a
    ticket that went with its customer (/forget), that nothing was sent; anywhere else (the group's general chat,
    another feature's topic, a private chat) staff are told where and how to use it."""
    member = await require_staff(update, context, "advisor")
    message, services = update.effective_message, context.services
    if member is None or message is None:
        return
    thread = message.message_thread_id if in_desk_group(update, context) else None
    text = "".join((message.text or "").split(maxsplit=1)[1:]).strip()  # the note keeps its line breaks
    locale = services.settings.default_locale
    async with services.sessions.begin() as session:
        ticket = None if thread is None else await ticket_repo.by_topic(session, thread, locale)
        staff_id, at = member.telegram_user_id, now(context)
        done = ticket is not None and bool(text) and await ticket_repo.resolve(session, ticket.id, staff_id, text, at)
        gone = ticket is None and thread is not None and await ticket_repo.topic_gone(session, thread)
    if gone:  # the ticket went with its customer (/forget): as a message in that topic is told
        return await not_sent(context, thread, "gone", update.effective_user)
    if ticket is None:
        await message.reply_text(services.messages.render(locale, "handoff_note", event="resolve_where"))
        return
    if not done:
        if ticket.active:
            return await note(context, ticket, "resolve_how")
        return await not_sent(context, ticket.topic_id, "closed_already", update.effective_user)
    told = await tell_customer(context, ticket, "resolved", note=text, kind=ticket.kind, trigger=ticket.trigger)
    await note(context, ticket, "resolved", told=told)


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    groups = filters.ChatType.GROUPS
    return [
        CallbackQueryHandler(button, pattern=rf"^{FEATURE}:"),
        CommandHandler("resolve", resolve_command, filters=groups | filters.ChatType.PRIVATE),
    ]
