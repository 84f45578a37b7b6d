"""The day-before reminder of an appointment, a desk-tick task (scheduler/desk.py; no telegram import).

Due at `appointment_reminder_time` (dealer time) the day before the appointment, moved out of quiet hours,
enqueued once per appointment (`appointment:{id}:day_before`), so running the task again, or after downtime,
sends nothing twice. Moving or cancelling the appointment withdraws a reminder not yet sent
(bot.core.desk.booking.repo), so a moved appointment is reminded of its new day. Bookings made after the due
moment (tomorrow's, booked this evening) get none: the confirmation they just read says the same. The message
expires when the slot starts. Its buttons (I'll be there / reschedule) are signed for the customer and checked
again when pressed, however late.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from bot.core.common.quiet_hours import parse_clock
from bot.core.desk.booking import repo as appointment_repo
from bot.core.desk.booking.repo import reminder_key
from bot.core.desk.booking.service import describe
from bot.core.outbox.store import OutboxItem, enqueue_many, message_payload
from bot.core.reminders.message import reminder_locale

if TYPE_CHECKING:
    from bot.core.services import Services

FEATURE = "bk"


def _keyboard(services: Services, locale: Any, user_id: int, appointment_id: int) -> dict[str, Any]:
    label, pack = services.messages.label, services.callbacks.pack

    def button(key: str, action: str) -> dict[str, str]:
        return {"text": label(locale, key), "callback_data": pack(user_id, FEATURE, action, str(appointment_id))}

    return {"inline_keyboard": [[button("bk_coming", "ok"), button("bk_reschedule", "resched")]]}


async def day_before_reminders(services: Services, now: dt.datetime) -> int:
    """Enqueue the reminders that are due; returns how many were new."""
    settings = services.settings
    tz, at = settings.tz, parse_clock(settings.appointment_reminder_time)
    today = now.astimezone(tz).date()
    items = []
    async with services.sessions.begin() as session:
        for found in await appointment_repo.active_between(session, today, today + dt.timedelta(days=1)):
            due = dt.datetime.combine(found.day - dt.timedelta(days=1), at, tzinfo=tz)
            starts = dt.datetime.combine(found.day, parse_clock(found.slot), tzinfo=tz)
            if due > now or found.created_at >= due or starts <= now:
                continue
            if found.chat_id is None or found.telegram_user_id is None:
                continue
            locale = reminder_locale(found.locale_choice, found.last_locale, found.language_code,
                                     settings.default_locale)  # fmt: skip
            a = describe(found, services.dealer, locale)
            text = services.messages.render(locale, "appointment_notice", event="reminder", a=a)
            markup = _keyboard(services, locale, found.telegram_user_id, found.id)
            not_before = settings.quiet_hours.shift(max(due, now))
            items.append(OutboxItem(reminder_key(found.id), "reminder", found.chat_id, message_payload(text, markup),
                                    not_before, starts.astimezone(dt.UTC), found.customer_id))  # fmt: skip
        return await enqueue_many(session, items, now)
