"""Follow-ups after a visit and complaint escalations: the only SQL for the follow_up table and these ticket timers.

Read by bot.core.desk.followups.service (the sweep and the rating) and bot.core.desk.complaints.service (the
escalation). Every state
change is a conditional UPDATE (`WHERE status = 'pending'`, `WHERE rating IS NULL`, `WHERE rating = <the one
being changed>`, `WHERE escalated_at IS NULL`), so two ticks or two presses racing each other change a row once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.common.dialect import upsert_insert
from bot.db.desk.followups.models import FollowUp
from bot.db.desk.handoff.models import Ticket, TicketEvent
from bot.db.garage.models import Customer, ServiceVisit, Vehicle

# A customer the bot may write to first: on Telegram, reachable, service reminders not switched off.
_ON_TELEGRAM = (Customer.chat_id.is_not(None), Customer.telegram_user_id.is_not(None))
_WRITABLE = (*_ON_TELEGRAM, Customer.unreachable_at.is_(None), Customer.reminders_opt_out.is_(False))


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands datetimes back naive; they are UTC (DESIGN.md, decision 8)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)



async def visits_without_follow_ups(session: AsyncSession, since: dt.date, until: dt.date) -> list[tuple[int, dt.date]]:
    """(visit id, visit date) of completed visits dated in [since, until] whose car's owner the bot may write
    to and that have no follow-up yet."""
    statement = (
        select(ServiceVisit.id, ServiceVisit.visit_date)
        .join(Vehicle, Vehicle.id == ServiceVisit.vehicle_id)
        .join(Customer, Customer.id == Vehicle.customer_id)
        .where(
            ServiceVisit.completed.is_(True),
            ServiceVisit.visit_date.between(since, until),
            Vehicle.released_at.is_(None),
            *_WRITABLE,
            ~exists().where(FollowUp.visit_id == ServiceVisit.id),
        )
        .order_by(ServiceVisit.id)
    )
    return [(visit_id, day) for visit_id, day in (await session.execute(statement)).tuples()]


async def add_follow_ups(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert follow-ups ({visit_id, stage, due_at}), skipping (visit, stage) pairs already there."""
    if not rows:
        return 0
    table = FollowUp.__table__
    statement = (
        upsert_insert(session)(table).on_conflict_do_nothing(index_elements=["visit_id", "stage"]).returning(table.c.id)
    )
    values = [{**row, "status": "pending"} for row in rows]
    return len((await session.execute(statement, values)).all())


@dataclass(frozen=True)
class DueRow:
    """A pending follow-up whose time has come, with what the message needs and whether it may still go."""

    id: int
    stage: int
    due_at: dt.datetime
    visit_id: int
    visit_date: dt.date
    visit_kind: str
    plate: str | None
    make: str | None
    model: str | None
    customer_id: int | None
    telegram_user_id: int | None
    chat_id: int | None
    name: str | None
    first_name: str | None
    locale_choice: str | None
    last_locale: str | None
    language_code: str | None
    writable: bool
    earlier_ticket: bool  # stage 1 of the same visit opened a complaint ticket


async def due_follow_ups(session: AsyncSession, now: dt.datetime, limit: int = 500) -> list[DueRow]:
    """Pending follow-ups due by `now`, oldest first; the car's owner as they are now (maybe none)."""
    earlier = aliased(FollowUp)
    writable = and_(Vehicle.released_at.is_(None), *_WRITABLE)
    statement = (
        select(
            FollowUp.id,
            FollowUp.stage,
            FollowUp.due_at,
            ServiceVisit.id,
            ServiceVisit.visit_date,
            ServiceVisit.kind,
            Vehicle.plate,
            Vehicle.make,
            Vehicle.model,
            Customer.id,
            Customer.telegram_user_id,
            Customer.chat_id,
            Customer.name,
            Customer.first_name,
            Customer.locale_choice,
            Customer.last_locale,
            Customer.language_code,
            writable,
            exists().where(
                earlier.visit_id == FollowUp.visit_id, earlier.stage < FollowUp.stage, earlier.ticket_id.is_not(None)
            ),
        )
        .join(ServiceVisit, ServiceVisit.id == FollowUp.visit_id)
        .join(Vehicle, Vehicle.id == ServiceVisit.vehicle_id)
        .outerjoin(Customer, Customer.id == Vehicle.customer_id)
        .where(FollowUp.status == "pending", FollowUp.due_at <= now)
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(limit)
    )
    found = []
    for row in (await session.execute(statement)).tuples():
        values = list(row)
        values[2] = utc(values[2])
        values[17], values[18] = bool(values[17]), bool(values[18])
        found.append(DueRow(*values))
    return found


async def set_status(session: AsyncSession, follow_up_id: int, status: str, *, was: str = "pending") -> bool:
    """Move a follow-up on from `was`; False when another tick or press got there first."""
    statement = update(FollowUp).where(FollowUp.id == follow_up_id, FollowUp.status == was).values(status=status)
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined]


