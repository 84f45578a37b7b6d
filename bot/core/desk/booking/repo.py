"""Appointments: every query of the booking feature lives here, with their places (bot.core.desk.booking.slots_repo).

An appointment's insert, move or cancellation and its places change in one transaction (the caller's
`sessions.begin()`): a full slot raises SlotFull and nothing is stored. Moves and cancellations are compare
and set on the appointment row, so two racing ones never give a place back twice.

Every function acting for a customer takes their Telegram user id and filters on it, so an appointment id
from a button never reaches another customer's booking.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.common.customers import display_name
from bot.core.common.dealer import Capacity
from bot.core.desk.booking.slots import ON_THE_DAY, visit_kind
from bot.core.desk.booking.slots_repo import SlotFull, counters, ensure, lock, release_place, take_place
from bot.db.common.base import utcnow
from bot.db.common.dialect import upsert_insert
from bot.db.desk.booking.models import Appointment
from bot.db.garage.models import Customer, ServiceVisit, Vehicle
from bot.db.outbox.models import Outbox

__all__ = ["SlotFull", "counters", "release_place", "take_place"]  # the places, for callers of this module
ACTIVE = ("requested", "confirmed")
# Staff actions: which statuses each may start from, and the status it leads to.
STAFF_ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "confirm": (("requested",), "confirmed"),
    "arrived": (("requested", "confirmed"), "arrived"),
    "noshow": (("requested", "confirmed"), "no_show"),
    "done": (("requested", "confirmed", "arrived"), "done"),
}


def reminder_key(appointment_id: int) -> str:
    """The day-before reminder's idempotency key: one per appointment (bot.core.desk.booking.reminders)."""
    return f"appointment:{appointment_id}:day_before"


async def _drop_unsent_reminder(session: AsyncSession, appointment_id: int) -> None:
    """A moved or cancelled appointment's reminder not yet sent is withdrawn (a move gets one for its new day)."""
    await session.execute(
        delete(Outbox).where(Outbox.idempotency_key == reminder_key(appointment_id), Outbox.status == "pending")
    )


@dataclass(frozen=True)
class AppointmentView:
    """An appointment with what messages about it need, detached from the session."""

    id: int
    customer_id: int
    telegram_user_id: int | None
    chat_id: int | None
    customer_name: str | None
    vehicle_id: int | None
    plate: str | None
    branch: str
    service_type: str
    day: dt.date
    slot: str
    mode: str
    status: str
    notes: str | None
    phone: str | None
    source: str
    cancel_reason: str | None
    created_at: dt.datetime
    locale_choice: str | None = None
    last_locale: str | None = None
    language_code: str | None = None
    moved_from: tuple[dt.date, str] | None = None  # a reschedule's old (day, slot), for its messages


@dataclass(frozen=True)
class NewBooking:
    """What the flow collected; `vehicle_id` only for a car that is the customer's."""

    branch: str
    service_type: str
    day: dt.date
    slot: str
    mode: str
    vehicle_id: int | None = None
    plate: str | None = None
    notes: str | None = None
    phone: str | None = None
    source: str = "chat"
    draft_key: str | None = None  # the flow's draft: a second confirm of the same draft stores nothing


def _view(appointment: Appointment, customer: Customer) -> AppointmentView:
    created = appointment.created_at
    created = created.replace(tzinfo=dt.UTC) if created.tzinfo is None else created
    return AppointmentView(
        appointment.id, appointment.customer_id, customer.telegram_user_id, customer.chat_id,
        display_name(customer.name, customer.first_name) or None, appointment.vehicle_id, appointment.plate,
        appointment.branch,
        appointment.service_type, appointment.day, appointment.slot, appointment.mode, appointment.status,
        appointment.notes, appointment.phone, appointment.source, appointment.cancel_reason, created,
        customer.locale_choice, customer.last_locale, customer.language_code,
    )  # fmt: skip


