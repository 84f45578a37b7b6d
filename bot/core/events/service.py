"""Events: create, RSVP with capacity held by the database, the waiting list, check-in (no telegram import).

A "going" takes a place with `UPDATE event SET going = going + 1 WHERE id = … AND going < capacity` (and the
table's CHECK): when no row changes the event is full and the answer is recorded as "waiting". Leaving "going"
gives the place back and the longest-waiting customer takes it (`promoted`, told through the outbox). On
PostgreSQL the event row is locked first, so answers to one event are taken one at a time; on SQLite the
single writer does the same. Answers change until the event starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.events.view import OFFERS
from bot.db.events.models import Event, EventRsvp
from bot.db.garage.models import Customer


class EventError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class EventDraft:
    titles: Mapping[str, str]
    descriptions: Mapping[str, str]
    branch: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    offer: str | None = None
    invite_days: int = 14


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


async def create(session: AsyncSession, draft: EventDraft, branches: Sequence[str], created_by: int | None = None,
                 now: dt.datetime | None = None) -> Event:  # fmt: skip
    if not any((t or "").strip() for t in draft.titles.values()):
        raise EventError("title", "must not be empty")
    if draft.branch not in branches:
        raise EventError("branch", f"unknown branch {draft.branch!r}; expected {', '.join(branches)}")
    if draft.starts_at.tzinfo is None or draft.ends_at.tzinfo is None:
        raise EventError("starts", "needs a time zone")
    if draft.ends_at <= draft.starts_at:
        raise EventError("ends", "must be after the start")
    if now is not None and draft.starts_at <= now:
        raise EventError("starts", "must be in the future")
    if draft.capacity < 1:
        raise EventError("capacity", "must be 1 or more")
    if draft.offer is not None and draft.offer not in OFFERS:
        raise EventError("offer", f"expected one of {', '.join(OFFERS)}")
    event = Event(titles=dict(draft.titles), descriptions=dict(draft.descriptions), branch=draft.branch,
                  place=draft.place, starts_at=_utc(draft.starts_at), ends_at=_utc(draft.ends_at),
                  capacity=draft.capacity, going=0, offer=draft.offer, invite_days=draft.invite_days,
                  status="scheduled", created_by=created_by)  # fmt: skip
    session.add(event)
    await session.flush()
    return event


async def _lock(session: AsyncSession, event_id: int) -> Event | None:
    statement = select(Event).where(Event.id == event_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def _take_place(session: AsyncSession, event_id: int) -> bool:
    result = await session.execute(
        update(Event).where(Event.id == event_id, Event.going < Event.capacity).values(going=Event.going + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RsvpResult:
    """What was recorded: the answer (going, maybe, no, waiting) or `closed` (started, cancelled, unknown);
    `promoted` is the customer id who left the waiting list for the place given back, if any."""

    answer: str
    previous: str | None = None
    promoted: int | None = None


async def answer(
    session: AsyncSession, event_id: int, customer_id: int, wanted: str, now: dt.datetime,
    campaign_id: int | None = None,
) -> RsvpResult:  # fmt: skip
    """Record a customer's answer; capacity is enforced by the database (see the module docstring)."""
    if wanted not in ("going", "maybe", "no"):
        raise EventError("answer", f"expected going, maybe or no, got {wanted!r}")
    event = await _lock(session, event_id)
    if event is None or event.status != "scheduled" or _utc(event.starts_at) <= now:
        return RsvpResult("closed")
    existing = (
        await session.execute(
            select(EventRsvp).where(EventRsvp.event_id == event_id, EventRsvp.customer_id == customer_id)
        )
    ).scalar_one_or_none()
    previous = existing.answer if existing else None
    if previous == wanted or (wanted == "going" and previous == "waiting"):
        return RsvpResult(previous, previous)  # type: ignore[arg-type]
    recorded = wanted
    if wanted == "going" and not await _take_place(session, event_id):
        recorded = "waiting"
    promoted = None
    if previous == "going":
        await session.execute(update(Event).where(Event.id == event_id).values(going=Event.going - 1))
        promoted = await _promote(session, event_id, now)
    if existing is None:
        session.add(EventRsvp(event_id=event_id, customer_id=customer_id, answer=recorded, campaign_id=campaign_id,
                              answered_at=now))  # fmt: skip
    else:
        existing.answer, existing.answered_at = recorded, now
        existing.campaign_id = existing.campaign_id or campaign_id
    await session.flush()
    return RsvpResult(recorded, previous, promoted)