@dataclass(frozen=True)
class FollowUpView:
    """One follow-up as its customer answers it, with the visit the card shows staff."""

    id: int
    stage: int
    status: str
    rating: int | None
    comment: str | None
    ticket_id: int | None
    visit_no: str
    visit_date: dt.date
    visit_kind: str
    work_done: str | None
    advisor: str | None
    plate: str | None
    make: str | None
    model: str | None


async def customers_follow_up(session: AsyncSession, follow_up_id: int, telegram_user_id: int) -> FollowUpView | None:
    """The follow-up if it asks about a car this Telegram user owns now; None for anyone else's."""
    statement = (
        select(
            FollowUp.id,
            FollowUp.stage,
            FollowUp.status,
            FollowUp.rating,
            FollowUp.comment,
            FollowUp.ticket_id,
            ServiceVisit.visit_no,
            ServiceVisit.visit_date,
            ServiceVisit.kind,
            ServiceVisit.work_done,
            ServiceVisit.advisor,
            Vehicle.plate,
            Vehicle.make,
            Vehicle.model,
        )
        .join(ServiceVisit, ServiceVisit.id == FollowUp.visit_id)
        .join(Vehicle, Vehicle.id == ServiceVisit.vehicle_id)
        .join(Customer, Customer.id == Vehicle.customer_id)
        .where(
            FollowUp.id == follow_up_id, Customer.telegram_user_id == telegram_user_id, Vehicle.released_at.is_(None)
        )
    )
    row = (await session.execute(statement)).tuples().first()
    return FollowUpView(*row) if row is not None else None


async def record_rating(session: AsyncSession, follow_up_id: int, rating: int, now: dt.datetime) -> bool:
    """Keep the first rating only (a follow-up sent, or still pending when pressed from an old message)."""
    statement = (
        update(FollowUp)
        .where(FollowUp.id == follow_up_id, FollowUp.rating.is_(None), FollowUp.status.in_(("sent", "pending")))
        .values(rating=rating, status="answered", answered_at=now)
    )
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined]


async def change_rating(session: AsyncSession, follow_up_id: int, was: int, rating: int) -> bool:
    """Replace rating `was` by `rating` (the customer went back from the comment question): the row keeps one
    rating, the latest, which is what the KPIs read. Only while nothing followed it (no comment, no ticket),
    and only from `was`, so a second press racing the first changes nothing."""
    statement = (
        update(FollowUp)
        .where(
            FollowUp.id == follow_up_id,
            FollowUp.status == "answered",
            FollowUp.rating == was,
            FollowUp.comment.is_(None),
            FollowUp.ticket_id.is_(None),
        )
        .values(rating=rating)
    )
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined]


async def record_comment(session: AsyncSession, follow_up_id: int, comment: str) -> bool:
    """Keep the first comment only."""
    statement = update(FollowUp).where(FollowUp.id == follow_up_id, FollowUp.comment.is_(None)).values(comment=comment)
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined]


async def link_ticket(session: AsyncSession, follow_up_id: int, ticket_id: int) -> None:
    await session.execute(update(FollowUp).where(FollowUp.id == follow_up_id).values(ticket_id=ticket_id))


@dataclass(frozen=True)
class OverdueComplaint:
    id: int
    topic_id: int | None
    opened_at: dt.datetime
    escalate_at: dt.datetime


async def overdue_complaints(session: AsyncSession, now: dt.datetime, limit: int = 200) -> list[OverdueComplaint]:
    """Complaint tickets not resolved nor closed by their escalate_at, not escalated yet."""
    statement = (
        select(Ticket.id, Ticket.topic_id, Ticket.opened_at, Ticket.escalate_at)
        .where(
            Ticket.kind == "complaint",
            Ticket.status != "closed",
            Ticket.resolved_at.is_(None),
            Ticket.closed_at.is_(None),
            Ticket.escalated_at.is_(None),
            Ticket.escalate_at.is_not(None),
            Ticket.escalate_at <= now,
        )
        .order_by(Ticket.escalate_at, Ticket.id)
        .limit(limit)
    )
    return [
        OverdueComplaint(ticket_id, topic, utc(opened) or now, utc(due) or now)
        for ticket_id, topic, opened, due in (await session.execute(statement)).tuples()
    ]


async def mark_escalated(session: AsyncSession, ticket_id: int, now: dt.datetime) -> bool:
    """Escalate once: False when the ticket was escalated, resolved or closed meanwhile."""
    statement = (
        update(Ticket)
        .where(
            Ticket.id == ticket_id,
            Ticket.escalated_at.is_(None),
            Ticket.resolved_at.is_(None),
            Ticket.closed_at.is_(None),
            Ticket.status != "closed",
        )
        .values(escalated_at=now)
    )
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined]


async def log_event(
    session: AsyncSession, ticket_id: int, kind: str, detail: str | None, now: dt.datetime, actor: str = "bot"
) -> None:
    session.add(TicketEvent(ticket_id=ticket_id, at=now, actor=actor, kind=kind, detail=detail))


async def ticket_topic(session: AsyncSession, ticket_id: int) -> int | None:
    """The forum topic of a ticket (None when it has none)."""
    return await session.scalar(select(Ticket.topic_id).where(Ticket.id == ticket_id))
