"""The advisors' side of bookings: a card in the advisors' group for each new, moved or cancelled booking,
with confirm / arrived / no-show / done buttons (`appt:<action>:<id>`, signed for the group). Each card goes
through the outbox, which keeps its message id: a newer card of the same booking edits the older ones (the
booking as it is now, marked outdated, no buttons), so the desk has one live card per booking.

Every press is checked with require_staff("advisor", in_group=True): an outsider, marketing staff or a
customer with forged data is refused politely. The status change is one conditional UPDATE, so a second
press (or a stale card) changes nothing. Arrived / no-show / done are refused before the appointment's day
(dealer time), and a no-show before its time. "confirm" and "no-show" tell the customer through the outbox (quiet
hours respected); "done" records a completed visit, which the follow-ups pick up; on a maintenance booking it then
asks the advisor for the odometer reading and the work done (bot.handlers.desk.booking.done).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.core.desk.booking.repo import STAFF_ACTIONS
from bot.core.desk.booking.service import AppointmentView, TooEarly, card_prefix, describe
from bot.core.outbox.store import OutboxItem
from bot.core.reminders.message import reminder_locale
from bot.core.staff import repo as staff_repo
from bot.handlers.common.context import CareContext
from bot.handlers.desk.booking import done as visit_entry
from bot.handlers.desk.booking.steps import booking_desk, now_local
from bot.handlers.desk.group import deliver_now, desk_button_data, desk_item, desk_keyboard, require_staff

FEATURE = "appt"
CLOCK = "booking_desk_clock"
# Which buttons a card shows in each status.
BUTTONS = {
    "requested": ("confirm", "arrived", "noshow"),
    "confirmed": ("arrived", "noshow", "done"),
    "arrived": ("done",),
}
# The advisors' actions the customer is told of, and the notice's event (appointment_notice.html.j2).
TOLD = {"confirm": "confirmed", "noshow": "no_show"}


def _now_local(context: CareContext) -> dt.datetime:
    """Dealer time now; tests put a () -> datetime (dealer time) in bot_data[CLOCK] to press at a given hour."""
    clock = context.application.bot_data.get(CLOCK)
    return clock() if callable(clock) else now_local(context)


def card_markup(context: CareContext | Any, found: AppointmentView) -> InlineKeyboardMarkup | None:
    services = context.services if hasattr(context, "services") else context
    actions = BUTTONS.get(found.status, ())
    if not actions or services.settings.advisor_group_id is None:
        return None
    locale = services.settings.default_locale
    row = [(services.messages.label(locale, f"appt_{a}"), FEATURE, a, (str(found.id),)) for a in actions]
    return desk_keyboard(services, [row])


def card_text(
    context: CareContext,
    found: AppointmentView,
    event: str,
    staff: str = "",
    visit: bool | None = None,
    advisors: Sequence[dict[str, Any]] = (),
) -> str:
    """The card; `advisors` (branch_mentions) are mentioned on a new or moved booking: Telegram notifies them."""
    services = context.services
    locale = services.settings.default_locale
    a = describe(found, services.dealer, locale)
    return services.messages.render(locale, "appointment_card", event=event, a=a, staff=staff, visit=visit,
                                    advisors=list(advisors))  # fmt: skip


async def branch_mentions(context: CareContext, branch: str) -> list[dict[str, Any]]:
    """The on-duty advisors who work at `branch` (/staff branch), as tg://user mentions: a dealer group's
    desk is shared by every branch, and a booking is first the work of its own branch's advisors."""
    async with context.services.sessions() as session:
        found = await staff_repo.branch_advisors(session, branch)
    return [{"id": m.telegram_user_id, "name": m.label} for m in found]


def card_key(found: AppointmentView, event: str) -> str:
    """One card per appointment and event (a move: per new day and slot)."""
    return f"{card_prefix(found.id)}{event}:{found.day:%Y%m%d}:{found.slot}"


def card_items(
    context: CareContext, event: str, advisors: Sequence[dict[str, Any]] = ()
) -> Callable[[AppointmentView], list[OutboxItem]]:
    """The card as an outbox row, written in the booking's own transaction (BookingDesk.book_draft)."""

    def items(found: AppointmentView) -> list[OutboxItem]:
        item = desk_item(context.services, card_key(found, event), card_text(context, found, event, advisors=advisors),
                         card_markup(context, found), found.customer_id)  # fmt: skip
        return [item] if item is not None else []

    return items


