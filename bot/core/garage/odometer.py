"""Staff readings of a car's odometer and their corrections (no telegram): what an advisor gives at a visit's
"Done" (bot.core.desk.booking.visits) or with `/odometer PLATE KM` (bot.handlers.garage.staff).

A staff reading is checked as a customer's is (bot.core.garage.records): lower than a reading on file is
refused, a jump of more than `max_daily_km` a day is "implausible"; staff may confirm either. Confirming a lower
reading is a correction: the readings above it up to today are removed (a typo the customer or an import left),
each logged with its numbers, the car and the staff member, never a message's text. A dealer's repair order is
never rewritten: a correction below the km a visit recorded is refused ("later_visit").
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common.identifiers import RecordError, normalise_plate
from bot.core.garage import records
from bot.db.garage.models import OdometerReading, ServiceVisit, Vehicle

log = logging.getLogger(__name__)
KmStatus = Literal["ok", "on_file", "lower", "implausible", "later_visit"]
Confirmed = Literal["", "ok", "fix"]  # nothing confirmed · an implausible jump is right · correct to a lower one
STAFF_SOURCE = "staff"  # a reading staff gave outside a visit: "staff:<their user id>"
SHOWN_READINGS = 5


@dataclass(frozen=True)
class KmCheck:
    """What a reading typed by staff means: ok, or which reading on file it contradicts."""

    status: KmStatus
    km: int
    on_file_km: int | None = None
    on_file_day: dt.date | None = None


@dataclass(frozen=True)
class CarReadings:
    """A car found by its plate, with its latest readings (newest first, at most SHOWN_READINGS)."""

    vehicle_id: int
    plate: str
    readings: list[records.Reading]


async def check_km(
    session: AsyncSession, vehicle_id: int, km: int, today: dt.date, max_daily_km: int, own_source: str = ""
) -> KmCheck:
    """Is `km` today consistent with the car's readings (not counting those of `own_source`)?"""
    readings = [r for r in await records.vehicle_readings(session, vehicle_id) if r.source != own_source]
    before = [r for r in readings if r.read_on <= today]
    higher = [r for r in before if r.km > km]
    if higher:
        worst = max(higher, key=lambda r: r.km)
        return KmCheck("lower", km, worst.km, worst.read_on)
    if before:
        last = max(before, key=lambda r: (r.read_on, r.km))
        if km - last.km > max((today - last.read_on).days, 1) * max_daily_km:
            return KmCheck("implausible", km, last.km, last.read_on)
    return KmCheck("ok", km)


async def _visit_above(session: AsyncSession, vehicle_id: int, km: int, today: dt.date, own: str) -> KmCheck | None:
    """A dealer visit that recorded more than `km`: a correction never rewrites the dealer's repair orders."""
    statement = select(ServiceVisit.km, ServiceVisit.visit_date).where(
        ServiceVisit.vehicle_id == vehicle_id, ServiceVisit.km > km, ServiceVisit.visit_date <= today,
        ServiceVisit.visit_no != own,
    ).order_by(ServiceVisit.km.desc())  # fmt: skip
    row = (await session.execute(statement)).first()
    return None if row is None else KmCheck("later_visit", km, row.km, row.visit_date)


async def correct_readings(
    session: AsyncSession, vehicle_id: int, km: int, today: dt.date, staff_id: int, own_visit: str = ""
) -> KmCheck:
    """Staff say the car shows `km` today: readings above it up to today go (logged with their numbers, the
    car and the staff member; never message text). "later_visit" (nothing changed) when a repair order on
    file recorded more."""
    above = await _visit_above(session, vehicle_id, km, today, own_visit)
    if above is not None:
        return above
    removed = await session.execute(
        delete(OdometerReading)
        .where(OdometerReading.vehicle_id == vehicle_id, OdometerReading.read_on <= today, OdometerReading.km > km)
        .returning(OdometerReading.km, OdometerReading.read_on, OdometerReading.source)
    )
    for old_km, read_on, source in removed:
        log.info("odometer corrected by staff %s: vehicle %s, %s km of %s (%s) → %s km",
                 staff_id, vehicle_id, old_km, read_on, source.split(":")[0], km)  # fmt: skip
    return KmCheck("ok", km)


async def find_car(sessions: async_sessionmaker[AsyncSession], plate: str) -> CarReadings | None:
    """The car with this plate (any way of writing it) and its latest readings; None: no such car.
    RecordError("plate", …) when `plate` is not a licence plate."""
    stored = normalise_plate(plate)
    async with sessions() as session:
        row = (await session.execute(select(Vehicle.id, Vehicle.plate).where(Vehicle.plate == stored))).first()
        if row is None:
            return None
        readings = await records.vehicle_readings(session, row.id)
    latest = sorted(readings, key=lambda r: (r.read_on, r.km), reverse=True)[:SHOWN_READINGS]
    return CarReadings(row.id, row.plate, latest)


async def staff_reading(
    sessions: async_sessionmaker[AsyncSession], vehicle_id: int, km: int, today: dt.date, max_daily_km: int,
    staff_id: int, confirmed: Confirmed = "",
) -> KmCheck:
    """Record `km` as read today by staff member `staff_id`: "ok" when recorded, "on_file" when it already was,
    else what stands in the way and nothing changed — a lower reading on file (unless `confirmed` "fix", which
    corrects it), an implausible jump (unless confirmed "ok"), a repair order that recorded more."""
    try:
        async with sessions.begin() as session:
            check = await check_km(session, vehicle_id, km, today, max_daily_km)
            if check.status == "lower":  # a repair order's km is never corrected: say so before offering to
                check = await _visit_above(session, vehicle_id, km, today, "") or check
            if check.status == "lower" and confirmed == "fix":
                check = await correct_readings(session, vehicle_id, km, today, staff_id)
            elif check.status == "implausible" and confirmed == "ok":
                check = KmCheck("ok", km)
            if check.status != "ok":
                return check
            source = f"{STAFF_SOURCE}:{staff_id}"
            added = await records.add_odometer_reading(session, vehicle_id, km, today, source, today)
    except RecordError:  # a reading came in between the check and the insert: rolled back, say which
        async with sessions() as session:
            return await check_km(session, vehicle_id, km, today, max_daily_km)
    if not added:
        return KmCheck("on_file", km)
    log.info("odometer reading by staff %s: vehicle %s, %s km", staff_id, vehicle_id, km)
    return check


async def plate_of(sessions: async_sessionmaker[AsyncSession], vehicle_id: int) -> str | None:
    """The car's stored plate ("" without one); None: no such car."""
    async with sessions() as session:
        plate = (await session.execute(select(Vehicle.plate).where(Vehicle.id == vehicle_id))).first()
    return None if plate is None else (plate[0] or "")
