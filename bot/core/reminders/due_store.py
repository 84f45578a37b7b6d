"""vehicle_due kept current, and read by the sweep: what falls near the sweep's day, in the order it decides.

`refresh(today)` runs first in every sweep (under the sweep's lock, so one process writes these tables):
1. the rules' hash differs from the one stored (a new knowledge/maintenance.yaml or warranty.yaml, another
   region, new due-date code: due_rows.FORMAT), or none is stored (a new database): every car is recomputed,
   in keyset pages of `batch_size` cars, one transaction each; the hash is stored once all pages are done, so an
   interrupted recompute starts again at the next sweep;
2. cars whose rows do not answer `today` (an inspection window closed, a 三包 period ended, a sweep in the past)
   join the cars marked stale by the database triggers (a new car, reading or visit, a changed date: whatever
   wrote it, see migration 0010);
3. those cars are recomputed. Each page first deletes its marks and then reads the facts, in one transaction, so
   a change committed meanwhile marks its car again for the next sweep rather than being lost.

`near_pages` then reads the rows within their kind's window (index ix_vehicle_due_sweep) joined to the
remindable cars, ordered by (due date, kind, car): the order in which the old sweep's cap picked a customer's
items, now across all their cars at once rather than per page of cars. A daily sweep (`near_plan` with
`skip_already`) first finds, in one query, which of them are already in the outbox (counted, never read) and
reads only the others.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, and_, case, cast, delete, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.core.garage.maintenance import VehicleFacts
from bot.core.reminders import due_rows
from bot.core.reminders import repo as reminder_repo
from bot.core.reminders.policy import ReminderConfig, ReminderDeps, facts
from bot.core.reminders.repo import CAR_COLUMNS, REMINDABLE, CarRow, chunks, vehicle_filter
from bot.db.common.base import utcnow
from bot.db.common.dialect import engine_of, one_of, upsert_insert
from bot.db.garage.models import Customer, Vehicle
from bot.db.outbox.models import Outbox
from bot.db.reminders.models import ReminderSnooze, VehicleDue, VehicleDueStale, VehicleDueState

RULES = "rules"
_FACT_COLUMNS = (Vehicle.id, Vehicle.make, Vehicle.model, Vehicle.delivery_date, Vehicle.registration_date,
                 Vehicle.insurance_expiry, Vehicle.use)  # fmt: skip
DUE_COLUMNS = (VehicleDue.vehicle_id, VehicleDue.kind, VehicleDue.kind_order, VehicleDue.due_on,
               VehicleDue.odometer_on, VehicleDue.odometer_km, VehicleDue.daily_km, VehicleDue.detail)  # fmt: skip
Sessions = async_sessionmaker[AsyncSession]


def current_hash(deps: ReminderDeps) -> str:
    return due_rows.rules_hash(deps.schedule, deps.rules, deps.config.region)


async def stored_hash(session: AsyncSession) -> str | None:
    return (await session.execute(select(VehicleDueState.value).where(VehicleDueState.name == RULES))).scalar()


async def _store_hash(session: AsyncSession, value: str) -> None:
    insert = upsert_insert(session)(VehicleDueState).values(name=RULES, value=value, updated_at=utcnow())
    await session.execute(insert.on_conflict_do_update(index_elements=["name"], set_={
        "value": value, "updated_at": insert.excluded.updated_at}))  # fmt: skip


async def _facts(session: AsyncSession, where: Any, wanted: set[int] | None) -> list[VehicleFacts]:
    """The due-date core's view of these cars (every car, owned or not: an owner may come on Telegram later)."""
    cars = [row for row in (await session.execute(select(*_FACT_COLUMNS).where(where).order_by(Vehicle.id))).tuples()
            if wanted is None or row[0] in wanted]  # fmt: skip
    ids = [row[0] for row in cars]
    readings = await reminder_repo.odometer_history(session, ids) if ids else {}
    services = await reminder_repo.service_history(session, ids) if ids else {}
    found = []
    for id_, make, model, delivery, registration, insurance, use in cars:
        car = CarRow(id_, 0, None, make, model, delivery, registration, insurance, use, 0, 0, *(None,) * 5)
        found.append(facts(car, readings.get(id_, []), services.get(id_, [])))
    return found


