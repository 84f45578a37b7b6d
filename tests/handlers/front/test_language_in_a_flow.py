"""/language inside a flow: the choice is confirmed and the flow's question asked again in the new language (the
flow still waits for its answer); a language's name typed at the picker is that language, never the flow's answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.db.garage.models import OdometerReading
from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.roadside.helpers import label, share_location, stored
from tests.handlers.garage.helpers import label as garage_label
from tests.handlers.garage.helpers import link, seed
from tests.handlers.harness import Customer, build


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine]]:  # type: ignore[type-arg]
    app, engine = await build(tmp_path)
    async with app:
        yield app, engine


async def at_the_plate(app: Application, engine: BotApiEngine) -> Customer:  # type: ignore[type-arg]
    customer = Customer(app, engine, 801, "en")
    await customer.say("/roadside")
    await share_location(customer)
    asked = await customer.press(label(app, "en", "rsd_problem_flat_tyre"))
    assert any("plate" in m["text"].lower() for m in asked), asked
    return customer


@pytest.mark.parametrize(
    ("pick", "confirmed", "plate_asked"),
    [("繁體中文", "繁體中文回覆", "車牌"), ("简体中文", "简体中文回复", "车牌")],
)
async def test_the_roadside_plate_question_is_asked_again_in_the_new_language(
    bot: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
    pick: str, confirmed: str, plate_asked: str,
) -> None:  # fmt: skip
    app, engine = bot
    customer = await at_the_plate(app, engine)
    await customer.say("/language")
    replies = await customer.press(pick)
    assert confirmed in replies[0]["text"], replies
    assert not replies[0].get("reply_markup")  # no main menu in the middle of the flow
    assert plate_asked in replies[-1]["text"], replies[-1]["text"]
    await customer.say("粵B 12345")  # the flow goes on to the phone
    await customer.say("138 0013 8000")
    row = await stored(app)
    assert row is not None and row.plate == "粤B12345"


async def test_a_language_typed_at_the_picker_is_that_language_not_the_plate(
    bot: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = bot
    customer = await at_the_plate(app, engine)
    await customer.say("/language")
    replies = await customer.say("繁體中文")
    assert "繁體中文回覆" in replies[0]["text"] and "車牌" in replies[-1]["text"], replies
    replies = await customer.say("English")
    assert "English" in replies[0]["text"] and "plate" in replies[-1]["text"].lower(), replies


async def test_outside_a_flow_the_language_comes_with_the_menu(
    bot: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = bot
    customer = Customer(app, engine, 802, "en")
    await customer.say("/language")
    [reply] = await customer.press("简体中文")
    assert "简体中文回复" in reply["text"] and reply.get("reply_markup")


async def test_a_flow_that_cannot_ask_again_is_left_and_that_is_said(
    bot: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = bot
    await seed(app)
    customer = Customer(app, engine, 803, "en")
    await link(customer, "en")
    await customer.say("/mycar")
    await customer.press(garage_label(app, "en", "mycar_odo", car="粤B·12345"))  # "what does it show now?"
    await customer.say("/language")
    replies = await customer.press("简体中文")
    assert "简体中文回复" in replies[0]["text"]
    assert replies[-1]["text"].startswith("已退出“我的车”"), replies[-1]["text"]
    assert replies[-1].get("reply_markup")  # the menu
    await customer.say("16500")  # no longer read as the odometer
    async with app.bot_data["services"].sessions() as session:
        typed = (await session.scalars(select(OdometerReading.km).where(OdometerReading.source == "customer"))).all()
    assert typed == []
