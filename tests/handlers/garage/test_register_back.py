"""Adding a car: "↩️ Back" on every question after the plate (pressed or typed), and a delivery date typed at
the odometer question replaces the one given, in the three languages."""

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

ME = 913
LOCALES: dict[str, Locale] = {"en": "en", "zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}


@pytest.mark.parametrize("language", list(LOCALES))
async def test_back_at_every_question_after_the_plate_and_a_date_typed_at_the_odometer(
    app_engine: tuple[Application, BotApiEngine], language: str  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    locale = LOCALES[language]
    back = label(app, locale, "step_back")
    me = Customer(app, engine, ME, language)
    await link(me, locale, "8613900000001")
    [plate] = await me.press(label(app, locale, "mycar_add"))
    assert back not in [text for text, _ in me.buttons(plate)] if plate.get("reply_markup") else True
    [make] = await me.say("粤B 24680")
    assert [text for text, _ in me.buttons(make)][-1] == back
    [plate_again] = await me.press(back)
    assert back not in str(plate_again.get("reply_markup", ""))  # the first question has no "back"
    await me.say("粤B 13579")  # the plate corrected
    [model] = await me.press(label(app, locale, "mycar_make_other"))
    assert [text for text, _ in me.buttons(model)] == [back]  # a typed question has "back" too
    await me.say("Corolla")
    await me.say("2024-03-01")
    await me.say(back)  # typed: the delivery date again
    await me.say("2024-03-01")
    await me.say("2023-05-02")  # the right delivery date, typed at the odometer question: taken
    await me.say("12000")
    async with services(app).sessions() as session:
        cars = (await session.scalars(select(Vehicle).where(Vehicle.plate.in_(["粤B24680", "粤B13579"])))).all()
    assert [(c.plate, c.make, c.model, c.delivery_date) for c in cars] == [
        ("粤B13579", "Other", "Corolla", dt.date(2023, 5, 2))
    ]
