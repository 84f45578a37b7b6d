"""The visit a "Done" booking leaves: the odometer reading and the work done the advisor gives, and a staff
correction of a car's odometer (no telegram).

The reading is checked as a customer's is (bot.core.garage.cars.record_odometer): lower than a reading on file
is refused, a jump of more than `max_daily_km` a day is "implausible"; an advisor may confirm either. Confirming
a lower reading is a correction: the readings above it up to today are removed (a typo the customer or an
import left). The visit carries the km, so the car's next service is counted from it (the database triggers
of migration 0010 mark the car for the next vehicle_due recompute).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.garage import records
from bot.db.garage.models import OdometerReading, ServiceVisit, Vehicle

log = logging.getLogger(__name__)
WORK_MAX = 200  # the work done is a short line on the card and the visit, not a report
KmStatus = Literal["ok", "lower", "implausible", "later_visit"]


@dataclass(frozen=True)
class KmCheck:
    """What a reading typed by staff means: ok, or which reading on file it contradicts."""

    status: KmStatus
    km: int
    on_file_km: int | None = None
    on_file_day: dt.date | None = None


def visit_no(appointment_id: int) -> str:
    return f"CB-A{appointment_id}"


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


@dataclass(frozen=True)
class VisitEntry:
    """What the advisor gave for a done booking's visit (None: skipped)."""

    appointment_id: int
    km: int | None
    work: str | None
    correct: bool = False  # the advisor confirmed a reading lower than one on file


async def complete_visit(
    sessions: async_sessionmaker[AsyncSession], entry: VisitEntry, staff_id: int, today: dt.date
) -> tuple[str, KmCheck | None] | None:
    """Write the km and the work onto the booking's visit and the km as the car's reading; (the plate, the
    correction's refusal or None); None when the booking left no visit on a car."""
    number = visit_no(entry.appointment_id)
    async with sessions.begin() as session:
        row = (await session.execute(
            select(ServiceVisit.vehicle_id, ServiceVisit.visit_date, Vehicle.plate)
            .join(Vehicle, Vehicle.id == ServiceVisit.vehicle_id).where(ServiceVisit.visit_no == number)
        )).first()  # fmt: skip
        if row is None:
            return None
        source = f"visit:{number}"
        if entry.km is not None:
            if entry.correct:
                refused = await correct_readings(session, row.vehicle_id, entry.km, today, staff_id, number)
                if refused.status != "ok":
                    return row.plate, refused
            await session.execute(delete(OdometerReading).where(OdometerReading.vehicle_id == row.vehicle_id,
                                                                OdometerReading.source == source))  # fmt: skip
            await records.add_odometer_reading(session, row.vehicle_id, entry.km, row.visit_date, source, today)
        await session.execute(update(ServiceVisit).where(ServiceVisit.visit_no == number).values(
            km=entry.km, work_done=entry.work[:WORK_MAX] if entry.work else None))  # fmt: skip
        return row.plate, None


async def visit_car(sessions: async_sessionmaker[AsyncSession], appointment_id: int) -> tuple[int, str] | None:
    """(the car, its plate) of the booking's visit; None: no visit on a car."""
    async with sessions() as session:
        statement = select(ServiceVisit.vehicle_id, Vehicle.plate).join(Vehicle, Vehicle.id == ServiceVisit.vehicle_id)
        row = (await session.execute(statement.where(ServiceVisit.visit_no == visit_no(appointment_id)))).first()
        return None if row is None else (row.vehicle_id, row.plate or "")
