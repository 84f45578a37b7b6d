"""Tickets (handoffs and complaints) and their events: the only SQL for the ticket, ticket_event and ticket_topic
tables.

State changes are single conditional UPDATEs (`… WHERE status IN ('open', 'claimed')`), so two advisors
pressing at once, or a stale button, cannot close a ticket twice or claim a claimed one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.common.customers import display_name
from bot.core.common.identifiers import format_plate
from bot.core.common.locale import Locale
from bot.core.desk.handoff.tickets import (
    ACTIVE_STATUSES,
    CardAppointment,
    CardVehicle,
    CardVisit,
    ContextCard,
    TicketView,
    Timings,
    customer_locale,
    timings,
)
from bot.core.garage.records import this_owners_visit
from bot.db.desk.booking.models import Appointment
from bot.db.desk.handoff.models import Ticket, TicketEvent, TicketTopic
from bot.db.garage.models import Customer, ServiceVisit, Vehicle

ClaimResult = Literal["claimed", "mine", "taken", "closed"]
DETAIL_MAX = 200


def _view(ticket: Ticket, customer: Customer, default: Locale) -> TicketView:
    locale = customer_locale(customer.locale_choice, customer.last_locale, customer.language_code, default)
    return TicketView(
        ticket.id, ticket.kind, ticket.trigger, ticket.status, ticket.topic_id, ticket.claimed_by, customer.id,
        customer.telegram_user_id, customer.chat_id, locale, ticket.opened_at, ticket.first_response_at,
        ticket.resolved_at, ticket.closed_at,
    )  # fmt: skip


async def _one(session: AsyncSession, default: Locale, *where: Any) -> TicketView | None:
    statement = (
        select(Ticket, Customer)
        .join(Customer, Customer.id == Ticket.customer_id)
        .where(*where)
        .order_by(Ticket.id.desc())
    )
    row = (await session.execute(statement.limit(1))).first()
    return _view(row[0], row[1], default) if row else None


async def log(session: AsyncSession, ticket_id: int, actor: str, kind: str, detail: str | None = None) -> None:
    """One contact on the ticket (never a phone number or a whole message in `detail`)."""
    short = detail[:DETAIL_MAX] if detail else None
    session.add(TicketEvent(ticket_id=ticket_id, actor=actor, kind=kind, detail=short))


async def open_or_reuse(
    session: AsyncSession,
    telegram_user_id: int,
    *,
    kind: str,
    trigger: str,
    context: dict[str, Any],
    escalate_at: dt.datetime | None,
    default: Locale,
    now: dt.datetime,
) -> tuple[TicketView, bool] | None:
    """The customer's active ticket (a complaint upgrades a handoff), or a new one; (ticket, created).
    None when there is no customer with this Telegram id."""
    customer = (
        await session.execute(select(Customer).where(Customer.telegram_user_id == telegram_user_id))
    ).scalar_one_or_none()
    if customer is None:
        return None
    active = select(Ticket).where(Ticket.customer_id == customer.id, Ticket.status.in_(ACTIVE_STATUSES))
    ticket = (await session.execute(active)).scalar()
    created = False
    if ticket is None:
        try:
            async with session.begin_nested():  # another process may open one at the same moment
                ticket = Ticket(
                    customer_id=customer.id, kind=kind, trigger=trigger, status="open", context=context,
                    opened_at=now, escalate_at=escalate_at,
                )  # fmt: skip
                session.add(ticket)
            created = True
            await log(session, ticket.id, "bot", "opened", f"{kind} via {trigger}")
        except IntegrityError:  # uq_ticket_active_customer: theirs won; reuse it
            ticket = (await session.execute(active)).scalar_one()
    if not created:
        if kind == "complaint" and ticket.kind != "complaint":
            ticket.kind = "complaint"
        if escalate_at is not None and ticket.escalate_at is None:
            ticket.escalate_at = escalate_at
        ticket.context = {**(ticket.context or {}), **context}
        await log(session, ticket.id, "bot", "retriggered", f"{kind} via {trigger}")
    await session.flush()
    return _view(ticket, customer, default), created


async def set_topic(session: AsyncSession, ticket_id: int, topic_id: int) -> None:
    """The ticket's forum topic, on the ticket and in ticket_topic (which outlives the ticket: `topic_gone`)."""
    await session.execute(update(Ticket).where(Ticket.id == ticket_id).values(topic_id=topic_id))
    await session.merge(TicketTopic(topic_id=topic_id, ticket_id=ticket_id))


async def get(session: AsyncSession, ticket_id: int, default: Locale) -> TicketView | None:
    return await _one(session, default, Ticket.id == ticket_id)


async def active_for_user(session: AsyncSession, telegram_user_id: int, default: Locale) -> TicketView | None:
    """The open or claimed ticket of the customer with this Telegram id."""
    where = Customer.telegram_user_id == telegram_user_id, Ticket.status.in_(ACTIVE_STATUSES)
    return await _one(session, default, *where)


async def by_topic(session: AsyncSession, topic_id: int, default: Locale) -> TicketView | None:
    """The (latest) ticket whose conversation is the forum topic `topic_id`."""
    return await _one(session, default, Ticket.topic_id == topic_id)


async def topic_gone(session: AsyncSession, topic_id: int) -> bool:
    """Whether `topic_id` was a ticket's topic whose ticket went with its customer (/forget). False for a topic
    that never was a ticket's (another feature's, or one people opened), and for one whose ticket is still there."""
    statement = select(TicketTopic.topic_id).where(TicketTopic.topic_id == topic_id, TicketTopic.ticket_id.is_(None))
    return (await session.execute(statement)).first() is not None


