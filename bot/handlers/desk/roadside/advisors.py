"""Roadside help, the advisors' side: the alert in their group, claim, status buttons, the customer's cancel.

The alert (problem, plate, phone, the caller's card, a map link) is followed by the native location, as a
reply to it. Its buttons are signed for the group (bot.handlers.desk.group) and every press is checked with
require_staff('advisor', in_group=True). Claiming is a conditional UPDATE: the first claimer wins and the
others are told who has it. The claimer (or a supervisor) then marks on the way with an ETA, arrived, done;
each step edits the pressed message and tells the customer at once (not held by quiet hours: urgent). The alert
and the location are noted as the request's messages: an advisor's reply to them is written to the customer
(bot.handlers.desk.roadside.relay).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.core.common.locale import Locale
from bot.core.desk.roadside import repo as roadside_repo
from bot.core.desk.roadside.escalation import FEATURE, alert_data, locale_of
from bot.core.desk.roadside.requests import ETA_CHOICES, CustomerCard, RoadsideView, may_move, parse_move
from bot.core.outbox.store import OutboxItem, message_id_of
from bot.core.services import Services
from bot.core.staff import repo as staff_repo
from bot.handlers.common import keyboards
from bot.handlers.common.context import CareContext, callback_data, customer_locale, refuse_button, send
from bot.handlers.desk.group import (
    deliver_now,
    desk_button_data,
    desk_item,
    desk_keyboard,
    post_to_desk,
    require_staff,
)

log = logging.getLogger(__name__)


def _buttons(services: Services, view: RoadsideView) -> InlineKeyboardMarkup | None:
    """The desk buttons that fit the request's status: claim, then ETA / arrived / done, then none."""
    label = lambda key, **data: services.messages.label(services.settings.default_locale, key, **data)  # noqa: E731
    rid = str(view.id)
    if view.status in ("new", "escalated"):
        return desk_keyboard(services, [[(label("rsd_claim"), FEATURE, "claim", (rid,))]])
    rows = []
    if view.status in ("claimed", "on_the_way"):
        etas = [(label("rsd_eta", minutes=m), FEATURE, "eta", (rid, str(m))) for m in ETA_CHOICES]
        rows += [etas[:2], etas[2:], [(label("rsd_arrived"), FEATURE, "arrived", (rid,))]]
    if view.status in ("claimed", "on_the_way", "arrived"):
        rows.append([(label("rsd_done"), FEATURE, "done", (rid,))])
    return desk_keyboard(services, rows) if rows else None


async def staff_name(services: Services, user_id: int | None) -> str:
    if user_id is None:
        return ""
    async with services.sessions() as session:
        member = await staff_repo.get(session, user_id)
    return member.label if member else f"#{user_id}"


async def customer_card(services: Services, view: RoadsideView) -> CustomerCard | None:
    """The caller as the desk sees them, with their chat and locale."""
    async with services.sessions() as session:
        return await roadside_repo.card(session, view.customer_id, services.settings.default_locale)


def _alert_text(services: Services, view: RoadsideView, card: CustomerCard | None, staff: str) -> str:
    data = alert_data(services, view, card)
    return services.messages.render(services.settings.default_locale, "roadside_alert", staff=staff, **data)


def alert_key(request_id: int) -> str:
    return f"roadside:{request_id}:alert"


async def alert_item(context: CareContext, customer_id: int) -> Callable[[RoadsideView], OutboxItem | None]:
    """The alert as an outbox row, made in the request's own transaction (the caller's card is read first)."""
    services = context.services
    async with services.sessions() as session:
        card = await roadside_repo.card(session, customer_id, services.settings.default_locale)

    def item(view: RoadsideView) -> OutboxItem | None:
        text = _alert_text(services, view, card, "")
        return desk_item(services, alert_key(view.id), text, _buttons(services, view), view.customer_id)

    return item