async def car_facts(session: AsyncSession, ids: Sequence[int]) -> list[VehicleFacts]:
    """These cars' facts (a car that no longer exists is left out)."""
    found: list[VehicleFacts] = []
    for where, wanted in vehicle_filter(Vehicle.id, ids):
        found += await _facts(session, where, wanted)
    return found


def _rows(cars: Sequence[VehicleFacts], deps: ReminderDeps, today: dt.date) -> list[dict[str, Any]]:
    schedule, region, rules = deps.schedule, deps.config.region, deps.rules
    return [row for car in cars for row in due_rows.compute(car, schedule, region, today, rules)]


async def _insert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(VehicleDue.__table__.insert(), rows)


async def recompute_all(sessions: Sessions, deps: ReminderDeps, today: dt.date) -> int:
    """Every car's rows anew (the rules changed, or none were ever computed); returns the cars computed."""
    async with sessions.begin() as session:
        await session.execute(delete(VehicleDue))
    after, computed = 0, 0
    while True:
        async with sessions.begin() as session:
            ids = list((await session.execute(select(Vehicle.id).where(Vehicle.id > after).order_by(Vehicle.id)
                                              .limit(deps.config.batch_size))).scalars())  # fmt: skip
            if not ids:
                break
            page = Vehicle.id.between(ids[0], ids[-1])
            await session.execute(delete(VehicleDueStale).where(VehicleDueStale.vehicle_id.between(ids[0], ids[-1])))
            cars = await _facts(session, page, None)
            await _insert(session, _rows(cars, deps, today))
        after, computed = ids[-1], computed + len(cars)
    async with sessions.begin() as session:
        await _store_hash(session, current_hash(deps))
    return computed


async def _mark_not_answering(session: AsyncSession, today: dt.date) -> None:
    """Cars with a row that does not answer `today` join the stale ones."""
    statement = select(VehicleDue.vehicle_id).where(or_(VehicleDue.valid_until < today, VehicleDue.valid_from > today))
    ids = sorted(set((await session.execute(statement)).scalars()))
    for chunk in chunks(ids):
        insert = upsert_insert(session)(VehicleDueStale).on_conflict_do_nothing(index_elements=["vehicle_id"])
        await session.execute(insert, [{"vehicle_id": id_} for id_ in dict.fromkeys(chunk)])


async def recompute_stale(sessions: Sessions, deps: ReminderDeps, today: dt.date) -> int:
    """The cars marked stale and those whose rows do not answer `today`; returns how many were computed."""
    async with sessions.begin() as session:
        await _mark_not_answering(session, today)
    after, computed = -1, 0
    while True:
        async with sessions.begin() as session:
            marked = select(VehicleDueStale.vehicle_id).where(VehicleDueStale.vehicle_id > after)
            ids = list((await session.execute(marked.order_by(VehicleDueStale.vehicle_id)
                                              .limit(deps.config.batch_size))).scalars())  # fmt: skip
            if not ids:
                break
            for chunk in chunks(ids):  # only these marks: one added meanwhile must stay
                await session.execute(delete(VehicleDueStale).where(VehicleDueStale.vehicle_id.in_(chunk)))
                await session.execute(delete(VehicleDue).where(VehicleDue.vehicle_id.in_(chunk)))
            cars = await car_facts(session, ids)
            await _insert(session, _rows(cars, deps, today))
        after, computed = ids[-1], computed + len(cars)
    return computed


async def refresh(sessions: Sessions, deps: ReminderDeps, today: dt.date, full: bool = False) -> dict[str, int]:
    """Bring vehicle_due up to date for a sweep on `today`; `full` recomputes every car whatever the hash says."""
    async with sessions() as session:
        stale_rules = full or await stored_hash(session) != current_hash(deps)
    recomputed = await recompute_all(sessions, deps, today) if stale_rules else 0
    return {"all": recomputed, "stale": await recompute_stale(sessions, deps, today)}


