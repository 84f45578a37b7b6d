"""Adding a car through the real Application: the make and model typed in one line at the make question are both
taken (the model question is skipped, and "back" still reaches it); an unknown make gets a clear reply."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.core.common.locale import Locale
from bot.db.garage.models import Vehicle
from tests.botapi.engine import BotApiEngine
from tests.handlers.garage.helpers import label, link, services
from tests.handlers.harness import Customer

ME = 914
LOCALES: dict[str, Locale] = {"en": "en", "zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}
WHEN_DELIVERED = {"en": "When was the car delivered", "zh-hant": "交車日期是哪一天", "zh-hans": "交车日期是哪一天"}
MODEL_QUESTION = {"en": "Which model?", "zh-hant": "型號是？", "zh-hans": "型号是？"}
UNKNOWN = {"en": "I do not know that make", "zh-hant": "我不認得這個品牌", "zh-hans": "我不认得这个品牌"}


async def _at_the_make_question(app: Application, engine: BotApiEngine, language: str) -> Customer:  # type: ignore[type-arg]
    me = Customer(app, engine, ME, language)
    await link(me, LOCALES[language], "8613900000001")
    await me.press(label(app, LOCALES[language], "mycar_add"))
    await me.say("粤B 24680")
    return me


async def _car(app: Application) -> tuple[str, str, dt.date] | None:  # type: ignore[type-arg]
    async with services(app).sessions() as session:
        car = (await session.scalars(select(Vehicle).where(Vehicle.plate == "粤B24680"))).first()
    return (car.make, car.model, car.delivery_date) if car else None


@pytest.mark.parametrize(
    ("language", "typed", "make", "model"),
    [("en", "Toyota Corolla", "Toyota", "Corolla"), ("zh-hant", "豐田 卡羅拉", "Toyota", "卡羅拉"),
     ("zh-hans", "广汽本田雅阁", "Honda", "雅阁")],
)  # fmt: skip
async def test_make_and_model_in_one_line(
    app_engine: tuple[Application, BotApiEngine], language: str, typed: str, make: str, model: str  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    me = await _at_the_make_question(app, engine, language)
    [delivered] = await me.say(typed)  # not refused: the model question is skipped
    assert WHEN_DELIVERED[language] in delivered["text"] and model in delivered["text"], delivered["text"]
    await me.say("2024-03-01")
    await me.say("12000")
    assert await _car(app) == (make, model, dt.date(2024, 3, 1))


async def test_back_after_make_and_model_asks_the_model(app_engine: tuple[Application, BotApiEngine]) -> None:  # type: ignore[type-arg]
    app, engine = app_engine
    me = await _at_the_make_question(app, engine, "en")
    await me.say("Toyota Corolla")
    [model] = await me.press(label(app, "en", "step_back"))
    assert MODEL_QUESTION["en"] in model["text"] and "Toyota" in model["text"]
    await me.say("Yaris")
    await me.say("2024-03-01")
    await me.say("12000")
    assert await _car(app) == ("Toyota", "Yaris", dt.date(2024, 3, 1))


@pytest.mark.parametrize("language", list(LOCALES))
async def test_an_unknown_make_is_refused_clearly(
    app_engine: tuple[Application, BotApiEngine], language: str  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    locale = LOCALES[language]
    me = await _at_the_make_question(app, engine, language)
    [again] = await me.say("Tesla Model 3")
    assert UNKNOWN[language] in again["text"] and label(app, locale, "mycar_make_other") in again["text"]
    assert label(app, locale, "mycar_make_other") in [text for text, _ in me.buttons(again)]  # still the makes
    await me.say("Toyota")  # a make alone is still taken, the model asked
    [done] = await me.say("Corolla")
    assert WHEN_DELIVERED[language] in done["text"]