async def faq_trail(session: AsyncSession, ticket_id: int) -> list[dict[str, str]]:
    """The FAQ questions that led to a ticket (its context's trail), oldest first."""
    ticket = await session.get(Ticket, ticket_id)
    trail = (ticket.context or {}).get("trail") if ticket is not None and isinstance(ticket.context, dict) else None
    return [item for item in trail if isinstance(item, dict) and "q" in item] if isinstance(trail, list) else []


async def claim(session: AsyncSession, ticket_id: int, staff_id: int, now: dt.datetime) -> ClaimResult:
    """Take an open ticket; 'taken' when someone else already has it, 'mine' when the same person does (a second
    tap changes nothing)."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status == "open")
        .values(status="claimed", claimed_by=staff_id, claimed_at=now)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        await log(session, ticket_id, f"staff:{staff_id}", "claimed")
        return "claimed"
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None or ticket.status not in ACTIVE_STATUSES:
        return "closed"
    return "mine" if ticket.claimed_by == staff_id else "taken"


async def transfer(session: AsyncSession, ticket_id: int, by_staff: int, to_staff: int, now: dt.datetime) -> bool:
    """Hand an active ticket to another advisor; False when it is closed."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status.in_(ACTIVE_STATUSES))
        .values(status="claimed", claimed_by=to_staff, claimed_at=now)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await log(session, ticket_id, f"staff:{by_staff}", "transferred", f"to staff:{to_staff}")
    return True


async def close(session: AsyncSession, ticket_id: int, actor: str, now: dt.datetime, note: str | None = None) -> bool:
    """Close an active ticket (the bot answers the customer again); False when it was already closed."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status.in_(ACTIVE_STATUSES))
        .values(status="closed", closed_at=now, close_note=note)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await log(session, ticket_id, actor, "closed")
    return True


async def resolve(session: AsyncSession, ticket_id: int, staff_id: int, note: str, now: dt.datetime) -> bool:
    """A solution was found (complaints): the ticket stays open for the conversation; False when closed."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status.in_(ACTIVE_STATUSES))
        .values(resolved_at=now, close_note=note)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    # The note itself is the ticket's close_note; an event never holds message content (docs/service-desk.md).
    await log(session, ticket_id, f"staff:{staff_id}", "resolved", f"note of {len(note)} characters")
    return True


async def record_staff_reply(session: AsyncSession, ticket_id: int, staff_id: int, now: dt.datetime, kind: str) -> bool:
    """A staff message went to the customer: the first sets first_response_at, an unclaimed ticket becomes the
    replier's. Returns whether this reply claimed it."""
    await session.execute(
        update(Ticket).where(Ticket.id == ticket_id, Ticket.first_response_at.is_(None)).values(first_response_at=now)
    )
    claimed = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status == "open")
        .values(status="claimed", claimed_by=staff_id, claimed_at=now)
    )
    await log(session, ticket_id, f"staff:{staff_id}", "staff_reply", kind)
    if claimed.rowcount:  # type: ignore[attr-defined]
        await log(session, ticket_id, f"staff:{staff_id}", "claimed", "by replying")
        return True
    return False


async def events(session: AsyncSession, ticket_id: int) -> list[tuple[str, str, str | None]]:
    """(actor, kind, detail) of every contact, oldest first."""
    rows = await session.execute(
        select(TicketEvent.actor, TicketEvent.kind, TicketEvent.detail)
        .where(TicketEvent.ticket_id == ticket_id)
        .order_by(TicketEvent.at, TicketEvent.id)
    )
    return [(a, k, d) for a, k, d in rows.all()]


async def ticket_timings(session: AsyncSession, ticket_id: int) -> Timings | None:
    """First-response and resolution times of one ticket (the KPI reader's input), None if there is none."""
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        return None
    return timings(ticket.opened_at, ticket.first_response_at, ticket.resolved_at, ticket.closed_at)


async def context_card(
    session: AsyncSession,
    ticket: TicketView,
    trail: list[dict[str, str]],
    facts: dict[str, Any],
    visits: int = 3,
    telegram_name: str | None = None,
) -> ContextCard:
    """Name, phone, cars, the last visits and open appointments of the ticket's customer. `telegram_name` is the
    name Telegram gives with the update that asked for a person: the card's name when none is stored (a customer
    who used /forget is not named in the database again until they accept the privacy notice again)."""
    customer = await session.get(Customer, ticket.customer_id)
    assert customer is not None
    cars = (
        await session.scalars(
            select(Vehicle)
            .where(Vehicle.customer_id == customer.id, Vehicle.released_at.is_(None))
            .order_by(Vehicle.id)
        )
    ).all()
    plates = {car.id: format_plate(car.plate) if car.plate else None for car in cars}
    visit_rows = (
        await session.scalars(
            select(ServiceVisit)
            .join(Vehicle, Vehicle.id == ServiceVisit.vehicle_id)
            .where(ServiceVisit.vehicle_id.in_(list(plates)), this_owners_visit())
            .order_by(ServiceVisit.visit_date.desc())
            .limit(visits)
        )
    ).all()
    bookings = (
        await session.scalars(
            select(Appointment)
            .where(Appointment.customer_id == customer.id, Appointment.status.in_(("requested", "confirmed")))
            .order_by(Appointment.day, Appointment.slot)
        )
    ).all()
    return ContextCard(
        ticket.id, ticket.kind, ticket.trigger,
        display_name(customer.name, customer.first_name or telegram_name) or "?", customer.phone,
        [CardVehicle(plates[c.id], c.make, c.model) for c in cars],
        [CardVisit(v.visit_date, v.kind, v.work_done, plates.get(v.vehicle_id)) for v in visit_rows],
        [CardAppointment(a.day, a.slot, a.branch, a.service_type, a.status) for a in bookings],
        trail, facts,
    )  # fmt: skip
