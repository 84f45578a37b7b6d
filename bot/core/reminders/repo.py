"""The reminder sweep's queries: cars and their history in bulk, snoozes, the outbox's reminders, the sweep's lock.

The sweep itself reads vehicle_due (bot.core.reminders.due_store, which joins the snoozes and outbox keys into
its page query); the car and history queries here feed the due-date recompute and a reminder's buttons, and
`snoozes` and `existing_keys` the reference sweep the tests compare it with.

Everything here reads plain rows with Core selects (no ORM objects): a full recompute reads every car the
dealer has, and building a million mapped objects costs more than computing their due dates. Lists of ids are
sent in chunks well under SQLite's and asyncpg's bound-parameter limits (32,766 and 32,767).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.db.common.base import utcnow
from bot.db.common.dialect import upsert_insert
from bot.db.garage.models import Customer, OdometerReading, ServiceVisit, Vehicle
from bot.db.outbox.models import Outbox
from bot.db.reminders.models import ReminderSnooze

CHUNK = 5000
_BUCKETS = (1, 10, 100, 500, 1000, 2500, CHUNK)
REMINDER_KIND = "reminder"  # Outbox.kind of every reminder; their keys start with "reminder:"
COUNTED_STATUSES = ("pending", "sending", "sent")  # dropped, failed and unreachable rows never reached anyone
SWEEP_LOCK = "carebot-reminder-sweep"


@dataclass(frozen=True)
class CarRow:
    """One car and the customer it reminds, as the sweep reads them."""

    id: int
    customer_id: int
    plate: str | None
    make: str
    model: str
    delivery_date: dt.date | None
    registration_date: dt.date | None
    insurance_expiry: dt.date | None
    use: str
    telegram_user_id: int
    chat_id: int
    first_name: str | None
    name: str | None
    locale_choice: str | None
    last_locale: str | None
    language_code: str | None


CAR_COLUMNS = (
    Vehicle.id, Vehicle.customer_id, Vehicle.plate, Vehicle.make, Vehicle.model, Vehicle.delivery_date,
    Vehicle.registration_date, Vehicle.insurance_expiry, Vehicle.use, Customer.telegram_user_id, Customer.chat_id,
    Customer.first_name, Customer.name, Customer.locale_choice, Customer.last_locale, Customer.language_code,
)
_OWNED_ON_TELEGRAM = (
    Vehicle.released_at.is_(None),
    Customer.chat_id.is_not(None),
    Customer.telegram_user_id.is_not(None),
)
REMINDABLE = (*_OWNED_ON_TELEGRAM, Customer.reminders_opt_out.is_(False), Customer.unreachable_at.is_(None))


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    """Chunks padded (with their last value) to one of a few lengths: every length of an IN list is another
    statement to prepare and cache, in the driver (sqlite3, asyncpg) and in the database."""
    for start in range(0, len(values), size):
        chunk = list(values[start : start + size])
        length = next(bucket for bucket in _BUCKETS if bucket >= len(chunk))
        yield chunk + chunk[-1:] * (length - len(chunk))


def vehicle_filter(column: Any, vehicle_ids: Sequence[int]) -> Iterable[tuple[Any, set[int] | None]]:
    """WHERE clauses that find these cars' rows: one id range when the ids are dense (a page of the sweep:
    one index range scan, rows of cars in between are dropped by the caller), else padded IN lists."""
    if not vehicle_ids:
        return
    low, high = min(vehicle_ids), max(vehicle_ids)
    if high - low < 2 * len(vehicle_ids):
        yield column.between(low, high), set(vehicle_ids)
        return
    for chunk in chunks(vehicle_ids):
        yield column.in_(chunk), None


async def car_page(session: AsyncSession, after_id: int, limit: int, only: Sequence[int] = ()) -> list[CarRow]:
    """The next `limit` remindable cars with an id above `after_id` (keyset pagination), by id.

    Remindable: owned (not released), the owner on Telegram (chat id and user id), reachable, not opted out.
    `only` reads these car ids instead, owned and on Telegram (the buttons of a reminder already sent).
    """
    statement = select(*CAR_COLUMNS).join(Customer, Customer.id == Vehicle.customer_id)
    if only:  # a button pressed on an earlier reminder: the car still theirs, whatever their reminder settings
        statement = statement.where(Vehicle.id.in_(list(only)), *_OWNED_ON_TELEGRAM)
    else:
        statement = statement.where(*REMINDABLE)
    statement = statement.where(Vehicle.id > after_id).order_by(Vehicle.id).limit(limit)
    return [CarRow(*row) for row in (await session.execute(statement)).tuples()]


async def odometer_history(session: AsyncSession, vehicle_ids: Sequence[int]) -> dict[int, list[tuple[dt.date, int]]]:
    """(read_on, km) of each car, in one query per chunk."""
    found: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    columns = (OdometerReading.vehicle_id, OdometerReading.read_on, OdometerReading.km)
    for where, wanted in vehicle_filter(OdometerReading.vehicle_id, vehicle_ids):
        for vehicle_id, read_on, km in (await session.execute(select(*columns).where(where))).tuples():
            if wanted is None or vehicle_id in wanted:
                found[vehicle_id].append((read_on, km))
    return found


async def service_history(session: AsyncSession, vehicle_ids: Sequence[int]) -> dict[int, list[tuple[dt.date, int]]]:
    """(visit_date, km) of each car's completed maintenance services with a known km.

    Repairs and other visits are not services; their odometer readings are in odometer_reading already
    (source "visit:{visit_no}"), where the km history takes them from.
    """
    found: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    columns = (ServiceVisit.vehicle_id, ServiceVisit.visit_date, ServiceVisit.km)
    services = (ServiceVisit.kind == "maintenance", ServiceVisit.completed.is_(True), ServiceVisit.km.is_not(None))
    for where, wanted in vehicle_filter(ServiceVisit.vehicle_id, vehicle_ids):
        for vehicle_id, visit_date, km in (await session.execute(select(*columns).where(where, *services))).tuples():
            if wanted is None or vehicle_id in wanted:
                found[vehicle_id].append((visit_date, km))
    return found


async def snoozes(session: AsyncSession, vehicle_ids: Sequence[int]) -> dict[tuple[int, str], dt.date]:
    """(car, kind) → the day its snooze ends."""
    found: dict[tuple[int, str], dt.date] = {}
    columns = (ReminderSnooze.vehicle_id, ReminderSnooze.kind, ReminderSnooze.until)
    for where, wanted in vehicle_filter(ReminderSnooze.vehicle_id, vehicle_ids):
        for vehicle_id, kind, until in (await session.execute(select(*columns).where(where))).tuples():
            if wanted is None or vehicle_id in wanted:
                found[(vehicle_id, kind)] = until
    return found


async def existing_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Which of these idempotency keys the outbox already holds, whatever their status."""
    found: set[str] = set()
    for chunk in chunks(keys):
        statement = select(Outbox.idempotency_key).where(Outbox.idempotency_key.in_(chunk))
        found.update((await session.execute(statement)).scalars())
    return found


