"""Issue 12, item 9: a car on file without an owner is claimed only with the VIN's last six (or by the desk),
and an earlier owner's visits are never shown to the advisors after the claim."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from telegram.ext import Application

from bot.core.desk.roadside import repo as roadside_repo
from bot.db.garage.models import Customer as CustomerRow
from bot.db.garage.models import ServiceVisit, Vehicle
from tests.botapi.engine import BotApiEngine
from tests.handlers.garage.helpers import label, link, seed, services
from tests.handlers.harness import Customer

ME = 921
VIN = "LVGBE40K8GP123456"


async def released_car(app: Application) -> int:  # type: ignore[type-arg]
    """An imported car whose owner released it, with a visit of theirs carrying notes."""
    seeded = await seed(app, "+8613826514417", ("粤B88888",))
    async with services(app).sessions.begin() as session:
        await session.execute(update(Vehicle).values(vin=VIN, released_at=dt.datetime.now(dt.UTC),
                                                     insurance_expiry=dt.date(2027, 5, 1)))  # fmt: skip
        await session.execute(update(ServiceVisit).values(work_done="previous owner's notes"))
    return seeded.vehicle_ids[0]


async def start(app: Application, engine: BotApiEngine) -> Customer:  # type: ignore[type-arg]
    me = Customer(app, engine, ME, "en")
    await link(me, "en", "8613900000001")
    await me.press(label(app, "en", "mycar_add"))
    return me


async def test_a_stranger_cannot_take_a_released_car_by_its_plate(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    car = await released_car(app)
    me = await start(app, engine)
    [ask] = await me.say("粤B 88888")
    assert "last 6 characters of its VIN" in ask["text"] and "2027" not in ask["text"]
    [refused] = await me.say("000000")
    assert "could not confirm it is yours" in refused["text"] and "2027" not in refused["text"]
    async with services(app).sessions() as session:
        owner = (await session.scalars(select(Vehicle.customer_id).where(Vehicle.id == car))).one()
    assert owner is not None  # still the earlier owner's row, released: nobody new took it
    async with services(app).sessions() as session:
        released = (await session.scalars(select(Vehicle.released_at).where(Vehicle.id == car))).one()
    assert released is not None


async def test_the_vin_claims_it_and_the_earlier_history_stays_hidden(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    car = await released_car(app)
    me = await start(app, engine)
    await me.say("粤B 88888")
    [odometer] = await me.say("123456")
    assert "kilometres" in odometer["text"]  # make, model and delivery date come from the file
    await me.say("16000")
    async with services(app).sessions() as session:
        row = (await session.scalars(select(Vehicle).where(Vehicle.id == car))).one()
        mine = (await session.scalars(select(CustomerRow.id).where(CustomerRow.telegram_user_id == ME))).one()
        card = await roadside_repo.card(session, mine, "en")
    assert row.customer_id == mine and row.make == "Toyota" and row.owner_since is not None
    assert card is not None and card.last_visit is None  # the earlier owner's visit is not theirs to see