def _answers(today: dt.date) -> Any:
    return and_(or_(VehicleDue.valid_from.is_(None), VehicleDue.valid_from <= today),
                or_(VehicleDue.valid_until.is_(None), VehicleDue.valid_until >= today))  # fmt: skip


def _text(value: str) -> Any:
    return literal(value, String)


def _iso(day: Any, postgresql: bool) -> Any:
    """A date column as YYYY-MM-DD text, as date.isoformat() writes it into outbox keys (SQLite stores it so)."""
    return func.to_char(day, "YYYY-MM-DD") if postgresql else cast(day, String)


def _windows(config: ReminderConfig) -> dict[str, int]:
    return {kind: days for kind, days in config.windows_days.items() if kind in due_rows.KIND_ORDER}


def _near(today: dt.date, config: ReminderConfig, since: dt.date | None) -> Any:
    """Rows within their kind's window and not stale (bot.core.reminders.policy.window_outcome is None), due on
    `since` or later (the keyset's day: the index range then starts there, on SQLite too)."""
    windows = _windows(config)
    oldest = today - dt.timedelta(days=config.overdue_max_days)
    latest = today + dt.timedelta(days=max(windows.values()))
    per_kind = [and_(VehicleDue.kind == kind, VehicleDue.due_on <= today + dt.timedelta(days=days))
                for kind, days in windows.items()]  # fmt: skip
    return and_(VehicleDue.due_on.between(max(oldest, since or oldest), latest), or_(*per_kind), _answers(today))


def _already(sent: Any, resent: Any, today: dt.date) -> Any:
    """The row's reminder is in the outbox (PagePass.decide's `already`, in SQL): its own key, or after a snooze
    that has ended, the key it is reminded under again. A snooze still running is `snoozed`, not this."""
    ended_and_resent = and_(ReminderSnooze.until <= today, resent.id.is_not(None))
    return and_(sent.id.is_not(None), or_(ReminderSnooze.until.is_(None), ended_and_resent))


def _near_rows(columns: Sequence[Any], today: dt.date, postgresql: bool) -> tuple[Any, Any]:
    """SELECT `columns` from vehicle_due joined to its remindable car and customer, its snooze and its two
    possible outbox keys; and the row's `already` condition."""
    car_id, due_on = cast(VehicleDue.vehicle_id, String), _iso(VehicleDue.due_on, postgresql)
    key = _text("reminder:") + car_id + ":" + VehicleDue.kind + ":" + due_on  # DueItem.idempotency_key
    after_snooze = key + ":snooze:" + _iso(ReminderSnooze.until, postgresql)
    sent, resent = aliased(Outbox), aliased(Outbox)
    snoozed = and_(ReminderSnooze.vehicle_id == VehicleDue.vehicle_id, ReminderSnooze.kind == VehicleDue.kind)
    statement = (
        select(*columns)
        .select_from(VehicleDue)
        .join(Vehicle, Vehicle.id == VehicleDue.vehicle_id)
        .join(Customer, Customer.id == Vehicle.customer_id)
        .outerjoin(ReminderSnooze, snoozed)
        .outerjoin(sent, sent.idempotency_key == key)
        .outerjoin(resent, and_(ReminderSnooze.until <= today, resent.idempotency_key == after_snooze))
        .where(*REMINDABLE)
    )
    statement = statement.add_columns(
        ReminderSnooze.until.label("snoozed_until"),
        sent.id.is_not(None).label("sent"),
        resent.id.is_not(None).label("sent_after_snooze"),
    )
    return statement, _already(sent, resent, today)


_ORDER = (VehicleDue.due_on, VehicleDue.kind_order, VehicleDue.vehicle_id)
Key = tuple[dt.date, int, int]  # a near row's place in the sweep's order: (due_on, kind_order, vehicle_id)