async def alert(context: CareContext, view: RoadsideView) -> None:
    """Send the enqueued alert at once, then the native location as a reply to it. When the alert cannot go
    now, the outbox sender sends it later (the map link in it stands for the location)."""
    services = context.services
    group = services.settings.advisor_group_id
    if group is None:  # no desk: the customer was told to call the rescue line
        return
    message_id = await deliver_now(context, services, alert_key(view.id))
    if message_id is None:
        return
    async with services.sessions.begin() as session:
        await roadside_repo.set_alert(session, view.id, message_id)
        await roadside_repo.note_messages(session, view.id, group, [message_id])
    if view.latitude is not None and view.longitude is not None:
        try:
            sent = await context.bot.send_location(group, view.latitude, view.longitude, reply_to_message_id=message_id)
        except TelegramError as exc:
            log.warning("could not send roadside #%s's location to the group: %s", view.id, exc)
            return
        await note_messages(services, view, [sent.message_id])


async def note_messages(services: Services, view: RoadsideView, message_ids: list[int]) -> None:
    """Messages in the advisors' group that belong to the request: a reply to one of them answers its customer."""
    group = services.settings.advisor_group_id
    if group is not None and message_ids:
        async with services.sessions.begin() as session:
            await roadside_repo.note_messages(session, view.id, group, message_ids)


async def alert_message(services: Services, view: RoadsideView) -> int | None:
    """The alert's message id: recorded when sent at once, else as the outbox sender recorded it (then kept on the
    request, and noted as its message, so a reply to it is found)."""
    if view.alert_message_id is not None:
        return view.alert_message_id
    async with services.sessions() as session:
        message_id = await message_id_of(session, alert_key(view.id))
    if message_id is not None:
        async with services.sessions.begin() as session:
            await roadside_repo.set_alert(session, view.id, message_id)
        await note_messages(services, view, [message_id])
    return message_id


async def _refresh(update: Update, context: CareContext, view: RoadsideView, staff: str) -> None:
    """Show the new status on the pressed message, and on the first alert if that was another message."""
    services = context.services
    text = _alert_text(services, view, await customer_card(services, view), staff)
    query, group = update.callback_query, services.settings.advisor_group_id
    pressed = query.message.message_id if query is not None and query.message is not None else None
    for message_id in {pressed, await alert_message(services, view)} - {None}:
        try:
            await context.bot.edit_message_text(text, group, message_id, reply_markup=_buttons(services, view))
        except TelegramError as exc:  # "message is not modified", or deleted by someone
            log.info("roadside #%s: alert %s not edited: %s", view.id, message_id, exc)


async def _tell_customer(context: CareContext, view: RoadsideView, event: str, staff: str) -> None:
    """A status change, to the customer at once; a blocked bot or a deleted chat does not undo the change."""
    services = context.services
    card = await customer_card(services, view)
    if card is None or card.chat_id is None:
        return
    text = services.messages.render(locale_of(card, services.settings.default_locale), "roadside_update",
                                    event=event, r=view, staff=staff)  # fmt: skip
    try:
        await context.bot.send_message(card.chat_id, text)
    except TelegramError as exc:
        log.warning("roadside #%s: could not tell the customer (%s): %s", view.id, event, exc)


async def _refuse(update: Update, context: CareContext, key: str, **data: object) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(context.services.messages.label(context.services.settings.default_locale, key, **data),
                       show_alert=True)  # fmt: skip


async def claim(update: Update, context: CareContext) -> None:
    """The claim button: the first advisor to press it takes the request; the others hear who did."""
    member = await require_staff(update, context, "advisor", in_group=True)
    if member is None:
        return
    data, services, query = desk_button_data(update, context), context.services, update.callback_query
    assert query is not None
    if data is None or not data.arg.isdigit():
        return await _refuse(update, context, "button_expired")
    name = (update.effective_user.first_name if update.effective_user else None) or member.label
    async with services.sessions.begin() as session:
        await staff_repo.set_name(session, member.telegram_user_id, name)
        won = await roadside_repo.claim(session, int(data.arg), member.telegram_user_id, dt.datetime.now(dt.UTC))
        view = await roadside_repo.get(session, int(data.arg))
    if view is None:
        return await _refuse(update, context, "button_expired")
    if not won:
        if view.claimed_by is None:
            return await _refuse(update, context, "rsd_moved_on")
        return await _refuse(update, context, "rsd_taken", name=await staff_name(services, view.claimed_by))
    await query.answer(services.messages.label(services.settings.default_locale, "rsd_claimed_ok", id=view.id))
    await _refresh(update, context, view, name)
    await _tell_customer(context, view, "claimed", name)


