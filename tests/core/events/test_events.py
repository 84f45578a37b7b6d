"""RSVPs: capacity held by the database, the waiting list and its promotion, closing at the start, check-in,
the day-before reminder; the race for the last places on PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select

from bot.core.events import notices
from bot.core.events import service as events
from bot.core.events.service import EventDraft, EventError
from bot.core.services import Services, build_services
from bot.db.engine import create_engine, session_factory
from bot.db.events.models import Event
from bot.db.garage.models import Customer
from bot.db.outbox.models import Outbox
from tests.conftest import make_settings
from tests.core.campaigns.conftest import NOW

STARTS = dt.datetime(2026, 12, 20, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai


def _draft(capacity: int = 2, **changes: object) -> EventDraft:
    values: dict[str, object] = dict(titles={"zh-Hant": "冬季免費檢測週", "en": "Free winter check week"},
                                      descriptions={"en": "30-point check"}, branch="futian", place="Workshop",
                                      starts_at=STARTS, ends_at=STARTS + dt.timedelta(hours=8), capacity=capacity,
                                      offer="inspection_week")  # fmt: skip
    values.update(changes)
    return EventDraft(**values)  # type: ignore[arg-type]


async def _setup(services: Services, capacity: int, customers: int) -> tuple[int, list[int]]:
    async with services.sessions.begin() as session:
        event = await events.create(session, _draft(capacity), ["futian"], now=NOW)
        people = [Customer(telegram_user_id=2000 + i, chat_id=2000 + i, first_name=f"c{i}") for i in range(customers)]
        session.add_all(people)
        await session.flush()
        return event.id, [p.id for p in people]


async def _answer(services: Services, event_id: int, customer_id: int, wanted: str,
                  now: dt.datetime = NOW) -> events.RsvpResult:  # fmt: skip
    async with services.sessions.begin() as session:
        return await events.answer(session, event_id, customer_id, wanted, now)


async def test_capacity_waiting_list_and_promotion(services_on: Services) -> None:
    event_id, (a, b, c) = await _setup(services_on, 2, 3)
    assert (await _answer(services_on, event_id, a, "going")).answer == "going"
    assert (await _answer(services_on, event_id, b, "going")).answer == "going"
    assert (await _answer(services_on, event_id, c, "going")).answer == "waiting"  # a late "going" waits
    assert (await _answer(services_on, event_id, c, "going")).answer == "waiting"  # pressing again changes nothing
    left = await _answer(services_on, event_id, a, "no")
    assert (left.answer, left.previous, left.promoted) == ("no", "going", c)
    async with services_on.sessions() as session:
        event = await session.get(Event, event_id)
        assert event is not None and event.going == 2
        going = await events.attendees(session, event_id, ("going",))
    assert {x.customer_id for x in going} == {b, c}
    assert await notices.promoted(services_on, event_id, c, NOW) == 1


async def test_answers_close_when_the_event_starts(services_on: Services) -> None:
    event_id, (a,) = await _setup(services_on, 2, 1)
    assert (await _answer(services_on, event_id, a, "maybe", STARTS)).answer == "closed"


async def test_check_in_and_the_day_before_reminder(services_on: Services) -> None:
    event_id, (a, b) = await _setup(services_on, 5, 2)
    await _answer(services_on, event_id, a, "going")
    await _answer(services_on, event_id, b, "maybe")
    async with services_on.sessions.begin() as session:
        assert await events.check_in(session, event_id, a, 9003, NOW)
        assert not await events.check_in(session, event_id, a, 9003, NOW)  # once
    day_before = dt.datetime(2026, 12, 19, 2, 30, tzinfo=dt.UTC)  # 10:30 the day before
    assert await notices.day_before(services_on, day_before - dt.timedelta(hours=1)) == 0  # 09:30: not yet
    assert await notices.day_before(services_on, day_before) == 1  # only the one going
    assert await notices.day_before(services_on, day_before + dt.timedelta(hours=2)) == 0  # once
    async with services_on.sessions() as session:
        row = (await session.execute(select(Outbox))).scalar_one()
    assert row.idempotency_key == f"event:{event_id}:{a}:day_before" and "冬季免費檢測週" in row.payload["text"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"branch": "moon"}, "branch"), ({"capacity": 0}, "capacity"), ({"offer": "free beer"}, "offer"),
     ({"titles": {"en": " "}}, "title"), ({"ends_at": STARTS}, "ends"),
     ({"starts_at": NOW - dt.timedelta(days=1)}, "starts")],
)  # fmt: skip
async def test_bad_events_are_refused(services_on: Services, changes: dict[str, object], field: str) -> None:
    async with services_on.sessions.begin() as session:
        with pytest.raises(EventError) as error:
            await events.create(session, _draft(**changes), ["futian"], now=NOW)
    assert error.value.field == field


@pytest.mark.postgres
async def test_the_race_for_the_last_places_on_postgresql(pg_url: str, tmp_path: object) -> None:
    """20 customers press "going" at once for 5 places on separate connections: exactly 5 go, 15 wait."""
    services = build_services(make_settings(tmp_path, database_url=pg_url))  # type: ignore[arg-type]
    try:
        event_id, people = await _setup(services, 5, 20)
        engines = [create_engine(pg_url) for _ in range(4)]

        async def press(i: int, customer_id: int) -> str:
            async with session_factory(engines[i % 4]).begin() as session:
                return (await events.answer(session, event_id, customer_id, "going", NOW)).answer

        answers = await asyncio.gather(*(press(i, c) for i, c in enumerate(people)))
        assert sorted(answers).count("going") == 5 and answers.count("waiting") == 15
        async with services.sessions() as session:
            event = await session.get(Event, event_id)
            assert event is not None and event.going == 5
        for engine in engines:
            await engine.dispose()
    finally:
        await services.engine.dispose()


async def test_a_forgotten_customers_place_goes_to_the_waiting_list(services_on: Services) -> None:
    from bot.core.privacy import service as privacy

    event_id, (a, b) = await _setup(services_on, 1, 2)
    await _answer(services_on, event_id, a, "going")
    assert (await _answer(services_on, event_id, b, "going")).answer == "waiting"
    async with services_on.sessions.begin() as session:
        gone = await session.get(Customer, a)
        assert gone is not None
        await privacy.forget(session, gone.telegram_user_id, gone.chat_id)  # type: ignore[arg-type]
    assert await notices.reconcile(services_on, NOW) == 1  # b is told a place is theirs
    async with services_on.sessions() as session:
        event = await session.get(Event, event_id)
        going = await events.attendees(session, event_id, ("going",))
    assert event is not None and event.going == 1 and [x.customer_id for x in going] == [b]
    assert await notices.reconcile(services_on, NOW) == 0
