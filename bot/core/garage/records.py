"""Customer records for the chat: link a Telegram account by phone, register a car, record the odometer.

No telegram import: handlers call these inside `async with sessions.begin() as session:`, so a RecordError
(or any other exception) rolls back everything the call did. Every RecordError carries the field and a
message for the customer or the dealer's staff.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.common.identifiers import (
    RecordError,
    canonical_make,
    format_plate,
    normalise_phone,
    normalise_plate,
    normalise_vin,
)
from bot.db.common.base import utcnow
from bot.db.garage.models import VEHICLE_USES, Customer, OdometerReading, ServiceVisit, Vehicle

__all__ = [
    "LinkResult", "Reading", "RecordError", "VehicleView", "add_odometer_reading", "canonical_make", "check_km",
    "customer_vehicles", "format_plate", "link_customer_by_phone", "normalise_phone", "normalise_plate",
    "normalise_vin", "reading_conflict", "record_consent", "register_vehicle", "release_vehicle",
]

MAX_KM = 2_000_000
EARLIEST = dt.date(1970, 1, 1)
LinkStatus = Literal["linked", "already_linked", "no_record", "phone_taken"]


@dataclass(frozen=True)
class Reading:
    """One odometer reading, as the monotonicity check sees it."""

    read_on: dt.date
    km: int
    source: str = ""


@dataclass(frozen=True)
class VehicleView:
    """What the chat shows of a car, detached from the session."""

    id: int
    customer_id: int | None
    plate: str | None
    plate_display: str | None
    vin: str | None
    make: str
    model: str
    delivery_date: dt.date | None
    use: str


@dataclass(frozen=True)
class LinkResult:
    """The outcome of sharing a phone number: which customer it is and the cars now on their record.

    `linked`: an imported record with this phone was joined to the Telegram account; `already_linked`: the
    account already had this phone; `no_record`: nothing on file, the phone is stored and the customer can
    register a car; `phone_taken`: another Telegram account holds this phone, nothing changed (staff decide).
    """

    status: LinkStatus
    customer_id: int
    phone: str
    vehicles: tuple[VehicleView, ...]


def _view(vehicle: Vehicle) -> VehicleView:
    return VehicleView(
        vehicle.id, vehicle.customer_id, vehicle.plate, format_plate(vehicle.plate) if vehicle.plate else None,
        vehicle.vin, vehicle.make, vehicle.model, vehicle.delivery_date, vehicle.use,
    )


def latest_today() -> dt.date:
    """Today where it is latest on Earth (UTC+14): the default bound for "not in the future"."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=14)).date()


def check_km(km: int) -> None:
    """Refuse odometer values no car shows."""
    if not 0 <= km <= MAX_KM:
        raise RecordError("km", f"{km:,} km is not an odometer reading (0 to {MAX_KM:,})")


def check_past_date(field: str, value: dt.date, today: dt.date) -> None:
    """Refuse dates in the future or before 1970."""
    if value > today:
        raise RecordError(field, f"{value.isoformat()} is in the future")
    if value < EARLIEST:
        raise RecordError(field, f"{value.isoformat()} is before 1970")


def reading_conflict(readings: Iterable[Reading], read_on: dt.date, km: int) -> str | None:
    """Why `km` on `read_on` cannot be right given the other readings, or None when it fits.

    Odometers only go up: a reading may not be lower than one taken on or before its date, nor higher than
    one taken after it (history imported out of order is checked the same way).
    """
    before = [r for r in readings if r.read_on <= read_on and r.km > km]
    if before:
        worst = max(before, key=lambda r: r.km)
        return (
            f"{km:,} km on {read_on.isoformat()} is lower than the {worst.km:,} km read on "
            f"{worst.read_on.isoformat()}; an odometer never goes back, please check the reading"
        )
    after = [r for r in readings if r.read_on > read_on and r.km < km]
    if after:
        worst = min(after, key=lambda r: r.km)
        return (
            f"{km:,} km on {read_on.isoformat()} is higher than the {worst.km:,} km read later, on "
            f"{worst.read_on.isoformat()}; please check the reading and its date"
        )
    return None


CUSTOMER_SOURCE = "customer"  # readings typed in the chat


async def delete_own_readings(session: AsyncSession, vehicle_id: int, read_on: dt.date) -> None:
    """The customer's own readings of one day (replaced by a corrected one the same day)."""
    await session.execute(
        delete(OdometerReading).where(OdometerReading.vehicle_id == vehicle_id, OdometerReading.read_on == read_on,
                                      OdometerReading.source == CUSTOMER_SOURCE)
    )  # fmt: skip


