"""What the event handlers call: each one session, plain data back (no telegram import)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from bot.core.common.locale import Locale
from bot.core.events import notices
from bot.core.events import service as events
from bot.core.events.view import EventView, view_in

if TYPE_CHECKING:
    from bot.core.services import Services


async def upcoming_for(services: Services, telegram_user_id: int, locale: Locale, now: dt.datetime
                       ) -> list[tuple[EventView, str | None]]:  # fmt: skip
    """Upcoming events (invitations due, or answered already) and this customer's answer to each."""
    async with services.sessions() as session:
        customer_id = await events.customer_id_of(session, telegram_user_id)
        found = await events.upcoming(session, now, customer_id=customer_id)
        answers = await events.answers_of(session, customer_id, [e.id for e in found]) if customer_id else {}
    return [(view_in(services, e, locale), answers.get(e.id)) for e in found]


async def rsvp(services: Services, telegram_user_id: int, event_id: int, wanted: str, campaign_id: int | None,
               locale: Locale, now: dt.datetime) -> tuple[events.RsvpResult, EventView | None]:  # fmt: skip
    """Record the answer; a customer who left the waiting list is told through the outbox."""
    async with services.sessions.begin() as session:
        customer_id = await events.customer_id_of(session, telegram_user_id)
        if customer_id is None:
            return events.RsvpResult("closed"), None
        result = await events.answer(session, event_id, customer_id, wanted, now, campaign_id)
        event = await events.get(session, event_id)
        shown = view_in(services, event, locale) if event else None
    if result.promoted is not None:
        await notices.promoted(services, event_id, result.promoted, now)
    return result, shown


async def attendee_list(services: Services, event_id: int, locale: Locale
                        ) -> tuple[EventView, list[events.Attendee]] | None:  # fmt: skip
    async with services.sessions() as session:
        event = await events.get(session, event_id)
        if event is None:
            return None
        return view_in(services, event, locale), await events.attendees(session, event_id)


async def staff_upcoming(services: Services, locale: Locale, now: dt.datetime) -> list[EventView]:
    """Every event not yet started (staff see them before the invitations go out)."""
    from sqlalchemy import select

    from bot.db.events.models import Event

    async with services.sessions() as session:
        rows = (await session.execute(select(Event).where(Event.status == "scheduled", Event.starts_at > now)
                                      .order_by(Event.starts_at).limit(20))).scalars().all()  # fmt: skip
    return [view_in(services, e, locale) for e in rows]


async def check_in(services: Services, event_id: int, customer_id: int, staff_id: int, now: dt.datetime) -> bool:
    async with services.sessions.begin() as session:
        return await events.check_in(session, event_id, customer_id, staff_id, now)
