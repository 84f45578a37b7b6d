"""/mycar's buttons against forgery: data not signed for the presser, another customer's car in signed data,
the reminders' "update odometer" button, and a registration that survives a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.app import build_application
from bot.db.garage.models import OdometerReading, Vehicle
from tests.botapi.engine import BotApiEngine
from tests.botapi.recording import RecordingRequest
from tests.conftest import make_settings
from tests.handlers.garage.helpers import label, link, seed, services
from tests.handlers.harness import Customer, build

ME, THEM = 901, 902



@pytest.fixture
async def two(app_engine: tuple[Application, BotApiEngine]) -> tuple[Customer, Customer, int, int]:  # type: ignore[type-arg]
    """Two linked customers, one car each: (me, them, my car, their car)."""
    app, engine = app_engine
    mine = await seed(app, "+8613826514417", ("粤B12345",))
    theirs = await seed(app, "+8613928740653", ("粤B67890",))
    me, them = Customer(app, engine, ME, "en"), Customer(app, engine, THEM, "en")
    await link(me, "en", "8613826514417")
    await link(them, "en", "8613928740653")
    return me, them, mine.vehicle_ids[0], theirs.vehicle_ids[0]


def signed(customer: Customer, *parts: str) -> str:
    """Callback data signed for this customer, as the bot would make it."""
    return services(customer.app).callbacks.pack(customer.user.id, *parts)


async def refused(customer: Customer, data: str) -> None:
    query_id, messages = await customer.press_data(data)
    answer = customer.engine.callback_answer(query_id)
    assert messages == [] and answer is not None and answer.get("show_alert")


async def test_forged_and_foreign_buttons_change_nothing(two: tuple[Customer, Customer, int, int]) -> None:
    me, them, mine, theirs = two
    for forged in (f"mycar:odo:{mine}:AAAAAAAA", f"mycar:gone_yes:{mine}:forged00", "mycar:add", "rem:odo:1"):
        await refused(me, forged)
    await refused(me, signed(them, "mycar", "gone_yes", str(mine)))  # signed for someone else
    for action in ("odo", "gone", "gone_yes"):  # signed for me, but their car
        await refused(me, signed(me, "mycar", action, str(theirs)))
    await refused(me, signed(me, "rem", "odo", str(theirs)))
    await refused(me, signed(me, "mycar", "make", "Toyota"))  # a make button outside the make question
    async with services(me.app).sessions() as session:
        released = (await session.execute(select(Vehicle.released_at))).scalars().all()
        readings = (await session.execute(select(OdometerReading.km))).scalars().all()
    assert released == [None, None] and readings == [15_000, 15_000]


async def test_the_reminders_button_opens_the_odometer_update(two: tuple[Customer, Customer, int, int]) -> None:
    me, _them, mine, _theirs = two
    _, [ask] = await me.press_data(signed(me, "rem", "odo", str(mine)))
    assert "粤B·12345" in ask["text"] and "15,000" in ask["text"]
    [lower] = await me.say("9000")
    assert "lower than the 15,000 km" in lower["text"]
    [saved] = await me.say("15800")
    assert "15,800" in saved["text"]


async def test_a_registration_half_way_survives_a_restart(tmp_path: Path) -> None:
    app, engine = await build(tmp_path)
    async with app:
        me = Customer(app, engine, ME, "en")
        await link(me, "en", "8613900000001")
        await me.press(label(app, "en", "mycar_add"))
        await me.say("粤B 24680")
    settings = make_settings(tmp_path, telegram_token=engine.token)
    again = build_application(settings, request=RecordingRequest(engine))
    async with again:
        me = Customer(again, engine, ME, "en")
        me._read = len(engine.sent_messages(ME))
        [model] = await me.say("Honda")
        assert "Honda" in model["text"] and "model" in model["text"]
