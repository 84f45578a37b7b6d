"""The importer's SQL: batch look-ups by natural key and batch upserts, on SQLite and PostgreSQL alike.

Upserts are `INSERT … ON CONFLICT (key) DO UPDATE` executed once per batch with many parameter sets; the
importer has already merged each row with what is stored, so the update just takes the new values. The
opt-outs are OR-ed in SQL as well, so an import never opts a customer back in, even racing the chat.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Table, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.garage.models import Customer, OdometerReading, ServiceVisit, Vehicle

CUSTOMER: Table = Customer.__table__  # type: ignore[assignment]
VEHICLE: Table = Vehicle.__table__  # type: ignore[assignment]
VISIT: Table = ServiceVisit.__table__  # type: ignore[assignment]
READING: Table = OdometerReading.__table__  # type: ignore[assignment]

CUSTOMER_FIELDS = ("phone", "name", "external_id", "reminders_opt_out", "marketing_opt_out")
VEHICLE_FIELDS = (
    "customer_id", "plate", "vin", "make", "model", "delivery_date", "use", "insurance_expiry",
    "registration_date", "released_at", "owner_imported",
)
VISIT_FIELDS = (
    "visit_no", "vehicle_id", "visit_date", "km", "kind", "work_done", "advisor", "completed", "promised_at",
    "ready_at", "comeback",
)


def _insert(session: AsyncSession, table: Table) -> Any:
    return (pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert)(table)


async def customers_by_phone(session: AsyncSession, phones: Collection[str]) -> dict[str, dict[str, Any]]:
    """Stored customers with these phones: phone → their importable fields and id."""
    if not phones:
        return {}
    columns = [CUSTOMER.c.id, *(CUSTOMER.c[name] for name in CUSTOMER_FIELDS)]
    rows = await session.execute(select(*columns).where(CUSTOMER.c.phone.in_(list(phones))))
    return {row.phone: dict(row._mapping) for row in rows}


async def customer_ids_by_phone(session: AsyncSession, phones: Collection[str]) -> dict[str, int]:
    """phone → customer id, for the phones that are on file."""
    if not phones:
        return {}
    rows = await session.execute(select(CUSTOMER.c.phone, CUSTOMER.c.id).where(CUSTOMER.c.phone.in_(list(phones))))
    return {phone: customer_id for phone, customer_id in rows}


async def vehicles_by_key(
    session: AsyncSession, plates: Collection[str], vins: Collection[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Stored vehicles with any of these plates or VINs, indexed (by plate, by VIN)."""
    conditions = []
    if plates:
        conditions.append(VEHICLE.c.plate.in_(list(plates)))
    if vins:
        conditions.append(VEHICLE.c.vin.in_(list(vins)))
    if not conditions:
        return {}, {}
    rows = await session.execute(select(VEHICLE.c.id, *(VEHICLE.c[n] for n in VEHICLE_FIELDS)).where(or_(*conditions)))
    by_plate: dict[str, dict[str, Any]] = {}
    by_vin: dict[str, dict[str, Any]] = {}
    for row in rows:
        record = dict(row._mapping)
        if record["plate"]:
            by_plate[record["plate"]] = record
        if record["vin"]:
            by_vin[record["vin"]] = record
    return by_plate, by_vin


async def visits_by_no(session: AsyncSession, numbers: Collection[str]) -> dict[str, dict[str, Any]]:
    """Stored visits with these visit numbers: visit_no → their importable fields."""
    if not numbers:
        return {}
    rows = await session.execute(select(*(VISIT.c[n] for n in VISIT_FIELDS)).where(VISIT.c.visit_no.in_(list(numbers))))
    found = {row.visit_no: dict(row._mapping) for row in rows}
    for visit in found.values():  # SQLite hands times back naive: UTC, as stored
        for name in ("promised_at", "ready_at"):
            if visit[name] is not None and visit[name].tzinfo is None:
                visit[name] = visit[name].replace(tzinfo=dt.UTC)
    return found


async def readings_of(session: AsyncSession, vehicle_ids: Collection[int]) -> dict[int, list[tuple[Any, int, str]]]:
    """vehicle id → its odometer readings as (read_on, km, source)."""
    found: dict[int, list[tuple[Any, int, str]]] = {vehicle_id: [] for vehicle_id in vehicle_ids}
    if not vehicle_ids:
        return found
    rows = await session.execute(
        select(READING.c.vehicle_id, READING.c.read_on, READING.c.km, READING.c.source).where(
            READING.c.vehicle_id.in_(list(vehicle_ids))
        )
    )
    for vehicle_id, read_on, km, source in rows:
        found[vehicle_id].append((read_on, km, source))
    return found


async def upsert_customers(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or update customers keyed by phone; the Telegram side of a customer is never touched."""
    if not rows:
        return
    insert = _insert(session, CUSTOMER)
    statement = insert.on_conflict_do_update(
        index_elements=["phone"],
        set_={
            "name": insert.excluded.name,
            "external_id": insert.excluded.external_id,
            "reminders_opt_out": CUSTOMER.c.reminders_opt_out | insert.excluded.reminders_opt_out,
            "marketing_opt_out": CUSTOMER.c.marketing_opt_out | insert.excluded.marketing_opt_out,
        },
    )
    await session.execute(statement, list(rows))


async def upsert_vehicles(session: AsyncSession, rows: Sequence[dict[str, Any]], key: str) -> None:
    """Insert or update vehicles keyed by `key` ("vin" or "plate"); every row carries every field."""
    if not rows:
        return
    insert = _insert(session, VEHICLE)
    updated = {name: insert.excluded[name] for name in (*VEHICLE_FIELDS, "updated_at") if name != key}
    await session.execute(insert.on_conflict_do_update(index_elements=[key], set_=updated), list(rows))


async def upsert_visits(
    session: AsyncSession,
    rows: Sequence[dict[str, Any]],
    readings: Sequence[dict[str, Any]],
    replaced_sources: Collection[str],
) -> None:
    """Insert or update visits keyed by visit number, then replace the odometer readings they carry."""
    if rows:
        insert = _insert(session, VISIT)
        updated = {name: insert.excluded[name] for name in (*VISIT_FIELDS, "updated_at") if name != "visit_no"}
        await session.execute(insert.on_conflict_do_update(index_elements=["visit_no"], set_=updated), list(rows))
    if replaced_sources:
        await session.execute(delete(READING).where(READING.c.source.in_(list(replaced_sources))))
    if readings:
        insert = _insert(session, READING)
        statement = insert.on_conflict_do_nothing(index_elements=["vehicle_id", "read_on", "km"])
        await session.execute(statement, list(readings))


async def count_customers(session: AsyncSession) -> int:
    """How many customers are on file (the demo data is seeded only into an empty database)."""
    return int((await session.execute(select(func.count()).select_from(CUSTOMER))).scalar_one())
