"""The sweep over vehicle_due decides exactly as the old per-car computation did, on any day, as facts change.

The reference below is the sweep as it was before vehicle_due (every remindable car read, `due_items` computed,
the window applied, snoozes and outbox keys looked up), run over all cars as one page: the new sweep orders a
customer's items across all their cars, which the old one did within a page of cars.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from bot.core.common.settings import Settings
from bot.core.garage.due import due_items
from bot.core.reminders import actions as reminder_actions
from bot.core.reminders import due_store
from bot.core.reminders import repo as reminder_repo
from bot.core.reminders import sweep as sweep_module
from bot.core.reminders.policy import cap_since, facts, window_outcome
from bot.core.reminders.sweep import ItemDecision, PagePass, ReminderDeps, SweepReport, sweep
from bot.core.services import Services, build_services
from bot.db.garage.models import Customer, OdometerReading, ServiceVisit, Vehicle
from bot.db.outbox.models import Outbox
from bot.db.reminders.models import VehicleDue, VehicleDueStale, VehicleDueState
from tests.conftest import make_settings
from tests.core.reminders.test_reminders import TODAY, at

MAKES = {"Toyota": "Corolla", "Honda": "Civic", "Volkswagen": "Passat", "比亚迪": "秦PLUS", "Lada": "Niva"}
WIDE = {"service": 60, "insurance": 90, "inspection": 120, "warranty_repair": 200, "warranty_three_guarantees": 200}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, settings: Settings) -> str:
    return settings.database_url if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def svc(database_url: str, tmp_path: Path) -> AsyncIterator[Services]:
    services = build_services(make_settings(tmp_path, database_url=database_url))
    yield services
    await services.engine.dispose()


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


async def fleet(svc: Services, rng: random.Random, cars: int) -> None:
    """Customers (a third with two cars) and cars with random histories, some readings after TODAY."""
    async with svc.sessions.begin() as session:
        owners = []
        for n in range(cars * 2 // 3):
            on_telegram = rng.random() < 0.85
            telegram = 70_000 + n if on_telegram else None
            owner = Customer(telegram_user_id=telegram, chat_id=telegram, first_name=rng.choice([None, f"C{n}"]),
                             reminders_opt_out=rng.random() < 0.08, locale_choice=rng.choice([None, "en", "zh-Hans"]))
            session.add(owner)
            owners.append(owner)
        await session.flush()
        for n in range(cars):
            make = rng.choice(list(MAKES))
            delivered = day(-rng.randint(20, 12 * 365)) if rng.random() < 0.93 else None
            car = Vehicle(customer_id=rng.choice(owners).id if rng.random() < 0.95 else None, plate=f"粤B{n:05d}",
                          make=make, model=MAKES[make], delivery_date=delivered,
                          registration_date=day(-rng.randint(30, 16 * 365)) if rng.random() < 0.3 else None,
                          insurance_expiry=day(rng.randint(-250, 400)) if rng.random() < 0.8 else None,
                          use="commercial" if rng.random() < 0.1 else "household")  # fmt: skip
            session.add(car)
            await session.flush()
            start, km = delivered or day(-rng.randint(100, 3000)), 0
            for m in range(rng.randint(0, 4)):
                read_on = start + dt.timedelta(days=rng.randint(1, 400) * (m + 1))
                km += rng.randint(0, 20_000)
                session.add(OdometerReading(vehicle_id=car.id, read_on=min(read_on, day(25)), km=km, source="customer"))
            for m in range(rng.randint(0, 2)):
                visited = start + dt.timedelta(days=rng.randint(1, 3000))
                session.add(ServiceVisit(visit_no=f"RO{n}-{m}", vehicle_id=car.id, visit_date=min(visited, day(10)),
                                         km=rng.choice([None, rng.randint(0, 90_000)]),
                                         kind=rng.choice(["maintenance", "maintenance", "repair"])))  # fmt: skip


async def reference(svc: Services, deps: ReminderDeps, now: dt.datetime, today: dt.date) -> tuple[SweepReport, dict]:
    """The old sweep's decisions (a dry run, every car in one page)."""
    config, report, seen = deps.config, SweepReport(today, True), []
    async with svc.sessions() as session:
        report.cars, report.not_swept = await reminder_repo.cars_swept(session)
        reminded = Counter(await reminder_repo.recent_reminders(session, cap_since(today, config)))
    cars, readings, services = await sweep_module._load_page(svc.sessions, 0, 1_000_000)
    near = []
    for car in cars:
        vehicle = facts(car, readings.get(car.id, []), services.get(car.id, []))
        for item in due_items(vehicle, deps.schedule, config.region, today, deps.rules):
            report.items += 1
            skipped = window_outcome(item, today, config)
            if skipped is None:
                near.append((car, item))
            else:
                report.outcomes[skipped] += 1
    async with svc.sessions() as session:
        snoozes = await reminder_repo.snoozes(session, sorted({car.id for car, _ in near}))
        keys = [item.idempotency_key for _, item in near]
        keys += [f"{item.idempotency_key}:snooze:{until.isoformat()}" for car, item in near
                 if (until := snoozes.get((car.id, item.kind))) is not None and until <= today]  # fmt: skip
        existing = await reminder_repo.existing_keys(session, keys)
    PagePass(deps, now, today, report, reminded, seen.append).decide(near, snoozes, existing)
    return report, {decision.key: decision for decision in seen}


