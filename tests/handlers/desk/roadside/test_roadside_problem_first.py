"""Roadside help through the real Application: the trouble typed at "where are you?" is kept as the problem and
the place asked again; a typed address (a street, a highway exit, a km marker) is still the place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.roadside.helpers import LOCALES, label, sent_markup, share_location, stored
from tests.handlers.desk_harness import Desk, build_desk
from tests.handlers.harness import Customer

ME = 502
WHERE = {"en": "Where are you?", "zh-hant": "您現在在哪裡？", "zh-hans": "您现在在哪里？"}
NOTED = {"en": "Noted what is wrong", "zh-hant": "已記下車子的狀況", "zh-hans": "已记下车子的状况"}
PLATE_QUESTION = {"en": "plate number", "zh-hant": "車牌號碼", "zh-hans": "车牌号码"}


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


@pytest.mark.parametrize(
    ("language", "typed", "problem", "address"),
    [("zh-hant", "車頭冒煙", "overheating", "台北市信義區松仁路100號"),
     ("en", "my car won't start", "battery", "Highway 1 near exit 23"),
     ("zh-hans", "车子抛锚了，发动机有异响", "other", "高速公路 北上 32公里")],
)  # fmt: skip
async def test_the_trouble_typed_for_the_place_is_the_problem_and_the_place_is_asked_again(
    desk_app: tuple, language: str, typed: str, problem: str, address: str
) -> None:
    app, engine, desk = desk_app
    me = Customer(app, engine, ME, language)
    await me.say("/roadside")
    *_, again = await me.say(typed)  # (smoke brings the emergency numbers first)
    assert NOTED[language] in again["text"] and WHERE[language] in again["text"], again["text"]
    keyboard = sent_markup(engine, ME)
    assert keyboard is not None and keyboard["keyboard"][0][0]["request_location"] is True  # still the place
    assert await stored(app) is None
    located, plate_question = await me.say(address)  # the problem is known: its question is skipped
    assert address in located["text"]
    assert PLATE_QUESTION[language] in plate_question["text"], plate_question["text"]
    await me.say("粤B12345")
    await me.say("13800138000")
    row = await stored(app)
    assert row is not None and (row.address, row.problem, row.details) == (address, problem, typed)
    assert typed in desk.group_messages()[0]["text"]  # the advisors read the customer's words


@pytest.mark.parametrize(
    "address",
    ["台北市信義區松仁路100號", "Highway 1 near exit 23", "高速公路 北上 32公里", "國道一號南下 37K 爆胎",
     "Sinopec, Keji Rd", "深南大道 6008 號門口"],
)  # fmt: skip
async def test_a_typed_address_is_still_the_place(desk_app: tuple, address: str) -> None:
    app, engine, _ = desk_app
    me = Customer(app, engine, ME, "en")
    await me.say("/roadside")
    located, problem_question = await me.say(address)
    assert address in located["text"]
    assert "What is wrong?" in problem_question["text"]


async def test_the_place_shared_after_the_trouble_and_back_at_the_plate(desk_app: tuple) -> None:
    app, engine, _ = desk_app
    me = Customer(app, engine, ME, "en")
    await me.say("/roadside")
    await me.say("my car won't start")
    *_, plate_question = await me.send(engine.push_location(ME, 22.5431, 114.0579))
    assert "plate number" in plate_question["text"]
    [problem_question] = await me.press("Back")  # the problem answered early can still be changed
    assert "What is wrong?" in problem_question["text"]


@pytest.mark.parametrize(
    ("language", "typed", "problem", "change_to"),
    [("zh-hant", "我的車在高速上爆胎了", "flat_tyre", None),
     ("en", "I have a flat tyre on the highway", "flat_tyre", "battery")],
)  # fmt: skip
async def test_the_trouble_that_led_to_roadside_help_is_kept_as_the_problem(
    desk_app: tuple, language: str, typed: str, problem: str, change_to: str | None
) -> None:
    app, engine, desk = desk_app
    me = Customer(app, engine, ME, language)
    await me.say(typed)  # the FAQ answers, with a roadside button
    *_, where = await me.press("🚨")
    assert NOTED[language] in where["text"] and WHERE[language] in where["text"], where["text"]
    await share_location(me)  # the problem is known: its question is skipped
    plate_question = engine.sent_messages(ME)[-1]
    assert PLATE_QUESTION[language] in plate_question["text"], plate_question["text"]
    if change_to is not None:  # the customer can still change it: "back" from the plate is the problem
        await me.press("↩️")
        await me.press(label(app, LOCALES[language], f"rsd_problem_{change_to}"))
    await me.say("粤B12345")
    await me.say("13800138000")
    row = await stored(app)
    assert row is not None and row.problem == (change_to or problem)
    assert row.details == (typed if change_to is None else None)  # a problem changed drops the words with it
    assert change_to is not None or typed in desk.group_messages()[0]["text"]  # the advisors read their words
