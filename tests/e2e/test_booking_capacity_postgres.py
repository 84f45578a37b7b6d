"""On PostgreSQL, as in production with several replicas: customers on three engines race for the last place
of a slot; exactly one gets it, the others are told it is full and nothing of theirs is stored."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.desk.booking.service import BookingDesk, SlotFull
from bot.db.desk.booking.models import Appointment, SlotUsage
from bot.db.engine import create_engine, session_factory
from tests.core.desk.booking.test_booking_capacity import DAY, DEALER, add_customers, booking

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture
async def engines(pg_url: str) -> AsyncIterator[list[AsyncEngine]]:
    made = [create_engine(pg_url) for _ in range(3)]
    yield made
    for engine in made:
        await engine.dispose()


async def test_replicas_racing_for_the_last_drop_off_place(engines: list[AsyncEngine]) -> None:
    desks = [BookingDesk(session_factory(engine), DEALER, auto_confirm=False) for engine in engines]
    user_ids = list(range(200, 215))
    await add_customers(desks[0].sessions, 199, *user_ids)
    await desks[0].book(199, booking(mode="drop_off"))  # one of the two bays taken: one place left
    attempts = [desks[n % 3].book(user, booking(mode="drop_off")) for n, user in enumerate(user_ids)]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    won = [r for r in results if not isinstance(r, BaseException)]
    assert len(won) == 1 and all(isinstance(r, SlotFull) for r in results if isinstance(r, BaseException)), results
    async with desks[1].sessions() as session:
        booked = (await session.execute(select(func.count()).select_from(Appointment))).scalar_one()
        rows = (await session.execute(select(SlotUsage).where(SlotUsage.day == DAY))).scalars()
        used = {(r.slot, r.mode): (r.used, r.capacity) for r in rows}
    assert booked == 2
    assert used[("08:30", "drop_off")] == (2, 2) and used[("08:30", "*")] == (2, 2) and used[("*", "*")] == (2, 7)
    assert await desks[2].modes_left("nanshan", DAY, "08:30") == []  # and waiting is out too: the bays are full


async def test_crosswise_moves_and_cancels_at_once_neither_deadlock_nor_miscount(engines: list[AsyncEngine]) -> None:
    desks = [BookingDesk(session_factory(engine), DEALER, auto_confirm=False) for engine in engines]
    days, slots = (DAY, DAY + dt.timedelta(days=1)), ("08:30", "10:00", "13:30", "15:00")
    places = [(days[n % 2], slots[n % 4]) for n in range(8)]
    await add_customers(desks[0].sessions, *range(300, 308))
    booked = [await desks[0].book(300 + n, booking(slot, "drop_off", day)) for n, (day, slot) in enumerate(places)]
    # Everyone moves to the other day (Tuesday's to Wednesday and back), and two race a cancel of their own.
    moves = [desks[n % 3].reschedule(300 + n, a.id, days[(n + 1) % 2], a.slot) for n, a in enumerate(booked)]
    cancels = [desks[(n + 1) % 3].cancel(300 + n, booked[n].id, "race") for n in range(2)]
    results = await asyncio.gather(*moves, *cancels, return_exceptions=True)
    assert not [r for r in results if isinstance(r, BaseException) and not isinstance(r, SlotFull)], results
    async with desks[1].sessions() as session:
        kept = (await session.execute(select(Appointment).where(Appointment.status != "cancelled"))).scalars()
        held = Counter((a.day, a.slot) for a in kept)
        rows = (await session.execute(select(SlotUsage))).scalars()
        used = {(r.day, r.slot, r.mode): r.used for r in rows}
    for day in days:
        assert used[(day, "*", "*")] == sum(n for (d, _), n in held.items() if d == day)
        for slot in slots:
            assert used.get((day, slot, "drop_off"), 0) == held[(day, slot)]