async def _promote(session: AsyncSession, event_id: int, now: dt.datetime) -> int | None:
    """The place given back goes to the longest-waiting customer, if any."""
    first = (
        await session.execute(
            select(EventRsvp)
            .where(EventRsvp.event_id == event_id, EventRsvp.answer == "waiting")
            .order_by(EventRsvp.answered_at, EventRsvp.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    if first is None or not await _take_place(session, event_id):
        return None
    first.answer, first.answered_at = "going", now
    return first.customer_id


@dataclass(frozen=True)
class Attendee:
    customer_id: int
    name: str | None
    phone: str | None
    answer: str
    checked_in: bool


async def attendees(session: AsyncSession, event_id: int, answers: Sequence[str] = ("going", "waiting")
                    ) -> list[Attendee]:  # fmt: skip
    rows = (
        await session.execute(
            select(EventRsvp.customer_id, Customer.first_name, Customer.name, Customer.phone, EventRsvp.answer,
                   EventRsvp.checked_in_at)
            .join(Customer, Customer.id == EventRsvp.customer_id)
            .where(EventRsvp.event_id == event_id, EventRsvp.answer.in_(answers))
            .order_by(EventRsvp.answer, EventRsvp.answered_at, EventRsvp.id)
        )
    ).all()  # fmt: skip
    return [Attendee(r[0], r[2] or r[1], r[3], r[4], r[5] is not None) for r in rows]


async def check_in(session: AsyncSession, event_id: int, customer_id: int, staff_id: int, now: dt.datetime) -> bool:
    """Record that a customer came; False when they had no answer for this event (walk-ins get one)."""
    result = await session.execute(
        update(EventRsvp)
        .where(EventRsvp.event_id == event_id, EventRsvp.customer_id == customer_id,
               EventRsvp.checked_in_at.is_(None))
        .values(checked_in_at=now, checked_in_by=staff_id)
    )  # fmt: skip
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def upcoming(session: AsyncSession, now: dt.datetime, limit: int = 10, customer_id: int | None = None
                   ) -> Sequence[Event]:  # fmt: skip
    """Events not yet started whose invitations are due (starts within invite_days), and those `customer_id` has
    answered already (an invitation a marketer sent earlier than the rule's two weeks)."""
    rows = (
        await session.execute(
            select(Event).where(Event.status == "scheduled", Event.starts_at > now).order_by(Event.starts_at)
        )
    ).scalars().all()
    answered = set((await answers_of(session, customer_id, [e.id for e in rows])) if customer_id else ())
    return [e for e in rows if e.id in answered or _utc(e.starts_at) - dt.timedelta(days=e.invite_days) <= now
            ][:limit]  # fmt: skip


async def answers_of(session: AsyncSession, customer_id: int, event_ids: Sequence[int]) -> dict[int, str]:
    if not event_ids:
        return {}
    rows = await session.execute(
        select(EventRsvp.event_id, EventRsvp.answer)
        .where(EventRsvp.customer_id == customer_id, EventRsvp.event_id.in_(event_ids))
    )  # fmt: skip
    return {int(e): str(a) for e, a in rows.all()}


async def get(session: AsyncSession, event_id: int) -> Event | None:
    return await session.get(Event, event_id)




async def customer_id_of(session: AsyncSession, telegram_user_id: int) -> int | None:
    """The customer row of a Telegram user, if they have one."""
    statement = select(Customer.id).where(Customer.telegram_user_id == telegram_user_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def reconcile_places(session: AsyncSession, event_id: int, now: dt.datetime) -> list[int]:
    """Give back the places of answers that are gone (a customer forgotten: their answers go with them, ON DELETE
    CASCADE) and move the waiting list up; returns the customers promoted. The event row is locked first, as in
    `answer`, so the count cannot race an answer."""
    event = await _lock(session, event_id)
    if event is None or event.status != "scheduled" or _utc(event.starts_at) <= now:
        return []
    going = (await session.execute(
        select(func.count()).select_from(EventRsvp).where(EventRsvp.event_id == event_id, EventRsvp.answer == "going")
    )).scalar_one()  # fmt: skip
    if going >= event.going:
        return []
    await session.execute(update(Event).where(Event.id == event_id).values(going=going))
    promoted = []
    while (customer_id := await _promote(session, event_id, now)) is not None:
        promoted.append(customer_id)
    await session.flush()
    return promoted