async def post_card(context: CareContext, found: AppointmentView, event: str, once: str = "") -> None:
    """Tell the advisors' group of a change (nothing happens when no group is configured, nor when this change
    was told already; `once` tells one move from another to the same time): a new card through the outbox, and
    the booking's earlier cards lose their buttons, so the desk has one live card per booking, the newest."""
    key = card_key(found, event) + (f":{once}" if once else "")
    advisors = await branch_mentions(context, found.branch)
    items = [i for i in [desk_item(context.services, key, card_text(context, found, event, advisors=advisors),
                                   card_markup(context, found), found.customer_id)] if i is not None]  # fmt: skip
    if not await booking_desk(context).announce(items):
        return
    await deliver_now(context, context.services, key)
    await retire_cards(context, found, key)


async def retire_cards(context: CareContext, found: AppointmentView, live: str) -> None:
    """Edit the booking's cards but the `live` one: the booking as it is now, marked as outdated, no buttons."""
    text = card_text(context, found, "outdated")
    for card in await booking_desk(context).cards(found.id):
        if card.key == live:
            continue
        with contextlib.suppress(TelegramError):  # too old to edit, or deleted: the new card says it all
            await context.bot.edit_message_text(text, chat_id=card.chat_id, message_id=card.message_id,
                                                disable_web_page_preview=True)  # fmt: skip


async def staff_pressed(update: Update, context: CareContext) -> None:
    """confirm / arrived / no-show / done on a card, by an advisor in the advisors' group."""
    query, data = update.callback_query, desk_button_data(update, context)
    assert query is not None
    member = await require_staff(update, context, "advisor", in_group=True)
    if member is None:
        return
    services, locale = context.services, context.services.settings.default_locale
    if data is not None and data.action in visit_entry.ACTIONS:
        await visit_entry.pressed(update, context, data, member)
        return
    if data is None or data.action not in STAFF_ACTIONS or not data.arg.isdigit():
        await query.answer(services.messages.label(locale, "button_expired"), show_alert=True)
        return
    name = (
        member.name
        or (update.effective_user.first_name if update.effective_user else "")
        or str(member.telegram_user_id)
    )
    now = _now_local(context)
    try:
        found, visit = await booking_desk(context).staff_action(int(data.arg), data.action, member.telegram_user_id,
                                                                name, now.date(), now)  # fmt: skip
    except TooEarly as early:  # the card keeps its buttons: they work from the appointment's day (no-show: time)
        day, key = early.day, "appt_noshow_too_early" if early.slot else "appt_too_early"
        await query.answer(services.messages.label(locale, key, month=day.month, day=day.day, mon=f"{day:%b}",
                                                   time=early.slot), show_alert=True)  # fmt: skip
        return
    if found is None:
        await query.answer(services.messages.label(locale, "appt_not_now"), show_alert=True)
        return
    await query.answer()
    text = card_text(context, found, "update", name, visit if data.action == "done" else None)
    with contextlib.suppress(BadRequest):  # a card too old to edit: the change is made all the same
        await query.edit_message_text(text, reply_markup=card_markup(context, found))
    if data.action in TOLD:
        await _tell_customer(context, found, TOLD[data.action])
    if data.action == "done" and visit and found.service_type == "maintenance":
        await visit_entry.ask_visit(update, context, found)


async def _tell_customer(context: CareContext, found: AppointmentView, event: str) -> None:
    """The customer's notice of an advisor's action, in their language, through the outbox."""
    services = context.services
    settings = services.settings
    locale = reminder_locale(found.locale_choice, found.last_locale, found.language_code, settings.default_locale)
    text = services.messages.render(locale, "appointment_notice", event=event,
                                    a=describe(found, services.dealer, locale))  # fmt: skip
    key = f"appointment:{found.id}:{event}:{found.day:%Y%m%d}:{found.slot}"
    await booking_desk(context).notify(found, key, text, None, settings.quiet_hours.shift(dt.datetime.now(dt.UTC)))


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    return [CallbackQueryHandler(staff_pressed, pattern=rf"^{FEATURE}:")]