class Keys:
    """Keys in the sweep's order, 8 bytes each (a first sweep holds its whole window's: 230,000 at 1,000,000
    cars, 2 MB here against some 40 MB as tuples). A key packs into one integer that sorts as the key does."""

    _CAR_BITS, _KIND_BITS = 35, 8  # 2**35 cars, 256 kinds, and the day's ordinal (under 2**20) above them

    def __init__(self) -> None:
        self._packed = array("q")

    def append(self, due_on: dt.date, kind_order: int, vehicle_id: int) -> None:
        if not 0 <= vehicle_id < 1 << self._CAR_BITS:
            raise ValueError(f"vehicle id {vehicle_id} does not fit a sweep key")
        day = due_on.toordinal() << (self._CAR_BITS + self._KIND_BITS)
        self._packed.append(day | (kind_order << self._CAR_BITS) | vehicle_id)

    def __len__(self) -> int:
        return len(self._packed)

    def page(self, start: int, stop: int) -> list[Key]:
        cars, kinds = (1 << self._CAR_BITS) - 1, (1 << self._KIND_BITS) - 1
        return [(dt.date.fromordinal(packed >> (self._CAR_BITS + self._KIND_BITS)), (packed >> self._CAR_BITS) & kinds,
                 packed & cars) for packed in self._packed[start:stop]]  # fmt: skip


@dataclass
class NearPlan:
    """What `near_pages` reads: every near row of a remindable car, in ranges of due dates holding at most a page
    each; or (a daily sweep) only the rows whose reminder is not in the outbox yet, by their keys, the others
    counted as `already` (`per_day`: every near row of a remindable car, per due date)."""

    ranges: list[tuple[dt.date, dt.date]]
    keys: Keys | None = None
    already: int = 0
    per_day: dict[dt.date, int] = field(default_factory=dict)


async def near_plan(sessions: Sessions, today: dt.date, config: ReminderConfig, skip_already: bool) -> NearPlan:
    """The plan for `near_pages`: `skip_already` leaves out, and counts, the rows already in the outbox.

    Without it, the near rows of remindable cars counted per due date and cut into ranges of consecutive days
    holding at most a page of rows each (a day that holds more is a range of its own, read in keyset pages
    within it). Each page's query is then bounded above as well as below: with only the keyset's lower bound and
    a LIMIT, PostgreSQL joined every remaining near row to its car, customer and outbox keys and sorted them to
    return the first page, so a sweep read its rows about pages/2 times over.

    With it, one query over the whole window (hash joins on PostgreSQL: a few sequential scans) gives the keys
    of the rows still to decide, streamed so that only those stay in memory. A daily sweep finds most of its
    window enqueued by the days before; reading each such row with its car and customer, at random places in
    their tables, page by page, was most of its time (16 of 26 s at 1,000,000 cars), and so were the rows of
    cars nobody can be reminded about, which a page by due dates read and then dropped.
    """
    if not _windows(config):
        return NearPlan([])
    if skip_already:
        return await _unsettled_keys(sessions, today, config)
    statement = (
        select(VehicleDue.due_on, func.count())
        .where(_near(today, config, None))
        .group_by(VehicleDue.due_on)
        .order_by(VehicleDue.due_on)
    )
    async with sessions() as session:
        days = (await session.execute(statement)).tuples().all()
    ranges: list[tuple[dt.date, dt.date]] = []
    first, last, held = None, None, 0
    for day, count in days:
        if first is not None and held + count > config.batch_size:
            ranges.append((first, last))  # type: ignore[arg-type]
            first, held = None, 0
        if first is None:
            first = day
        last, held = day, held + count
    if first is not None:
        ranges.append((first, last))  # type: ignore[arg-type]
    return NearPlan(ranges)


async def _unsettled_keys(sessions: Sessions, today: dt.date, config: ReminderConfig) -> NearPlan:
    postgresql = engine_of(sessions).dialect.name == "postgresql"
    statement, already = _near_rows(_ORDER, today, postgresql)
    statement = statement.add_columns(already.label("already")).where(_near(today, config, None)).order_by(*_ORDER)
    keys, per_day, settled = Keys(), Counter[dt.date](), 0
    async with sessions() as session:
        result = await (await session.connection()).stream(statement)
        async for rows in result.partitions(config.batch_size):
            for due_on, kind_order, vehicle_id, _, _, _, already in rows:
                per_day[due_on] += 1
                if already:
                    settled += 1
                else:
                    keys.append(due_on, kind_order, vehicle_id)
    return NearPlan([], keys, settled, per_day)