async def move(update: Update, context: CareContext) -> None:
    """On the way (with an ETA), arrived, done: only the claimer or a supervisor, only a valid next step."""
    member = await require_staff(update, context, "advisor", in_group=True)
    if member is None:
        return
    data, services, query = desk_button_data(update, context), context.services, update.callback_query
    assert query is not None
    wanted = parse_move(data.action, data.args) if data is not None else None
    if wanted is None:
        return await _refuse(update, context, "button_expired")
    target, request_id, me = wanted.target, wanted.request_id, member.telegram_user_id
    supervisor = member.can("supervisor")
    async with services.sessions() as session:
        view = await roadside_repo.get(session, request_id)
    if view is None:
        return await _refuse(update, context, "button_expired")
    if not may_move(view, me, supervisor, target):
        mine = supervisor or view.claimed_by == me
        return await _refuse(update, context, "rsd_moved_on" if mine or view.claimed_by is None else "rsd_not_yours")
    async with services.sessions.begin() as session:
        moved = await roadside_repo.move(
            session, request_id, target, me, supervisor, dt.datetime.now(dt.UTC), wanted.eta_minutes
        )
        view = await roadside_repo.get(session, request_id)
    if not moved or view is None:
        return await _refuse(update, context, "rsd_moved_on")
    await query.answer(services.messages.label(services.settings.default_locale, "rsd_updated"))
    staff = await staff_name(services, view.claimed_by)
    await _refresh(update, context, view, staff)
    await _tell_customer(context, view, target, staff)


async def show_open(update: Update, context: CareContext, locale: Locale) -> bool:
    """The customer's open request, with a cancel button, if they have one (instead of a duplicate)."""
    services, user = context.services, update.effective_user
    assert user is not None
    async with services.sessions() as session:
        customer_id = await roadside_repo.customer_id_of(session, user.id)
        view = await roadside_repo.open_for(session, customer_id) if customer_id is not None else None
    if view is None:
        return False
    label = services.messages.label(locale, "rsd_cancel", id=view.id)
    markup = keyboards.labelled(services, user.id, [(label, FEATURE, "cancel", str(view.id))])
    staff = await staff_name(services, view.claimed_by)
    await send(update, context, locale, "roadside_open", markup, r=view, staff=staff)
    return True


async def cancel_request(update: Update, context: CareContext) -> None:
    """The customer's cancel button: only their own request, only while it is open; the desk is told."""
    query, data, services = update.callback_query, callback_data(update, context), context.services
    assert query is not None and update.effective_user is not None
    if data is None or not data.arg.isdigit():
        return await refuse_button(update, context)
    async with services.sessions.begin() as session:
        customer_id = await roadside_repo.customer_id_of(session, update.effective_user.id)
        done = customer_id is not None and await roadside_repo.cancel(
            session, int(data.arg), customer_id, dt.datetime.now(dt.UTC)
        )
        view = await roadside_repo.get(session, int(data.arg)) if done else None
    if view is None:
        return await refuse_button(update, context)
    await query.answer()
    locale = await customer_locale(update, context)
    await send(update, context, locale, "roadside_update", event="cancelled", r=view, staff="")
    await _tell_desk_cancelled(context, view)


async def _tell_desk_cancelled(context: CareContext, view: RoadsideView) -> None:
    services = context.services
    group = services.settings.advisor_group_id
    alert_id = await alert_message(services, view)
    if group is not None and alert_id is not None:
        card, staff = await customer_card(services, view), await staff_name(services, view.claimed_by)
        text = _alert_text(services, view, card, staff)
        try:
            await context.bot.edit_message_text(text, group, alert_id, reply_markup=None)
        except TelegramError as exc:
            log.info("roadside #%s: alert not edited: %s", view.id, exc)
    note = services.messages.render(services.settings.default_locale, "roadside_desk_note", event="cancelled", r=view)
    await post_to_desk(context, services, note)


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    return [
        CallbackQueryHandler(claim, pattern=rf"^{FEATURE}:claim:"),
        CallbackQueryHandler(move, pattern=rf"^{FEATURE}:(eta|arrived|done):"),
        CallbackQueryHandler(cancel_request, pattern=rf"^{FEATURE}:cancel:"),
    ]