async def vehicle_readings(session: AsyncSession, vehicle_id: int) -> list[Reading]:
    """All readings of one car, oldest first."""
    rows = await session.execute(
        select(OdometerReading.read_on, OdometerReading.km, OdometerReading.source)
        .where(OdometerReading.vehicle_id == vehicle_id)
        .order_by(OdometerReading.read_on, OdometerReading.km)
    )
    return [Reading(*row) for row in rows]


async def add_odometer_reading(
    session: AsyncSession, vehicle_id: int, km: int, read_on: dt.date, source: str, today: dt.date | None = None
) -> bool:
    """Record a reading; False when the same reading is already on file. RecordError("km", …) when it goes back."""
    check_km(km)
    check_past_date("read_on", read_on, today or latest_today())
    # FOR UPDATE on the car (PostgreSQL) serialises two readings of one car; SQLite has a single writer.
    found = await session.execute(select(Vehicle.id).where(Vehicle.id == vehicle_id).with_for_update())
    if found.scalar_one_or_none() is None:
        raise RecordError("vehicle", f"no vehicle with id {vehicle_id}")
    readings = await vehicle_readings(session, vehicle_id)
    if any(r.read_on == read_on and r.km == km for r in readings):
        return False
    conflict = reading_conflict(readings, read_on, km)
    if conflict:
        raise RecordError("km", conflict)
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = insert(OdometerReading).values(vehicle_id=vehicle_id, read_on=read_on, km=km, source=source[:64])
    await session.execute(statement.on_conflict_do_nothing(index_elements=["vehicle_id", "read_on", "km"]))
    return True


async def record_consent(session: AsyncSession, telegram_user_id: int) -> None:
    """Remember when the customer agreed to the privacy notice (the first time only, or again after /forget)."""
    await session.execute(
        update(Customer)
        .where(Customer.telegram_user_id == telegram_user_id, Customer.consent_at.is_(None))
        .values(consent_at=utcnow(), forgotten_at=None)
    )


async def customer_vehicles(session: AsyncSession, customer_id: int) -> list[VehicleView]:
    """The customer's cars, not counting those they said are no longer theirs."""
    rows = await session.execute(
        select(Vehicle)
        .where(Vehicle.customer_id == customer_id, Vehicle.released_at.is_(None))
        .order_by(Vehicle.delivery_date.desc(), Vehicle.id)
    )
    return [_view(vehicle) for vehicle in rows.scalars()]


async def _customer(session: AsyncSession, *where: object) -> Customer | None:
    statement = select(Customer).where(*where).with_for_update()  # type: ignore[arg-type]
    return (await session.execute(statement)).scalar_one_or_none()


async def link_customer_by_phone(
    session: AsyncSession, telegram_user_id: int, phone: str, region: str = "CN"
) -> LinkResult:
    """Join the Telegram account to the dealer's record with this phone (request_contact → this).

    The Telegram customer row keeps its id; the imported record's cars, name, dealer id and opt-outs move onto
    it and the imported row is deleted. RecordError("phone", …) when the number is not valid.
    """
    e164 = normalise_phone(phone, region)
    me = await _customer(session, Customer.telegram_user_id == telegram_user_id)
    record = await _customer(session, Customer.phone == e164)
    if me is None and record is None:
        me = Customer(telegram_user_id=telegram_user_id, chat_id=telegram_user_id, phone=e164)
        session.add(me)
        await session.flush()
        return LinkResult("no_record", me.id, e164, ())
    if me is None:
        assert record is not None
        if record.telegram_user_id is not None:
            return LinkResult("phone_taken", record.id, e164, ())
        record.telegram_user_id = record.chat_id = telegram_user_id  # a private chat's id is the user's id
        await session.flush()
        return LinkResult("linked", record.id, e164, tuple(await customer_vehicles(session, record.id)))
    if record is not None and record.id == me.id:
        return LinkResult("already_linked", me.id, e164, tuple(await customer_vehicles(session, me.id)))
    if record is not None and record.telegram_user_id is not None:
        return LinkResult("phone_taken", me.id, e164, ())
    status: LinkStatus = "no_record"
    if record is not None:
        await session.execute(update(Vehicle).where(Vehicle.customer_id == record.id).values(customer_id=me.id))
        me.name = me.name or record.name
        me.external_id = me.external_id or record.external_id
        me.reminders_opt_out = me.reminders_opt_out or record.reminders_opt_out
        me.marketing_opt_out = me.marketing_opt_out or record.marketing_opt_out
        await session.delete(record)
        await session.flush()  # the phone is free only once the imported row is gone
        status = "linked"
    me.phone = e164
    await session.flush()
    return LinkResult(status, me.id, e164, tuple(await customer_vehicles(session, me.id)))


