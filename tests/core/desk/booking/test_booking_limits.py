"""Issue 12, items 1 and 3 in the booking service, on SQLite and PostgreSQL: one draft confirmed many times at
once books once; active bookings are limited per customer and per plate (one a day), also under a race."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select

from bot.core.desk.booking.service import BookingDesk, NewBooking, SlotFull, TooManyBookings
from bot.db.desk.booking.models import Appointment, SlotUsage
from tests.core.desk.booking.test_booking_capacity import DAY, DEALER, Sessions, add_customers, booking

TODAY = DAY - dt.timedelta(days=7)
SLOTS = ("08:30", "10:00", "13:30", "15:00")


def desk(sessions: Sessions, per_customer: int = 3, per_car: int = 2) -> BookingDesk:
    return BookingDesk(sessions, DEALER, auto_confirm=False, max_per_customer=per_customer, max_per_car=per_car)


def plated(slot: str, day: dt.date, n: int) -> NewBooking:
    """A drop-off booking of the n-th car (each its own plate)."""
    return dataclasses.replace(booking(slot, "drop_off", day), plate=f"粤B2000{n}")


async def counted(sessions: Sessions) -> tuple[int, int]:
    """(appointments, places used / 3): each booking takes three counters ((slot, mode), the slot, the day)."""
    async with sessions() as session:
        rows = (await session.execute(select(func.count()).select_from(Appointment))).scalar_one()
        used = (await session.execute(select(func.coalesce(func.sum(SlotUsage.used), 0)))).scalar_one()
    return int(rows), int(used) // 3


async def test_one_draft_confirmed_five_times_at_once_books_once(sessions: Sessions) -> None:
    await add_customers(sessions, 1)
    draft = dataclasses.replace(booking(mode="drop_off"), draft_key="d" * 32)
    results = await asyncio.gather(*(desk(sessions).book_draft(1, draft, today=TODAY) for _ in range(5)))
    assert len({found.id for found, _ in results}) == 1
    assert sorted(new for _, new in results) == [False, False, False, False, True]
    assert await counted(sessions) == (1, 1)


async def test_the_third_booking_of_one_customer_is_refused(sessions: Sessions) -> None:
    await add_customers(sessions, 1)
    service = desk(sessions, per_customer=2, per_car=5)
    for n in range(2):
        await service.book_draft(1, plated(SLOTS[n], DAY, n), today=TODAY)
    with pytest.raises(TooManyBookings) as refused:
        await service.book_draft(1, plated(SLOTS[2], DAY, 2), today=TODAY)
    assert refused.value.reason == "customer" and refused.value.limit == 2
    assert await counted(sessions) == (2, 2)  # the refused booking's place was given back
    # Past bookings do not count: from a later "today", the two are history.
    later = DAY + dt.timedelta(days=1)
    await service.book_draft(1, booking(SLOTS[0], "drop_off", later), today=later)


async def test_one_plate_once_a_day_and_at_most_the_limit(sessions: Sessions) -> None:
    await add_customers(sessions, 1, 2)
    service = desk(sessions, per_customer=10, per_car=2)
    await service.book_draft(1, booking(SLOTS[0], "drop_off"), today=TODAY)
    with pytest.raises(TooManyBookings) as same_day:
        await service.book_draft(2, booking(SLOTS[1], "drop_off"), today=TODAY)  # another account, same plate
    assert same_day.value.reason == "car_day"
    await service.book_draft(1, booking(SLOTS[0], "drop_off", DAY + dt.timedelta(days=1)), today=TODAY)
    with pytest.raises(TooManyBookings) as third:
        await service.book_draft(1, booking(SLOTS[0], "drop_off", DAY + dt.timedelta(days=2)), today=TODAY)
    assert third.value.reason == "car"
    assert await service.other_days_of_car("粤B12345", TODAY) == [DAY, DAY + dt.timedelta(days=1)]
    assert await counted(sessions) == (2, 2)


async def test_one_customer_racing_many_bookings_gets_no_more_than_the_limit(sessions: Sessions) -> None:
    """Eight bookings of one account at once (another replica each, as far as the database knows)."""
    await add_customers(sessions, 1)
    service = desk(sessions, per_customer=3, per_car=8)
    days = [DAY + dt.timedelta(days=n) for n in range(2)]
    attempts = [service.book_draft(1, plated(SLOTS[n % 4], days[n // 4], n), today=TODAY) for n in range(8)]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    unexpected = [r for r in results if isinstance(r, BaseException) and not isinstance(r, TooManyBookings | SlotFull)]
    assert not unexpected, unexpected
    booked, places = await counted(sessions)
    assert booked == places <= 3
    assert booked == 3
