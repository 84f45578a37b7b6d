"""Issue 12, item 8: "Add a car" never overwrites the dealer's record: the customer's own plate and another
customer's are refused at the plate step, and a make must be one the bot knows (or "other")."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from telegram.ext import Application

from bot.db.garage.models import Vehicle
from tests.botapi.engine import BotApiEngine
from tests.handlers.garage.helpers import label, link, seed, services
from tests.handlers.harness import Customer

ME, THEM = 911, 912


async def facts(app: Application, plate: str) -> tuple[object, ...]:  # type: ignore[type-arg]
    async with services(app).sessions() as session:
        car = (await session.scalars(select(Vehicle).where(Vehicle.plate == plate))).one()
        return car.customer_id, car.make, car.model, car.delivery_date


async def test_my_own_plate_is_refused_at_the_plate_step_and_nothing_changes(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    await seed(app, "+8613826514417", ("粤B88888",))
    me = Customer(app, engine, ME, "en")
    await link(me, "en", "8613826514417")
    before = await facts(app, "粤B88888")
    await me.press(label(app, "en", "mycar_add"))
    [refused] = await me.say("粵b 88888")
    assert "already one of your cars" in refused["text"]
    [answer] = await me.say("<script>alert(1)</script>")  # the flow is over: this is no make
    assert "script" not in (await facts(app, "粤B88888"))[1]
    assert await facts(app, "粤B88888") == before and answer


async def test_another_customers_plate_is_refused_at_the_plate_step(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    await seed(app, "+8613928740653", ("粤B67890",))
    them = Customer(app, engine, THEM, "en")
    await link(them, "en", "8613928740653")
    me = Customer(app, engine, ME, "en")
    await link(me, "en", "8613900000001")
    await me.press(label(app, "en", "mycar_add"))
    [refused] = await me.say("粤B 67890")
    assert "registered to another customer" in refused["text"]


async def test_a_make_must_be_known_or_other(app_engine: tuple[Application, BotApiEngine]) -> None:  # type: ignore[type-arg]
    app, engine = app_engine
    me = Customer(app, engine, ME, "en")
    await link(me, "en", "8613900000001")
    await me.press(label(app, "en", "mycar_add"))
    [make] = await me.say("粤B 24680")
    assert "Other make" in [text for text, _ in me.buttons(make)]
    [again] = await me.say("<script>alert(1)</script>")
    assert "choose one of the makes" in again["text"]
    [model] = await me.press("Other make")
    assert "Other" in model["text"]
    await me.say("Corolla")
    await me.say("2024-03-01")
    await me.say("12000")
    async with services(app).sessions() as session:
        car = (await session.scalars(select(Vehicle).where(Vehicle.plate == "粤B24680"))).one()
    assert (car.make, car.model, car.delivery_date) == ("Other", "Corolla", dt.date(2024, 3, 1))