async def assert_same(svc: Services, deps: ReminderDeps, today: dt.date, clock: str = "10:00") -> SweepReport:
    now = at(today, clock)
    expected, decisions = await reference(svc, deps, now, today)
    seen: list[ItemDecision] = []
    report = await sweep(svc.sessions, deps, now, today, dry_run=True, on_item=seen.append)
    assert {d.key: d for d in seen} == decisions
    assert len(seen) == len(decisions)
    assert (report.cars, report.items, report.not_swept) == (expected.cars, expected.items, expected.not_swept)
    assert (+report.outcomes, report.by_kind) == (+expected.outcomes, expected.by_kind)
    # Without on_item (the daily job), the rows already in the outbox are counted in SQL, never read: same totals.
    counted = await sweep(svc.sessions, deps, now, today, dry_run=True)
    assert (counted.cars, counted.items, counted.not_swept) == (expected.cars, expected.items, expected.not_swept)
    assert (+counted.outcomes, counted.by_kind) == (+expected.outcomes, expected.by_kind)
    return report


async def outbox_count(svc: Services) -> int:
    async with svc.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Outbox))).scalar_one())


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_same_decisions_as_the_per_car_computation(svc: Services, seed: int) -> None:
    rng = random.Random(seed)
    await fleet(svc, rng, 120)
    base = ReminderDeps.from_services(svc)
    wide = dataclasses.replace(base, config=dataclasses.replace(base.config, windows_days=WIDE, cap_count=2,
                                                                batch_size=17))  # fmt: skip
    first = await assert_same(svc, wide, TODAY)
    assert first.recomputed["all"] == 120 and await outbox_count(svc) == 0  # a dry run enqueues nothing
    assert sum(first.outcomes[o] for o in ("send", "capped")) > 20  # the fleet exercises the cap
    await sweep(svc.sessions, wide, at(TODAY))  # enqueue: later days see "already" and the cap's counts
    async with svc.sessions() as session:
        cars = list((await session.execute(select(Vehicle.id, Customer.telegram_user_id).join(Customer)
                                           .where(Customer.telegram_user_id.is_not(None)))).tuples())  # fmt: skip
    for vehicle_id, user in rng.sample(cars, 10):
        await reminder_actions.snooze(svc.sessions, user, vehicle_id, rng.choice(["service", "insurance"]), day(3))
    await assert_same(svc, wide, day(1), "22:30")
    await assert_same(svc, base, day(3))
    await sweep(svc.sessions, wide, at(day(3)))
    await assert_same(svc, wide, day(4))
    # Facts change behind the sweep's back, as any writer would: the triggers mark the cars.
    changed = rng.sample([vehicle_id for vehicle_id, _ in cars], 12)
    async with svc.sessions.begin() as session:
        for n, vehicle_id in enumerate(changed[:4]):
            session.add(OdometerReading(vehicle_id=vehicle_id, read_on=day(4), km=150_000 + n, source="customer"))
        for n, vehicle_id in enumerate(changed[4:8]):
            session.add(ServiceVisit(visit_no=f"NEW{n}", vehicle_id=vehicle_id, visit_date=day(2), km=80_000,
                                     kind="maintenance"))  # fmt: skip
        await session.execute(update(Vehicle).where(Vehicle.id.in_(changed[8:10])).values(insurance_expiry=day(9)))
        await session.execute(delete(OdometerReading).where(OdometerReading.vehicle_id.in_(changed[10:])))
    moved = await assert_same(svc, wide, day(5))
    assert 0 < moved.recomputed["stale"] <= 12 and moved.recomputed["all"] == 0
    for offset in (47, -30, 400, 2):  # inspection windows close, a day in the past, years ahead, back again
        await assert_same(svc, wide, day(offset))
    faster = base.schedule.model_copy(update={"default_daily_km": base.schedule.default_daily_km * 2})
    new_rules = dataclasses.replace(wide, schedule=faster)
    assert (await assert_same(svc, new_rules, day(6))).recomputed["all"] == 120  # a rule change recomputes all
    taiwan = dataclasses.replace(wide, config=dataclasses.replace(wide.config, region="TW"))
    assert (await assert_same(svc, taiwan, day(6))).recomputed["all"] == 120


