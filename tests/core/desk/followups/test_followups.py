"""The follow-up sweep with an injected clock: which visits get follow-ups, when they go out, and once only."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.core.desk.followups import repo as followup_repo
from bot.core.desk.followups import service as followups
from bot.core.services import Services, build_services
from bot.db.desk.followups.models import FollowUp
from bot.db.desk.handoff.models import Ticket
from bot.db.garage.models import Customer, ServiceVisit, Vehicle
from bot.db.outbox.models import Outbox
from scheduler import desk
from tests.conftest import make_settings

TZ = ZoneInfo("Asia/Shanghai")
USER = 801


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A dealer-time moment, in UTC as the sweep receives it."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ).astimezone(dt.UTC)


@pytest.fixture
async def services(database_url: str, tmp_path: Path) -> AsyncIterator[Services]:
    """On the migrated SQLite file and on a fresh PostgreSQL schema (conftest's database_url)."""
    settings = make_settings(tmp_path, database_url=database_url)  # Asia/Shanghai, quiet 21:00–08:30, at 10:00
    built = build_services(settings)
    yield built
    await built.engine.dispose()


async def add_visit(
    services: Services,
    user_id: int | None,
    visit_date: dt.date,
    *,
    plate: str = "粤B12345",
    language: str = "en",
    completed: bool = True,
    **customer: object,
) -> int:
    """A customer (on Telegram when `user_id` is given) with a car and one visit; returns the visit id."""
    async with services.sessions.begin() as session:
        owner = None
        if user_id is not None:
            owner = await session.scalar(select(Customer).where(Customer.telegram_user_id == user_id))
        if owner is None:
            owner = Customer(
                telegram_user_id=user_id, chat_id=user_id, first_name="Mei", language_code=language, **customer
            )
            session.add(owner)
            await session.flush()
        car = Vehicle(customer_id=owner.id, plate=plate, make="Toyota", model="Corolla")
        session.add(car)
        await session.flush()
        visit = ServiceVisit(
            visit_no=f"RO-{plate}-{visit_date}", vehicle_id=car.id, visit_date=visit_date, kind="maintenance",
            advisor="Wang", completed=completed,
        )  # fmt: skip
        session.add(visit)
        await session.flush()
        return visit.id


async def rows(services: Services) -> list[FollowUp]:
    async with services.sessions() as session:
        return list((await session.scalars(select(FollowUp).order_by(FollowUp.visit_id, FollowUp.stage))).all())


async def outbox_rows(services: Services) -> list[Outbox]:
    async with services.sessions() as session:
        return list((await session.scalars(select(Outbox).order_by(Outbox.id))).all())


def utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


async def test_a_recent_visit_gets_two_stages_once_and_each_is_enqueued_once(services: Services) -> None:
    visit = await add_visit(services, USER, dt.date(2026, 11, 25))
    now = local(2026, 11, 28, 10, 0)
    assert await followups.create(services, now) == 2
    assert await followups.create(services, now) == 0  # idempotent
    first, second = await rows(services)
    assert (first.stage, utc(first.due_at)) == (1, local(2026, 11, 28, 10, 0))
    assert (second.stage, utc(second.due_at)) == (2, local(2026, 12, 5, 10, 0))

    assert await followups.enqueue(services, now - dt.timedelta(minutes=1)) == 0  # not due yet
    assert await followups.enqueue(services, now) == 1
    assert await followups.enqueue(services, now) == 0
    [message] = await outbox_rows(services)
    assert (message.idempotency_key, message.kind, message.chat_id) == (f"follow_up:{visit}:1", "follow_up", USER)
    assert utc(message.not_before) == now
    assert "How is the car running?" in message.payload["text"] and "粤B·12345" in message.payload["text"]
    [buttons] = message.payload["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in buttons] == ["1 ⭐", "2 ⭐", "3 ⭐", "4 ⭐", "5 ⭐"]
    for n, button in enumerate(buttons, start=1):
        data = services.callbacks.unpack(USER, button["callback_data"])
        assert data is not None and (data.feature, data.action, data.args) == ("fu", "rate", (str(first.id), str(n)))
        assert services.callbacks.unpack(USER + 1, button["callback_data"]) is None  # signed for this customer only

    later = local(2026, 12, 5, 10, 0)
    assert await followups.tick(services, later) == 1  # nothing new to create, stage 2 enqueued
    assert await followups.tick(services, later) == 0
    keys = [row.idempotency_key for row in await outbox_rows(services)]
    assert keys == [f"follow_up:{visit}:1", f"follow_up:{visit}:2"]
    assert [row.status for row in await rows(services)] == ["sent", "sent"]


async def test_the_desk_tick_runs_the_follow_up_task(services: Services) -> None:
    await add_visit(services, USER, dt.date(2026, 11, 25))
    done = await desk.tick(services, local(2026, 11, 28, 11, 0))
    assert done["follow_ups"] == 3  # two rows created, stage 1 enqueued
    assert len(await outbox_rows(services)) == 1


async def test_imported_history_sends_nothing(services: Services) -> None:
    now = local(2026, 11, 28, 10, 0)
    for day, plate in ((dt.date(2019, 5, 1), "粤B00001"), (dt.date(2025, 11, 25), "粤B00002"),
                       (dt.date(2026, 11, 10), "粤B00003"), (dt.date(2026, 11, 21), "粤B00004")):  # fmt: skip
        await add_visit(services, USER, day, plate=plate)
    assert await followups.tick(services, now) == 0
    assert await rows(services) == [] and await outbox_rows(services) == []
    # Three days late is still fresh (stage 1 due 25 November 10:00); a day more is not (above, the 21st).
    fresh = await add_visit(services, USER, dt.date(2026, 11, 22), plate="粤B00005")
    assert await followups.tick(services, now) == 3
    assert [row.visit_id for row in await rows(services)] == [fresh, fresh]


async def test_only_customers_the_bot_may_write_to(services: Services) -> None:
    day = dt.date(2026, 11, 25)
    await add_visit(services, 802, day, plate="粤B00001", reminders_opt_out=True)
    await add_visit(services, 803, day, plate="粤B00002", unreachable_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    await add_visit(services, None, day, plate="粤B00003", phone="+8613800138000")  # imported, never on Telegram
    await add_visit(services, 804, day, plate="粤B00004", completed=False)  # still in the workshop
    released = await add_visit(services, 805, day, plate="粤B00005")
    async with services.sessions.begin() as session:
        car = await session.scalar(select(ServiceVisit.vehicle_id).where(ServiceVisit.id == released))
        await session.execute(update(Vehicle).where(Vehicle.id == car).values(released_at=dt.datetime.now(dt.UTC)))
    assert await followups.tick(services, local(2026, 11, 28, 10, 0)) == 0
    assert await rows(services) == []


async def test_opting_out_after_the_visit_skips_the_follow_up(services: Services) -> None:
    await add_visit(services, USER, dt.date(2026, 11, 25))
    assert await followups.create(services, local(2026, 11, 27)) == 2
    async with services.sessions.begin() as session:
        await session.execute(update(Customer).values(reminders_opt_out=True))
    assert await followups.enqueue(services, local(2026, 11, 28, 10, 0)) == 0
    assert [row.status for row in await rows(services)] == ["skipped", "pending"]
    assert await outbox_rows(services) == []


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(2026, 11, 28, 23, 30), local(2026, 11, 29, 8, 30)),  # late evening: tomorrow morning
        (local(2026, 11, 29, 0, 30), local(2026, 11, 29, 8, 30)),  # after midnight: this morning
        (local(2026, 11, 29, 8, 30), local(2026, 11, 29, 8, 30)),  # the window's end itself is not quiet
    ],
)
async def test_quiet_hours_across_midnight(services: Services, now: dt.datetime, expected: dt.datetime) -> None:
    await add_visit(services, USER, dt.date(2026, 11, 25))  # stage 1 due 28 November 10:00; the bot was down
    assert await followups.tick(services, now) == 3
    [message] = await outbox_rows(services)
    assert utc(message.not_before) == expected


