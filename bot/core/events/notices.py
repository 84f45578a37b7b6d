"""What events send on their own, through the outbox: the day-before reminder to those going (the seed's
"written notice") and the note to a customer who left the waiting list. No telegram import.

The reminder is a desk-tick task: due at `event_reminder_time` (dealer time) the day before the event, moved out
of quiet hours, once per (event, customer) under `event:{id}:{customer}:day_before`, expiring when the event
starts, so a rerun or a catch-up after downtime sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.core.common.quiet_hours import parse_clock
from bot.core.events import service as events
from bot.core.events.view import view_in
from bot.core.outbox.store import OutboxItem, enqueue_many, message_payload
from bot.core.reminders.message import reminder_locale
from bot.db.events.models import Event, EventRsvp
from bot.db.garage.models import Customer

if TYPE_CHECKING:
    from bot.core.services import Services

KIND = "reminder"


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


async def _messages(services: Services, event: Event, rsvps: list[tuple[int, int, str | None, str | None,
                    str | None]], template: str, suffix: str, not_before: dt.datetime) -> list[OutboxItem]:  # fmt: skip
    settings, items = services.settings, []
    for customer_id, chat_id, locale_choice, last_locale, language_code in rsvps:
        locale = reminder_locale(locale_choice, last_locale, language_code, settings.default_locale)
        text = services.messages.render(locale, template, e=view_in(services, event, locale))
        items.append(OutboxItem(f"event:{event.id}:{customer_id}:{suffix}", KIND, chat_id, message_payload(text),
                                not_before, _utc(event.starts_at), customer_id))  # fmt: skip
    return items


def _recipients(event_id: int, answer: str, customer_id: int | None = None):  # type: ignore[no-untyped-def]
    statement = (
        select(Customer.id, Customer.chat_id, Customer.locale_choice, Customer.last_locale, Customer.language_code)
        .join(EventRsvp, EventRsvp.customer_id == Customer.id)
        .where(EventRsvp.event_id == event_id, EventRsvp.answer == answer, Customer.chat_id.is_not(None))
    )
    return statement if customer_id is None else statement.where(Customer.id == customer_id)


async def day_before(services: Services, now: dt.datetime) -> int:
    """Enqueue the day-before reminders that are due; returns how many were new."""
    settings = services.settings
    tz, at = settings.tz, parse_clock(settings.event_reminder_time)
    local_today = now.astimezone(tz).date()
    horizon = dt.datetime.combine(local_today + dt.timedelta(days=2), dt.time(), tzinfo=tz)
    added = 0
    async with services.sessions.begin() as session:
        events = (await session.execute(
            select(Event).where(Event.status == "scheduled", Event.starts_at > now, Event.starts_at < horizon)
        )).scalars().all()  # fmt: skip
        for event in events:
            day = _utc(event.starts_at).astimezone(tz).date()
            due = dt.datetime.combine(day - dt.timedelta(days=1), at, tzinfo=tz)
            if due > now:
                continue
            rows = [tuple(r) for r in (await session.execute(_recipients(event.id, "going"))).all()]
            items = await _messages(services, event, rows, "event_reminder", "day_before",  # type: ignore[arg-type]
                                    settings.quiet_hours.shift(max(due, now)))  # fmt: skip
            added += await enqueue_many(session, items, now)
    return added


async def promoted(services: Services, event_id: int, customer_id: int, now: dt.datetime) -> int:
    """Tell a customer a place became free for them (sent at once: it answers their own request)."""
    async with services.sessions.begin() as session:
        event = await session.get(Event, event_id)
        if event is None:
            return 0
        rows = [tuple(r) for r in (await session.execute(_recipients(event_id, "going", customer_id))).all()]
        items = await _messages(services, event, rows, "event_promoted", "promoted", now)  # type: ignore[arg-type]
        return await enqueue_many(session, items, now)


async def reconcile(services: Services, now: dt.datetime) -> int:
    """A marketing-tick task: places held by answers that are gone go back, the waiting list moves up (told)."""
    async with services.sessions() as session:
        ids = list((await session.execute(
            select(Event.id).where(Event.status == "scheduled", Event.starts_at > now)
        )).scalars())  # fmt: skip
    moved = 0
    for event_id in ids:
        async with services.sessions.begin() as session:
            moved_up = await events.reconcile_places(session, event_id, now)
        for customer_id in moved_up:
            moved += await promoted(services, event_id, customer_id, now)
    return moved