async def test_triggers_mark_the_cars_whose_facts_change(svc: Services) -> None:
    async with svc.sessions.begin() as session:
        owner = Customer(telegram_user_id=1, chat_id=1)
        session.add(owner)
        await session.flush()
        cars = [Vehicle(customer_id=owner.id, plate=f"粤B9{n}", make="Toyota", model="Corolla") for n in range(4)]
        session.add_all(cars)
    ids = [car.id for car in cars]

    async def marked() -> list[int]:
        async with svc.sessions() as session:
            return sorted((await session.execute(select(VehicleDueStale.vehicle_id))).scalars())

    async def clear() -> None:
        async with svc.sessions.begin() as session:
            await session.execute(delete(VehicleDueStale))

    assert await marked() == ids  # new cars
    await clear()
    async with svc.sessions.begin() as session:  # what the sweep does not compute from: nothing marked
        await session.execute(update(Vehicle).where(Vehicle.id == ids[0]).values(customer_id=None, plate="粤B1"))
        await session.execute(update(Vehicle).where(Vehicle.id == ids[1]).values(make="Toyota"))  # unchanged
    assert await marked() == []
    async with svc.sessions.begin() as session:
        await session.execute(update(Vehicle).where(Vehicle.id == ids[0]).values(delivery_date=day(-30)))
        session.add(OdometerReading(vehicle_id=ids[1], read_on=day(-1), km=100, source="customer"))
        session.add(ServiceVisit(visit_no="RO-T", vehicle_id=ids[2], visit_date=day(-1), km=90, kind="repair"))
    assert await marked() == ids[:3]
    await clear()
    async with svc.sessions.begin() as session:  # a reading moved to another car marks both
        await session.execute(update(OdometerReading).values(vehicle_id=ids[3]))
    assert await marked() == [ids[1], ids[3]]
    await clear()
    async with svc.sessions.begin() as session:
        await session.execute(delete(ServiceVisit))
    assert await marked() == [ids[2]]


async def test_a_new_database_and_the_escape_hatch_recompute_everything(svc: Services) -> None:
    deps = ReminderDeps.from_services(svc)
    async with svc.sessions.begin() as session:
        session.add(Vehicle(plate="粤B1", make="Toyota", model="Corolla", delivery_date=day(-100),
                            insurance_expiry=day(5)))
    assert (await due_store.refresh(svc.sessions, deps, TODAY)) == {"all": 1, "stale": 0}
    assert (await due_store.refresh(svc.sessions, deps, TODAY)) == {"all": 0, "stale": 0}
    assert (await due_store.refresh(svc.sessions, deps, TODAY, full=True)) == {"all": 1, "stale": 0}
    async with svc.sessions() as session:
        kinds = sorted((await session.execute(select(VehicleDue.kind))).scalars())
        stored = (await session.execute(select(VehicleDueState.value))).scalar_one()
    assert kinds == ["inspection", "insurance", "service", "warranty_repair", "warranty_three_guarantees"]
    assert stored == due_store.current_hash(deps)


def test_packed_sweep_keys_give_back_what_went_in_and_sort_as_the_keys_do() -> None:
    rng = random.Random(3)
    keys = sorted((day(rng.randint(-400, 400)), rng.randint(0, 4), rng.choice([1, 2, rng.randint(1, 2**35 - 1)]))
                  for _ in range(500))  # fmt: skip
    packed = due_store.Keys()
    for key in keys:
        packed.append(*key)
    assert len(packed) == 500 and packed.page(0, 500) == keys and packed.page(100, 103) == keys[100:103]
    assert sorted(packed._packed) == list(packed._packed)  # packed in order: the integers sort as the keys
    with pytest.raises(ValueError):
        packed.append(TODAY, 0, 2**35)