async def recent_reminders(session: AsyncSession, since: dt.datetime) -> dict[int, int]:
    """Reminders per customer created or sent since `since`, counting only those that were or will be sent.

    One query per sweep, not per page: only sweeps enqueue reminders, one at a time, and the sweep counts
    its own as it goes.
    """
    statement = (
        select(Outbox.customer_id, func.count())
        .where(
            Outbox.kind == REMINDER_KIND,
            Outbox.customer_id.is_not(None),
            Outbox.status.in_(COUNTED_STATUSES),
            or_(Outbox.created_at >= since, Outbox.sent_at >= since),
        )
        .group_by(Outbox.customer_id)
    )
    return {customer_id: int(count) for customer_id, count in (await session.execute(statement)).tuples()}


async def cars_swept(session: AsyncSession) -> tuple[int, dict[str, int]]:
    """The cars the sweep reminds, and those it does not by the first reason that applies (for the report)."""
    reason = case(
        (Vehicle.released_at.is_not(None), "released"),
        (Vehicle.customer_id.is_(None), "no_owner"),
        (or_(Customer.telegram_user_id.is_(None), Customer.chat_id.is_(None)), "not_on_telegram"),
        (Customer.reminders_opt_out.is_(True), "opted_out"),
        (Customer.unreachable_at.is_not(None), "unreachable"),
        else_="swept",
    ).label("reason")
    statement = (
        select(reason, func.count())
        .select_from(Vehicle)
        .outerjoin(Customer, Customer.id == Vehicle.customer_id)
        .group_by(reason)
    )
    counts = {str(name): int(count) for name, count in (await session.execute(statement)).tuples()}
    return counts.pop("swept", 0), counts



async def snooze(session: AsyncSession, vehicle_id: int, kind: str, until: dt.date) -> None:
    """Hold this car's `kind` reminders until `until` (a later press moves it)."""
    insert = upsert_insert(session)(ReminderSnooze).values(
        vehicle_id=vehicle_id, kind=kind, until=until, updated_at=utcnow()
    )
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["vehicle_id", "kind"], set_={"until": until, "updated_at": insert.excluded.updated_at}
        )
    )


async def drop_pending_reminders(session: AsyncSession, vehicle_id: int, reason: str) -> int:
    """Unsent reminders of a car that is no longer the customer's: dropped, never sent."""
    result = await session.execute(
        update(Outbox)
        .where(
            Outbox.idempotency_key.like(f"reminder:{vehicle_id}:%"),
            Outbox.kind == REMINDER_KIND,
            Outbox.status == "pending",
        )
        .values(status="dropped", last_error=reason)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def owner_of(session: AsyncSession, vehicle_id: int) -> tuple[int, int | None, str | None, str, str] | None:
    """(customer id, their Telegram user id, plate, make, model) of an unreleased car; None when nobody owns it."""
    statement = (
        select(Customer.id, Customer.telegram_user_id, Vehicle.plate, Vehicle.make, Vehicle.model)
        .join(Vehicle, Vehicle.customer_id == Customer.id)
        .where(Vehicle.id == vehicle_id, Vehicle.released_at.is_(None))
    )
    row = (await session.execute(statement)).first()
    return None if row is None else (row[0], row[1], row[2], row[3], row[4])


@asynccontextmanager
async def sweep_lock(engine: AsyncEngine) -> AsyncIterator[bool]:
    """One sweep at a time among replicas: a PostgreSQL advisory lock on a dedicated connection.

    Yields False when another process holds it. On SQLite there is one process (and the scheduler runs one
    sweep at a time), so it always yields True.
    """
    if engine.dialect.name != "postgresql":
        yield True
        return
    # Advisory locks are per database; the schema in the key keeps deployments in other schemas apart.
    lock = "hashtext(:key || ':' || current_schema())"
    async with engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        key = {"key": SWEEP_LOCK}
        taken = bool((await connection.execute(text(f"SELECT pg_try_advisory_lock({lock})"), key)).scalar())
        try:
            yield taken
        finally:
            if taken:
                await connection.execute(text(f"SELECT pg_advisory_unlock({lock})"), key)