def this_owners_visit() -> ColumnElement[bool]:
    """A visit of the car's present owner: a car claimed in the chat shows nothing from before the claim
    (join Vehicle)."""
    return or_(Vehicle.owner_since.is_(None), ServiceVisit.visit_date >= Vehicle.owner_since)


async def register_vehicle(
    session: AsyncSession,
    customer_id: int,
    *,
    plate: str,
    make: str,
    model: str,
    delivery_date: dt.date,
    odometer_km: int,
    read_on: dt.date | None = None,
    vin: str | None = None,
    use: str = "household",
    today: dt.date | None = None,
    from_chat: bool = False,
) -> VehicleView:
    """Add a car the customer owns (no record on file), or take over one that was released or has no owner.

    Registering the same plate again for the same customer updates it, except `from_chat`: what a customer
    types never overwrites the dealer's facts (make, model, delivery date, VIN, use) of a car on file, and
    their own car again is refused (RecordError "owned": corrections go through the desk). A car another
    customer still owns is refused: the service desk transfers it. The odometer reading is checked like any
    other.
    """
    today = today or latest_today()
    plate_n = normalise_plate(plate)
    vin_n = normalise_vin(vin) if vin else None
    make_c = canonical_make(make)
    model_t = " ".join(model.split())
    if not model_t or len(model_t) > 64:
        raise RecordError("model", "give the model, e.g. Corolla (at most 64 characters)")
    if use not in VEHICLE_USES:
        raise RecordError("use", f"{use!r}: one of {', '.join(VEHICLE_USES)}")
    check_past_date("delivery_date", delivery_date, today)
    check_km(odometer_km)
    keys = [Vehicle.plate == plate_n] + ([Vehicle.vin == vin_n] if vin_n else [])
    found = list((await session.execute(select(Vehicle).where(or_(*keys)).with_for_update())).scalars())
    if len(found) > 1:
        raise RecordError("vin", "this plate and this VIN belong to two different cars on file; please ask the desk")
    vehicle = found[0] if found else None
    if vehicle is not None:
        if vehicle.customer_id not in (None, customer_id) and vehicle.released_at is None:
            owned = f"{format_plate(plate_n)} is registered to another customer; please ask the desk"
            raise RecordError("plate", owned)
        if from_chat and vehicle.customer_id == customer_id and vehicle.released_at is None:
            raise RecordError("owned", f"{format_plate(plate_n)} is already yours; corrections go through the desk")
        if vin_n and vehicle.vin and vehicle.vin != vin_n:
            raise RecordError("vin", f"{format_plate(plate_n)} is on file with another VIN; please check it")
        conflict = reading_conflict(await vehicle_readings(session, vehicle.id), read_on or today, odometer_km)
        if conflict:
            raise RecordError("km", conflict)
    if vehicle is not None and vehicle.customer_id != customer_id:
        vehicle.owner_imported = False  # a new owner by the chat's word, not the dealer's records
    if vehicle is None:
        vehicle = Vehicle(plate=plate_n)
        session.add(vehicle)
    elif from_chat:  # a car on file: linked as it is, the dealer's facts kept (only gaps are filled); what
        # happened before is an earlier owner's (the caller has checked the claim: VIN or advisor)
        vehicle.customer_id, vehicle.released_at, vehicle.updated_at = customer_id, None, utcnow()
        vehicle.owner_since = today
        vehicle.make, vehicle.model = vehicle.make or make_c, vehicle.model or model_t
        vehicle.delivery_date = vehicle.delivery_date or delivery_date
        await session.flush()
        await add_odometer_reading(session, vehicle.id, odometer_km, read_on or today, "customer", today)
        return _view(vehicle)
    vehicle.customer_id, vehicle.released_at, vehicle.vin = customer_id, None, vin_n or vehicle.vin
    vehicle.plate, vehicle.make, vehicle.model, vehicle.use = plate_n, make_c, model_t, use
    vehicle.delivery_date, vehicle.updated_at = delivery_date, utcnow()
    await session.flush()
    await add_odometer_reading(session, vehicle.id, odometer_km, read_on or today, "customer", today)
    return _view(vehicle)


async def release_vehicle(session: AsyncSession, customer_id: int, vehicle_id: int) -> bool:
    """"No longer my car": reminders stop and another owner may register it. False if it is not theirs."""
    result = await session.execute(
        update(Vehicle)
        .where(Vehicle.id == vehicle_id, Vehicle.customer_id == customer_id, Vehicle.released_at.is_(None))
        .values(released_at=utcnow(), updated_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
