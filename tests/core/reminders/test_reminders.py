"""The reminder sweep on SQLite and PostgreSQL: idempotency, windows, caps, quiet hours, snoozes, locales, expiry."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.core.common.settings import Settings
from bot.core.reminders import actions as reminder_actions
from bot.core.reminders import repo as reminder_repo
from bot.core.reminders.sweep import ItemDecision, ReminderDeps, SweepReport, sweep
from bot.core.services import Services, build_services
from bot.db.garage.models import Customer, OdometerReading, ServiceVisit, Vehicle
from bot.db.outbox.models import Outbox
from tests.conftest import make_settings

TZ = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 11, 28)


def at(day: dt.date, clock: str = "10:00") -> dt.datetime:
    """A dealer-local time of day as the aware UTC datetime the sweep takes."""
    hour, minute = map(int, clock.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ).astimezone(dt.UTC)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands times back naive (they are stored in UTC)."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=dt.UTC)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, settings: Settings) -> str:
    return settings.database_url if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def svc(database_url: str, tmp_path: Path) -> AsyncIterator[Services]:
    services = build_services(make_settings(tmp_path, database_url=database_url))
    yield services
    await services.engine.dispose()


@pytest.fixture
def deps(svc: Services) -> ReminderDeps:
    return ReminderDeps.from_services(svc)


async def customer(svc: Services, n: int, **fields: object) -> int:
    """A customer on Telegram (user and chat id 9000 + n) unless `telegram_user_id=None` is given."""
    values: dict[str, object] = {"telegram_user_id": 9000 + n, "chat_id": 9000 + n, "first_name": f"C{n}"}
    async with svc.sessions.begin() as session:
        row = Customer(**(values | fields))
        session.add(row)
        await session.flush()
        return row.id


async def car(
    svc: Services,
    owner: int | None,
    plate: str,
    insurance: dt.date | None = None,
    serviced: tuple[dt.date, int] | None = None,
    **fields: object,
) -> int:
    """A Toyota; `serviced` adds a maintenance visit and a later reading (slow driving: time decides)."""
    async with svc.sessions.begin() as session:
        row = Vehicle(customer_id=owner, plate=plate, make="Toyota", model="Corolla", insurance_expiry=insurance,
                      **fields)
        session.add(row)
        await session.flush()
        if serviced is not None:
            day, km = serviced
            session.add(ServiceVisit(visit_no=f"RO-{plate}", vehicle_id=row.id, visit_date=day, km=km,
                                     kind="maintenance"))
            session.add(OdometerReading(vehicle_id=row.id, read_on=day + dt.timedelta(days=100), km=km + 600,
                                        source="customer"))
        return row.id


async def rows(svc: Services) -> list[Outbox]:
    async with svc.sessions() as session:
        return list((await session.execute(select(Outbox).order_by(Outbox.id))).scalars())


async def run(svc: Services, deps: ReminderDeps, now: dt.datetime, dry_run: bool = False) -> SweepReport:
    return await sweep(svc.sessions, deps, now, dry_run=dry_run)


SERVICED = (dt.date(2026, 6, 5), 20_000)  # Toyota: next service 6 months later, 2026-12-05, in 7 days


async def test_sweeping_again_adds_nothing(svc: Services, deps: ReminderDeps) -> None:
    a, b = await customer(svc, 1), await customer(svc, 2)
    service_car = await car(svc, a, "粤B10001", serviced=SERVICED)
    insured_car = await car(svc, b, "粤B10002", insurance=days(20))
    first = await run(svc, deps, at(TODAY))
    before = [(r.id, r.idempotency_key, r.payload) for r in await rows(svc)]
    again = await run(svc, deps, at(TODAY, "10:05"))
    next_day = await run(svc, deps, at(days(1)))
    assert (first.enqueued, again.enqueued, next_day.enqueued) == (2, 0, 0)
    assert again.outcomes["already"] == next_day.outcomes["already"] == 2
    assert [(r.id, r.idempotency_key, r.payload) for r in await rows(svc)] == before
    assert sorted(key for _, key, _ in before) == [
        f"reminder:{service_car}:service:2026-12-05", f"reminder:{insured_car}:insurance:{days(20)}",
    ]  # fmt: skip
    assert {r.kind for r in await rows(svc)} == {"reminder"}


async def test_each_kind_has_its_own_window(svc: Services, deps: ReminderDeps) -> None:
    insured = {n: await car(svc, await customer(svc, n), f"粤B2000{n}", insurance=days(n)) for n in (29, 30, 31, 40)}
    await car(svc, await customer(svc, 7), "粤B20007", serviced=(dt.date(2026, 6, 13), 20_000))  # service in 15 days
    report = await run(svc, deps, at(TODAY))
    assert {r.idempotency_key for r in await rows(svc)} == {
        f"reminder:{insured[n]}:insurance:{days(n)}" for n in (29, 30)
    }
    assert report.outcomes["later"] >= 3
    wider = dataclasses.replace(deps, config=dataclasses.replace(deps.config, windows_days={"insurance": 45}))
    await run(svc, wider, at(days(1)))
    assert len(await rows(svc)) == 4  # 31 and 40 now; a kind left out (service) is never reminded


async def test_one_reminder_a_week_per_customer(svc: Services, deps: ReminderDeps) -> None:
    owner = await customer(svc, 1)
    service_car = await car(svc, owner, "粤B30001", serviced=SERVICED)
    insured_car = await car(svc, owner, "粤B30002", insurance=days(20))
    first = await run(svc, deps, at(TODAY))
    assert (first.enqueued, first.outcomes["capped"]) == (1, 1)
    assert [r.idempotency_key for r in await rows(svc)] == [f"reminder:{service_car}:service:2026-12-05"]
    for n in range(1, 7):  # the insurance waits: not enqueued, so nothing can duplicate it
        assert (await run(svc, deps, at(days(n), "09:00"))).outcomes["capped"] == 1
    assert len(await rows(svc)) == 1
    week_later = await run(svc, deps, at(days(7), "09:00"))  # the cap counts calendar days: day 7 is free again
    assert week_later.enqueued == 1
    assert (await rows(svc))[-1].idempotency_key == f"reminder:{insured_car}:insurance:{days(20)}"


@pytest.mark.parametrize("dry_run", [False, True])
async def test_the_cap_holds_across_pages(svc: Services, deps: ReminderDeps, dry_run: bool) -> None:
    owner = await customer(svc, 1)
    for n in range(3):
        await car(svc, owner, f"粤B3100{n}", insurance=days(10 + n))
    one_by_one = dataclasses.replace(deps, config=dataclasses.replace(deps.config, batch_size=1))
    report = await run(svc, one_by_one, at(TODAY), dry_run=dry_run)
    assert (report.cars, report.outcomes["send"], report.outcomes["capped"]) == (3, 1, 2)
    assert len(await rows(svc)) == (0 if dry_run else 1)


async def test_a_reminder_that_never_reached_the_customer_does_not_count(svc: Services, deps: ReminderDeps) -> None:
    owner = await customer(svc, 1)
    await car(svc, owner, "粤B32001", insurance=days(10))
    await car(svc, owner, "粤B32002", insurance=days(12))
    await run(svc, deps, at(TODAY))
    async with svc.sessions.begin() as session:
        await session.execute(update(Outbox).values(status="dropped"))
    assert (await run(svc, deps, at(days(1)))).enqueued == 1


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ("23:00", (days(1), "08:30")),  # late evening: the window ends tomorrow morning
        ("21:00", (days(1), "08:30")),  # the window starts at 21:00 exactly
        ("00:30", (TODAY, "08:30")),  # just after midnight
        ("07:00", (TODAY, "08:30")),  # early morning: the same day's end
        ("08:30", (TODAY, "08:30")),  # the end itself is outside the window
        ("10:00", (TODAY, "10:00")),  # daytime: at once
    ],
)
async def test_quiet_hours_across_midnight(
    svc: Services, deps: ReminderDeps, clock: str, expected: tuple[dt.date, str]
) -> None:
    await car(svc, await customer(svc, 1), "粤B40001", insurance=days(10))
    await run(svc, deps, at(TODAY, clock))
    [row] = await rows(svc)
    assert utc(row.not_before) == utc(row.next_attempt_at) == at(*expected)


async def test_snoozed_until_a_day_then_reminded_once_more(svc: Services, deps: ReminderDeps) -> None:
    user = 9001
    insured = await car(svc, await customer(svc, 1, locale_choice="en"), "粤B50001", insurance=days(20))
    await run(svc, deps, at(TODAY))
    assert await reminder_actions.snooze(svc.sessions, user, insured, "insurance", days(7)) is not None
    assert await reminder_actions.snooze(svc.sessions, 4242, insured, "insurance", days(1)) is None  # not theirs
    held = await run(svc, deps, at(days(2)))
    assert (held.outcomes["snoozed"], held.enqueued) == (1, 0)
    again = await run(svc, deps, at(days(7)))
    assert again.enqueued == 1
    last = (await rows(svc))[-1]
    assert last.idempotency_key == f"reminder:{insured}:insurance:{days(20)}:snooze:{days(7)}"
    assert "As you asked" in last.payload["text"]
    later = await run(svc, deps, at(days(8)))
    assert (later.outcomes["already"], later.enqueued) == (1, 0)


async def test_a_snooze_before_the_first_reminder_only_delays_it(svc: Services, deps: ReminderDeps) -> None:
    insured = await car(svc, await customer(svc, 1), "粤B51001", insurance=days(20))
    await reminder_actions.snooze(svc.sessions, 9001, insured, "insurance", days(3))
    assert (await run(svc, deps, at(TODAY))).enqueued == 0
    assert (await run(svc, deps, at(days(3)))).enqueued == 1
    assert [r.idempotency_key for r in await rows(svc)] == [f"reminder:{insured}:insurance:{days(20)}"]


async def test_who_is_not_reminded(svc: Services, deps: ReminderDeps) -> None:
    soon = days(10)
    await car(svc, await customer(svc, 1, reminders_opt_out=True), "粤B60001", insurance=soon)
    await car(svc, await customer(svc, 2, unreachable_at=at(TODAY)), "粤B60002", insurance=soon)
    await car(svc, await customer(svc, 3, telegram_user_id=None, chat_id=None, phone="+8613800000003"), "粤B60003",
              insurance=soon)
    await car(svc, await customer(svc, 4), "粤B60004", insurance=soon, released_at=at(TODAY))
    await car(svc, None, "粤B60005", insurance=soon)
    reached = await car(svc, await customer(svc, 6), "粤B60006", insurance=soon)
    report = await run(svc, deps, at(TODAY))
    assert [r.idempotency_key for r in await rows(svc)] == [f"reminder:{reached}:insurance:{soon}"]
    assert report.cars == 1
    assert report.not_swept == {"opted_out": 1, "unreachable": 1, "not_on_telegram": 1, "released": 1, "no_owner": 1}


async def test_each_customer_reads_their_own_locale(svc: Services, deps: ReminderDeps) -> None:
    chosen = await customer(svc, 1, locale_choice="en", last_locale="zh-Hans")  # the explicit choice wins
    written = await customer(svc, 2, last_locale="zh-Hans")
    nothing = await customer(svc, 3)
    for n, owner in enumerate((chosen, written, nothing)):
        await car(svc, owner, f"粤B7000{n}", insurance=days(10))
    await run(svc, deps, at(TODAY))
    by_customer = {r.customer_id: r for r in await rows(svc)}
    texts = {owner: by_customer[owner].payload["text"] for owner in (chosen, written, nothing)}
    assert "Car insurance" in texts[chosen] and "车险" in texts[written] and "車險" in texts[nothing]
    assert "粤B·70000" in texts[chosen]
    row = by_customer[chosen]
    buttons = [b for line in row.payload["reply_markup"]["inline_keyboard"] for b in line]
    assert [b["text"] for b in buttons] == ["📅 Book now", "🔢 Update odometer", "⏰ Remind me later",
                                            "🚫 Not my car anymore"]
    for button in buttons:
        assert len(button["callback_data"].encode()) <= 64
        assert svc.callbacks.unpack(9002, button["callback_data"]) is None  # signed for this customer only
    parsed = [svc.callbacks.unpack(9001, b["callback_data"]) for b in buttons]
    vehicle = str(row.idempotency_key.split(":")[1])
    assert [(p.action, p.args) for p in parsed if p] == [
        ("book", (vehicle, "ins")), ("odo", (vehicle,)), ("snooze", (vehicle, "ins")), ("gone", (vehicle,)),
    ]  # fmt: skip
    assert row.payload["parse_mode"] == "HTML" and row.chat_id == 9001


async def test_expiry_per_kind_and_overdue_items(svc: Services, deps: ReminderDeps) -> None:
    due_soon = await car(svc, await customer(svc, 1), "粤B80001", serviced=SERVICED)
    overdue = await car(svc, await customer(svc, 2), "粤B80002", serviced=(dt.date(2026, 4, 1), 20_000))
    await car(svc, await customer(svc, 3), "粤B80003", serviced=(dt.date(2025, 11, 1), 20_000))  # 210 days: stale
    report = await run(svc, deps, at(TODAY))
    expiry = {int(r.idempotency_key.split(":")[1]): r.expires_at for r in await rows(svc)}
    midnight = {car_id: at(day, "00:00") for car_id, day in ((due_soon, dt.date(2026, 12, 20)), (overdue, days(15)))}
    assert {car_id: utc(value) for car_id, value in expiry.items()} == midnight
    assert report.outcomes["stale"] == 1 and report.enqueued == 2
    overdue_row = next(r for r in await rows(svc) if r.idempotency_key.startswith(f"reminder:{overdue}:"))
    assert overdue_row.idempotency_key.endswith(":2026-10-01") and "已逾期" in overdue_row.payload["text"]


async def test_a_reminder_that_would_expire_before_morning_is_not_sent(svc: Services, deps: ReminderDeps) -> None:
    await car(svc, await customer(svc, 1), "粤B81001", insurance=TODAY)  # expiry days for insurance: 7
    strict = dataclasses.replace(deps, config=dataclasses.replace(deps.config, expiry_days={"insurance": 0}))
    report = await run(svc, strict, at(TODAY, "23:00"))
    assert (report.outcomes["too_late"], report.enqueued) == (1, 0)


async def test_a_dry_run_decides_the_same_and_writes_nothing(svc: Services, deps: ReminderDeps) -> None:
    owner = await customer(svc, 1)
    await car(svc, owner, "粤B90001", serviced=SERVICED)
    await car(svc, owner, "粤B90002", insurance=days(20))
    seen: list[ItemDecision] = []
    report = await sweep(svc.sessions, deps, at(TODAY, "22:00"), dry_run=True, on_item=seen.append)
    assert await rows(svc) == [] and report.enqueued == 0
    assert [(d.outcome, d.item.kind, d.car.plate_display) for d in seen] == [
        ("send", "service", "粤B·90001"), ("capped", "insurance", "粤B·90002"),
    ]  # fmt: skip
    assert seen[0].quiet_shifted and seen[0].not_before == at(days(1), "08:30")
    real = await run(svc, deps, at(TODAY, "22:00"))
    assert real.outcomes == report.outcomes and real.enqueued == 1


async def test_the_objects_set_aside_for_the_sweep_are_collected_again_after_it(
    svc: Services, deps: ReminderDeps
) -> None:
    """The sweep freezes what the process held before it (full collections skip it); after the sweep, failed or
    not, nothing stays frozen: cyclic garbage among those objects would never be freed."""
    await car(svc, await customer(svc, 1), "粤B91001", insurance=days(10))
    during: list[int] = []
    await sweep(svc.sessions, deps, at(TODAY), dry_run=True, on_item=lambda _: during.append(gc.get_freeze_count()))
    assert during and during[0] > 0 and gc.get_freeze_count() == 0

    def fail(_: ItemDecision) -> None:
        raise RuntimeError("a failing page")

    with pytest.raises(RuntimeError):
        await sweep(svc.sessions, deps, at(TODAY), dry_run=True, on_item=fail)
    assert gc.get_freeze_count() == 0


@pytest.mark.postgres
async def test_one_sweep_at_a_time_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path, database_url=pg_url))
    deps = ReminderDeps.from_services(services)
    await car(services, await customer(services, 1), "粤B99001", insurance=days(10))
    try:
        async with reminder_repo.sweep_lock(services.engine) as first:
            meanwhile = await run(services, deps, at(TODAY))
        after = await run(services, deps, at(TODAY))
    finally:
        await services.engine.dispose()
    assert first and meanwhile.skipped and meanwhile.enqueued == 0
    assert not after.skipped and after.enqueued == 1