async def _customer(session: AsyncSession, telegram_user_id: int) -> Customer | None:
    statement = select(Customer).where(Customer.telegram_user_id == telegram_user_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def vehicle_for_plate(session: AsyncSession, customer_id: int, plate: str) -> int | None:
    """The id of this customer's car with that plate (another customer's car is never linked)."""
    statement = select(Vehicle.id).where(
        Vehicle.plate == plate, Vehicle.customer_id == customer_id, Vehicle.released_at.is_(None)
    )
    return (await session.execute(statement)).scalar_one_or_none()


class AlreadyBooked(Exception):
    """The draft was booked already (a double tap, a retried update): roll back, the first booking stands."""

    def __init__(self, appointment_id: int) -> None:
        super().__init__(f"draft already booked as appointment #{appointment_id}")
        self.appointment_id = appointment_id


class TooManyBookings(Exception):
    """A limit on active bookings was reached: "customer" (per account), "car" (per plate) or "car_day" (that
    plate on that day already). Nothing is stored."""

    def __init__(self, reason: str, limit: int) -> None:
        super().__init__(f"{reason}: {limit}")
        self.reason, self.limit = reason, limit


@dataclass(frozen=True)
class Limits:
    """Active bookings (from `today` on) one customer and one plate may hold."""

    per_customer: int
    per_car: int
    today: dt.date


async def check_limits(session: AsyncSession, customer: Customer, plate: str | None, day: dt.date,
                       limits: Limits) -> None:  # fmt: skip
    """TooManyBookings when this booking would pass a limit. The customer's row is locked first (PostgreSQL:
    FOR UPDATE), so two bookings of one customer racing on two replicas are counted one after the other; on
    SQLite the write lock taken by take_place does the same."""
    await session.execute(select(Customer.id).where(Customer.id == customer.id).with_for_update())
    active = (Appointment.status.in_(ACTIVE), Appointment.day >= limits.today)
    mine = await session.execute(select(func.count()).where(Appointment.customer_id == customer.id, *active))
    if mine.scalar_one() >= limits.per_customer:
        raise TooManyBookings("customer", limits.per_customer)
    if plate is None:
        return
    days = list((await session.execute(select(Appointment.day).where(Appointment.plate == plate, *active))).scalars())
    if day in days:
        raise TooManyBookings("car_day", limits.per_car)
    if len(days) >= limits.per_car:
        raise TooManyBookings("car", limits.per_car)


async def active_days_of_plate(session: AsyncSession, plate: str, today: dt.date) -> list[dt.date]:
    """The days this plate is booked on from today (the summary warns of a second booking of one car)."""
    statement = (
        select(Appointment.day)
        .where(Appointment.plate == plate, Appointment.status.in_(ACTIVE), Appointment.day >= today)
        .order_by(Appointment.day)
    )
    return list((await session.execute(statement)).scalars())


async def by_draft(session: AsyncSession, draft_key: str) -> int | None:
    """The appointment made from this draft, if any."""
    statement = select(Appointment.id).where(Appointment.draft_key == draft_key)
    return (await session.execute(statement)).scalar_one_or_none()


async def create(
    session: AsyncSession,
    telegram_user_id: int,
    booking: NewBooking,
    cap: Capacity,
    status: str,
    limits: Limits | None = None,
) -> AppointmentView:
    """Take the place and store the appointment (SlotFull: nothing stored; AlreadyBooked: the draft was booked,
    roll back). Writes first: on SQLite the transaction then holds the write lock from its first statement, so
    the draft check below sees any booking of the same draft; on PostgreSQL the unique draft key is the guard."""
    await take_place(session, booking.branch, cap, booking.day, booking.slot, booking.mode)
    if booking.draft_key is not None and (earlier := await by_draft(session, booking.draft_key)) is not None:
        raise AlreadyBooked(earlier)
    customer = await _customer(session, telegram_user_id)
    if customer is None:
        raise LookupError("the customer has no record yet")
    if limits is not None:
        await check_limits(session, customer, booking.plate, booking.day, limits)
    vehicle_id = booking.vehicle_id
    if vehicle_id is None and booking.plate:
        vehicle_id = await vehicle_for_plate(session, customer.id, booking.plate)
    appointment = Appointment(
        customer_id=customer.id, vehicle_id=vehicle_id, plate=booking.plate, branch=booking.branch,
        service_type=booking.service_type, day=booking.day, slot=booking.slot, mode=booking.mode, status=status,
        notes=booking.notes, phone=booking.phone, source=booking.source, draft_key=booking.draft_key,
        created_at=utcnow(), updated_at=utcnow(),
    )  # fmt: skip
    session.add(appointment)
    await session.flush()
    return _view(appointment, customer)


async def owned(session: AsyncSession, telegram_user_id: int, appointment_id: int) -> Appointment | None:
    """The appointment if it is this Telegram user's, else None."""
    statement = (
        select(Appointment)
        .join(Customer, Customer.id == Appointment.customer_id)
        .where(Appointment.id == appointment_id, Customer.telegram_user_id == telegram_user_id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def view(session: AsyncSession, appointment_id: int) -> AppointmentView | None:
    """Any appointment by id (staff side; customers go through `owned`)."""
    statement = (
        select(Appointment, Customer)
        .join(Customer, Customer.id == Appointment.customer_id)
        .where(Appointment.id == appointment_id)
    )
    row = (await session.execute(statement)).first()
    return _view(row[0], row[1]) if row else None


async def upcoming(session: AsyncSession, telegram_user_id: int, today: dt.date) -> list[AppointmentView]:
    """This user's appointments from today on that are still to happen, soonest first."""
    statement = (
        select(Appointment, Customer)
        .join(Customer, Customer.id == Appointment.customer_id)
        .where(Customer.telegram_user_id == telegram_user_id, Appointment.status.in_(ACTIVE), Appointment.day >= today)
        .order_by(Appointment.day, Appointment.slot, Appointment.id)
    )
    return [_view(a, c) for a, c in (await session.execute(statement)).all()]


async def _claim_change(session: AsyncSession, appointment: Appointment, **values: object) -> bool:
    """Change the appointment only if it is still active where it was read (compare and set: of two racing
    moves or cancels, one changes it and the other finds nothing, so no place is given back twice)."""
    changed = await session.execute(
        update(Appointment)
        .where(Appointment.id == appointment.id, Appointment.status.in_(ACTIVE), Appointment.day == appointment.day,
               Appointment.slot == appointment.slot)
        .values(updated_at=utcnow(), **values)
    )  # fmt: skip
    return changed.rowcount == 1  # type: ignore[attr-defined]


async def move(
    session: AsyncSession, appointment: Appointment, cap: Capacity, day: dt.date, slot: str, status: str
) -> bool:
    """Move to a new day and slot: the new place is taken (SlotFull rolls everything back, the old place
    stays), then the old one given back. False when the appointment changed meanwhile."""
    branch, old_day, old_slot, mode = appointment.branch, appointment.day, appointment.slot, appointment.mode
    if not await _claim_change(session, appointment, day=day, slot=slot, status=status, confirmed_by=None):
        return False
    await ensure(session, branch, cap, day, slot, mode)
    await lock(session, branch, [(day, slot, mode), (old_day, old_slot, mode)])
    await take_place(session, branch, cap, day, slot, mode, ensured=True)
    await release_place(session, branch, old_day, old_slot, mode)
    await _drop_unsent_reminder(session, appointment.id)
    session.expire(appointment)
    return True


async def cancel(session: AsyncSession, appointment: Appointment, reason: str) -> bool:
    """Cancel with a reason and give the place back; False when the appointment changed meanwhile."""
    if not await _claim_change(session, appointment, status="cancelled", cancel_reason=reason[:500]):
        return False
    await lock(session, appointment.branch, [(appointment.day, appointment.slot, appointment.mode)])
    await release_place(session, appointment.branch, appointment.day, appointment.slot, appointment.mode)
    await _drop_unsent_reminder(session, appointment.id)
    session.expire(appointment)
    return True


async def staff_action(
    session: AsyncSession, appointment_id: int, action: str, staff_id: int, today: dt.date
) -> str | None:
    """Apply an advisor's action if the appointment's status (and, for arrived / no-show / done, its day: not
    after `today`) allows it; one conditional UPDATE, so two advisors pressing at once, or a move racing the
    press, cannot both apply. The new status, or None."""
    allowed, new = STAFF_ACTIONS[action]
    values: dict[str, object] = {"status": new, "updated_at": utcnow()}
    if action == "confirm":
        values["confirmed_by"] = staff_id
    conditions = [Appointment.id == appointment_id, Appointment.status.in_(allowed)]
    if action in ON_THE_DAY:
        conditions.append(Appointment.day <= today)
    done = await session.execute(update(Appointment).where(*conditions).values(**values))
    return new if done.rowcount == 1 else None  # type: ignore[attr-defined]


async def record_visit(session: AsyncSession, found: AppointmentView, advisor: str, today: dt.date) -> bool:
    """A completed ServiceVisit for a done appointment ("CB-A{id}", km unknown); False without a car on record."""
    if found.vehicle_id is None:
        return False
    values = {
        "visit_no": f"CB-A{found.id}", "vehicle_id": found.vehicle_id, "visit_date": today, "km": None,
        "kind": visit_kind(found.service_type), "advisor": advisor[:64], "completed": True,
        "created_at": utcnow(), "updated_at": utcnow(),
    }  # fmt: skip
    insert = upsert_insert(session)(ServiceVisit).values(**values).on_conflict_do_nothing(index_elements=["visit_no"])
    await session.execute(insert)
    return True


async def active_between(session: AsyncSession, first: dt.date, last: dt.date) -> list[AppointmentView]:
    """Requested or confirmed appointments on days first..last (the day-before reminder's candidates)."""
    statement = (
        select(Appointment, Customer)
        .join(Customer, Customer.id == Appointment.customer_id)
        .where(Appointment.status.in_(ACTIVE), Appointment.day >= first, Appointment.day <= last)
        .order_by(Appointment.id)
    )
    return [_view(a, c) for a, c in (await session.execute(statement)).all()]
