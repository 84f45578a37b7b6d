"""Places are counted in the database: taken with the appointment, given back on cancel and move, never past
capacity, and customers racing for the last place get it exactly once. On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common import customers
from bot.core.common.dealer import Dealer
from bot.core.common.settings import ROOT
from bot.core.desk.booking.service import BookingDesk, NewBooking, SlotFull
from bot.db.desk.booking.models import Appointment, SlotUsage

DEALER = Dealer.load(ROOT / "knowledge" / "dealer.yaml")
DAY = dt.date(2026, 12, 1)  # a Tuesday: Nanshan's slots 08:30, 10:00, 13:30, 15:00; 1 waiting, 2 drop-off, 2 bays
Sessions = async_sessionmaker[AsyncSession]


async def add_customers(sessions: Sessions, *user_ids: int) -> None:
    async with sessions.begin() as session:
        for user_id in user_ids:
            await customers.touch_customer(session, user_id, user_id, "Mei", "zh-hant")


def booking(slot: str = "08:30", mode: str = "waiting", day: dt.date = DAY) -> NewBooking:
    return NewBooking(branch="nanshan", service_type="maintenance", day=day, slot=slot, mode=mode, plate="粤B12345")


async def usage(sessions: Sessions) -> dict[tuple[str, str], int]:
    async with sessions() as session:
        rows = (await session.execute(select(SlotUsage).where(SlotUsage.day == DAY))).scalars()
        return {(r.slot, r.mode): r.used for r in rows}


async def test_places_are_taken_per_mode_per_slot_and_per_day(sessions: Sessions) -> None:
    desk = BookingDesk(sessions, DEALER, auto_confirm=False)
    await add_customers(sessions, 1, 2, 3)
    first = await desk.book(1, booking())
    assert first.status == "requested" and first.vehicle_id is None
    with pytest.raises(SlotFull):
        await desk.book(2, booking())  # one waiting place per slot
    await desk.book(2, booking(mode="drop_off"))
    with pytest.raises(SlotFull):
        await desk.book(3, booking(mode="drop_off"))  # two bays per slot: both taken
    expected = {("08:30", "waiting"): 1, ("08:30", "drop_off"): 1, ("08:30", "*"): 2, ("*", "*"): 2}
    assert await usage(sessions) == expected
    assert len(await desk.upcoming(3, DAY)) == 0


async def test_the_daily_cap_holds_across_slots(sessions: Sessions) -> None:
    desk = BookingDesk(sessions, DEALER, auto_confirm=True)
    await add_customers(sessions, *range(1, 10))
    taken = 0
    for user_id, (slot, mode) in enumerate(
        [(s, m) for s in ("08:30", "10:00", "13:30", "15:00") for m in ("waiting", "drop_off")], start=1
    ):
        try:
            await desk.book(user_id, booking(slot, mode))
            taken += 1
        except SlotFull:
            pass
    assert taken == 7  # Nanshan's daily cap, though the slots would hold 8
    assert (await usage(sessions))[("*", "*")] == 7
    assert [o.slot for o in await desk.offers("nanshan", DAY, dt.datetime(2026, 11, 28, tzinfo=dt.UTC))] == []


async def test_cancel_gives_the_place_back_and_a_move_keeps_the_old_place_until_the_new_one_is_taken(
    sessions: Sessions,
) -> None:
    desk = BookingDesk(sessions, DEALER, auto_confirm=False)
    await add_customers(sessions, 1, 2)
    mine = await desk.book(1, booking("08:30"))
    theirs = await desk.book(2, booking("10:00"))
    with pytest.raises(SlotFull):
        await desk.reschedule(1, mine.id, DAY, "10:00")  # 10:00's waiting place is taken
    assert (await usage(sessions))[("08:30", "waiting")] == 1  # still holds its old place
    assert await desk.reschedule(2, mine.id, DAY, "13:30") is None  # not theirs
    moved = await desk.reschedule(1, mine.id, DAY, "13:30")
    assert moved is not None and moved.slot == "13:30" and moved.status == "requested"
    counts = await usage(sessions)
    assert counts[("08:30", "waiting")] == 0 and counts[("13:30", "waiting")] == 1 and counts[("*", "*")] == 2
    assert await desk.cancel(1, theirs.id, "time") is None  # not theirs
    cancelled = await desk.cancel(2, theirs.id, "The time doesn't suit me")
    assert cancelled is not None and cancelled.status == "cancelled"
    assert await desk.cancel(2, theirs.id, "again") is None  # cancelling twice gives back nothing twice
    counts = await usage(sessions)
    assert counts[("10:00", "waiting")] == 0 and counts[("*", "*")] == 1


async def test_the_database_refuses_more_than_capacity_even_from_a_careless_writer(sessions: Sessions) -> None:
    desk = BookingDesk(sessions, DEALER, auto_confirm=False)
    await add_customers(sessions, 1)
    await desk.book(1, booking())
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            await session.execute(update(SlotUsage).values(used=SlotUsage.used + 1))


@pytest.mark.parametrize("racers", [8])
async def test_customers_racing_for_the_last_place_get_it_exactly_once(sessions: Sessions, racers: int) -> None:
    desk = BookingDesk(sessions, DEALER, auto_confirm=False)
    user_ids = list(range(100, 100 + racers))
    await add_customers(sessions, *user_ids)
    results = await asyncio.gather(*(desk.book(u, booking()) for u in user_ids), return_exceptions=True)
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1 and all(isinstance(r, SlotFull) for r in lost), results
    async with sessions() as session:
        stored = list((await session.execute(select(Appointment))).scalars())
    assert [a.customer_id for a in stored] == [won[0].customer_id]  # the losers stored nothing
    assert await usage(sessions) == {("08:30", "waiting"): 1, ("08:30", "*"): 1, ("*", "*"): 1}


async def test_racing_cancels_and_moves_of_one_appointment_give_its_place_back_once(sessions: Sessions) -> None:
    desk = BookingDesk(sessions, DEALER, auto_confirm=False)
    await add_customers(sessions, 1, 2)
    mine = await desk.book(1, booking("08:30", "drop_off"))
    await desk.book(2, booking("08:30", "drop_off"))
    results = await asyncio.gather(
        desk.cancel(1, mine.id, "a"), desk.cancel(1, mine.id, "b"), desk.reschedule(1, mine.id, DAY, "10:00")
    )
    assert sum(r is not None for r in results) == 1, results
    counts = await usage(sessions)
    assert counts[("08:30", "drop_off")] == 1  # the other customer's place is still counted
    assert counts[("*", "*")] == (2 if results[2] is not None else 1)
