"""The visit a "Done" booking leaves: the odometer reading and the work done the advisor gives (no telegram).

The reading is checked as any staff reading is (bot.core.garage.odometer): lower than a reading on file is
refused, a jump of more than `max_daily_km` a day is "implausible"; an advisor may confirm either, and confirming a
lower reading corrects the readings on file. The visit carries the km, so the car's next service is counted from
it (the database triggers of migration 0010 mark the car for the next vehicle_due recompute).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.garage import records
from bot.core.garage.odometer import KmCheck, correct_readings
from bot.db.garage.models import OdometerReading, ServiceVisit, Vehicle

WORK_MAX = 200  # the work done is a short line on the card and the visit, not a report


def visit_no(appointment_id: int) -> str:
    return f"CB-A{appointment_id}"


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