async def near_pages(
    sessions: Sessions, today: dt.date, config: ReminderConfig, plan: NearPlan | None = None
) -> AsyncIterator[list[tuple[CarRow, Any]]]:
    """Pages of (car, vehicle_due row) within their window, remindable cars only, by (due, kind, car), as `plan`
    says (every near row when not given)."""
    plan = plan or await near_plan(sessions, today, config, skip_already=False)
    postgresql = engine_of(sessions).dialect.name == "postgresql"
    statement, already = _near_rows((*DUE_COLUMNS,), today, postgresql)
    statement = statement.add_columns(*CAR_COLUMNS)
    width, batch = len(DUE_COLUMNS) + 3, config.batch_size
    if plan.keys is not None:
        for start in range(0, len(plan.keys), batch):
            keys = plan.keys.page(start, start + batch)
            between = statement.where(_near(today, config, keys[0][0]), VehicleDue.due_on <= keys[-1][0])
            if 2 * len(keys) >= sum(n for day, n in plan.per_day.items() if keys[0][0] <= day <= keys[-1][0]):
                # Most rows between the first key and the last are to be read (a first sweep): a range.
                between = between.where(~already, tuple_(*_ORDER) >= keys[0], tuple_(*_ORDER) <= keys[-1])
                page = await _fetch(sessions, between.order_by(*_ORDER))
            else:  # a few among many reminded already: these cars' rows
                ids = sorted({key[2] for key in keys})
                wanted = set(keys)
                found = await _fetch(sessions, between.where(one_of(VehicleDue.vehicle_id, ids, postgresql)))
                page = sorted((row for row in found if (row.due_on, row.kind_order, row.vehicle_id) in wanted),
                              key=lambda row: (row.due_on, row.kind_order, row.vehicle_id))  # fmt: skip
            yield [(CarRow(*row[width:]), row) for row in page]
        return
    paged = statement.order_by(*_ORDER).limit(batch)
    for first, last in plan.ranges:
        after = None
        while True:  # one query per range, unless one day alone holds more than a page
            page = paged.where(_near(today, config, first), VehicleDue.due_on <= last)
            if after is not None:
                page = page.where(tuple_(*_ORDER) > tuple_(*after))
            rows = await _fetch(sessions, page)
            if rows:
                yield [(CarRow(*row[width:]), row) for row in rows]
            if len(rows) < batch:
                break
            after = (rows[-1].due_on, rows[-1].kind_order, rows[-1].vehicle_id)


async def _fetch(sessions: Sessions, statement: Any) -> list[Any]:
    async with sessions() as session:  # Core rows: no ORM loading layer over thousands of them
        return list((await (await session.connection()).execute(statement)).all())


async def counts(session: AsyncSession, today: dt.date, config: ReminderConfig) -> tuple[int, int, int]:
    """(items, later, stale) over the remindable cars' rows, as the old sweep counted them car by car."""
    windows = _windows(config)
    later = or_(VehicleDue.kind.not_in(list(windows)) if windows else True,
                *(and_(VehicleDue.kind == kind, VehicleDue.due_on > today + dt.timedelta(days=days))
                  for kind, days in windows.items()))  # fmt: skip
    stale = VehicleDue.due_on < today - dt.timedelta(days=config.overdue_max_days)
    statement = (
        select(func.count(), func.sum(case((later, 1), else_=0)), func.sum(case((later, 0), (stale, 1), else_=0)))
        .select_from(VehicleDue)
        .join(Vehicle, Vehicle.id == VehicleDue.vehicle_id)
        .join(Customer, Customer.id == Vehicle.customer_id)
        .where(_answers(today), *REMINDABLE)
    )
    items, later_count, stale_count = (await session.execute(statement)).one()
    return int(items), int(later_count or 0), int(stale_count or 0)