async def test_stage_two_is_skipped_when_stage_one_opened_a_complaint(services: Services) -> None:
    visit = await add_visit(services, USER, dt.date(2026, 11, 25))
    await followups.tick(services, local(2026, 11, 28, 10, 0))
    async with services.sessions.begin() as session:
        customer = await session.scalar(select(Customer.id))
        ticket = Ticket(customer_id=customer, kind="complaint", trigger="follow_up")
        session.add(ticket)
        await session.flush()
        await session.execute(update(FollowUp).where(FollowUp.stage == 1).values(ticket_id=ticket.id, rating=2))
    assert await followups.tick(services, local(2026, 12, 5, 10, 0)) == 0
    assert [row.status for row in await rows(services)] == ["sent", "skipped"]
    assert [row.idempotency_key for row in await outbox_rows(services)] == [f"follow_up:{visit}:1"]


async def test_a_follow_up_long_overdue_after_downtime_is_skipped(services: Services) -> None:
    await add_visit(services, USER, dt.date(2026, 11, 25))
    await followups.create(services, local(2026, 11, 28, 9, 0))
    assert await followups.enqueue(services, local(2026, 12, 2, 10, 1)) == 0  # 4 days late
    assert [row.status for row in await rows(services)] == ["skipped", "pending"]


@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hant", ("車子開起來還好嗎", "粤B·12345")), ("zh-hans", ("车子开起来还好吗",)), ("en", ("How is the car",))],
)
async def test_the_question_is_in_the_customers_language(services: Services, language: str, words: tuple[str]) -> None:
    await add_visit(services, USER, dt.date(2026, 11, 25), language=language)
    await followups.tick(services, local(2026, 11, 28, 10, 0))
    [message] = await outbox_rows(services)
    assert all(word in message.payload["text"] for word in words)


async def test_a_rating_changes_only_when_going_back_and_only_from_a_good_one(services: Services) -> None:
    await add_visit(services, USER, dt.date(2026, 11, 25))
    await followups.tick(services, local(2026, 11, 28, 10, 0))
    [first, _second] = await rows(services)
    now = local(2026, 11, 28, 11, 0)

    async def rate(rating: int, change: bool) -> str:
        return (await followups.rate(services, USER, first.id, rating, now, change=change)).outcome

    assert await rate(4, change=True) == "already"  # nothing to change yet
    assert await rate(5, change=False) == "recorded"
    assert await rate(4, change=False) == "already"  # a rating button counts once
    assert await rate(4, change=True) == "recorded"
    async with services.sessions.begin() as session:  # a second press racing the first: from 5, no longer there
        assert not await followup_repo.change_rating(session, first.id, 5, 3)
    assert (await rows(services))[0].rating == 4
    changed = await followups.rate(services, USER, first.id, 2, now, change=True)
    assert (changed.outcome, changed.alert) == ("recorded", True)
    assert await rate(5, change=True) == "already"  # a low rating went to the advisors: it stays
    assert [(row.rating, row.status) for row in await rows(services)] == [(2, "answered"), (None, "pending")]
    assert (await followups.rate(services, USER + 1, first.id, 5, now, change=True)).outcome == "not_yours"
