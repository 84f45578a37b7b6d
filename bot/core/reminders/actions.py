"""What a reminder's buttons do (no telegram import): snooze, "not my car anymore", the booking summary.

Every action first checks that the car is still the pressing customer's (the callback signature says the
button was sent to them, not that the car has not changed hands since). None means it is not: the handler
refuses the button and nothing changes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.garage import records
from bot.core.garage.due import DueItem, DueKind
from bot.core.reminders import repo as reminder_repo
from bot.core.reminders.message import CarView
from bot.core.reminders.policy import ReminderDeps
from bot.core.reminders.sweep import car_items
from bot.db.garage.models import Vehicle


async def _owned(session: AsyncSession, telegram_user_id: int, vehicle_id: int) -> tuple[int, CarView] | None:
    """(customer id, car) when the car is this Telegram user's, else None."""
    owner = await reminder_repo.owner_of(session, vehicle_id)
    if owner is None or owner[1] != telegram_user_id:
        return None
    customer_id, _, plate, make, model = owner
    return customer_id, CarView(vehicle_id, plate, make, model)


async def car_view(
    sessions: async_sessionmaker[AsyncSession], telegram_user_id: int, vehicle_id: int
) -> CarView | None:
    """The customer's car; None when it is not theirs (any more)."""
    async with sessions() as session:
        owned = await _owned(session, telegram_user_id, vehicle_id)
    return None if owned is None else owned[1]


async def due_for(
    sessions: async_sessionmaker[AsyncSession], deps: ReminderDeps, telegram_user_id: int, vehicle_id: int,
    today: dt.date,
) -> tuple[CarView, list[DueItem]] | None:
    """The customer's car and everything due for it; None when it is not theirs (any more)."""
    car = await car_view(sessions, telegram_user_id, vehicle_id)
    found = None if car is None else await car_items(sessions, deps, vehicle_id, today)
    return None if car is None or found is None else (car, found[1])


async def snooze(
    sessions: async_sessionmaker[AsyncSession], telegram_user_id: int, vehicle_id: int, kind: DueKind, until: dt.date
) -> CarView | None:
    """Hold this car's `kind` reminders until `until`; None (nothing changed) when the car is not theirs."""
    async with sessions.begin() as session:
        owned = await _owned(session, telegram_user_id, vehicle_id)
        if owned is not None:
            await reminder_repo.snooze(session, vehicle_id, kind, until)
    return None if owned is None else owned[1]


async def release(
    sessions: async_sessionmaker[AsyncSession], telegram_user_id: int, vehicle_id: int
) -> CarView | None:
    """"Not my car anymore": the car leaves the customer's record and its unsent reminders are dropped."""
    async with sessions.begin() as session:
        owned = await _owned(session, telegram_user_id, vehicle_id)
        if owned is None or not await records.release_vehicle(session, owned[0], vehicle_id):
            return None
        await reminder_repo.drop_pending_reminders(session, vehicle_id, "the customer said it is not their car")
    return owned[1]


async def renewal_request(
    sessions: async_sessionmaker[AsyncSession], telegram_user_id: int, vehicle_id: int
) -> tuple[CarView, dt.date | None] | None:
    """An insurance reminder's "book now": the customer's car and its policy's expiry on record; None when the
    car is not theirs (any more)."""
    async with sessions() as session:
        owned = await _owned(session, telegram_user_id, vehicle_id)
        if owned is None:
            return None
        vehicle = await session.get(Vehicle, vehicle_id)
    return owned[1], vehicle.insurance_expiry if vehicle is not None else None
