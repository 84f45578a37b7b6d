"""/mycar through the real Application: a car with no service on file, delivered long ago or already past the
first service's km, shows its next service as due now, never a date in the past or a km below the odometer."""

from __future__ import annotations

import datetime as dt

import pytest
from telegram.ext import Application

from bot.core.garage import cars as garage
from bot.db.garage.models import Customer, OdometerReading, Vehicle
from bot.handlers.garage.view import due_rules
from tests.botapi.engine import BotApiEngine
from tests.handlers.garage.helpers import LOCALES, PHONE, link, seed, services, shown, today
from tests.handlers.harness import Customer as Chat

DUE_NOW = {"zh-hant": "下次保養：⚠️ 已到期", "zh-hans": "下次保养：⚠️ 已到期", "en": "Next service: ⚠️ due now"}
SERVICE_LINE = {"zh-hant": "下次保養", "zh-hans": "下次保养", "en": "Next service"}


async def _car_without_service(app: Application, delivered_days_ago: int, km: int) -> None:  # type: ignore[type-arg]
    """An imported car with the customer's phone, its delivery date and one reading 10 days ago; no visit."""
    day = today(app)
    async with services(app).sessions.begin() as session:
        customer = Customer(phone=PHONE, name="陳志強", external_id="DEMO-1")
        session.add(customer)
        await session.flush()
        car = Vehicle(customer_id=customer.id, plate="粤B12345", make="Toyota", model="Corolla",
                      delivery_date=day - dt.timedelta(days=delivered_days_ago))  # fmt: skip
        session.add(car)
        await session.flush()
        session.add(OdometerReading(vehicle_id=car.id, read_on=day - dt.timedelta(days=10), km=km, source="import"))


@pytest.mark.parametrize("language", list(LOCALES))
@pytest.mark.parametrize(("delivered_days_ago", "km"), [(6 * 365, 90_000), (60, 12_000)])
async def test_a_service_never_done_is_due_now_not_in_the_past(
    app_engine: tuple[Application, BotApiEngine], language: str, delivered_days_ago: int, km: int  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    locale = LOCALES[language]
    await _car_without_service(app, delivered_days_ago, km)
    me = Chat(app, engine, 701, language)
    *_, card = await link(me, locale)
    async with services(app).sessions() as session:
        [car] = (await garage.load_garage(session, me.user.id, today(app), due_rules(services(app)))).cars
    assert car.service is not None and car.service.due < today(app)  # the first service was never done
    [line] = [line for line in card["text"].splitlines() if SERVICE_LINE[language] in line]
    assert DUE_NOW[language] in line, line
    assert shown(locale, car.service.due) not in line and f"{car.service.due_km:,}" not in line, line
    assert f"{km:,}" in card["text"]  # the odometer is still shown


@pytest.mark.parametrize("language", list(LOCALES))
async def test_a_service_still_ahead_shows_its_date_and_km(
    app_engine: tuple[Application, BotApiEngine], language: str  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    locale = LOCALES[language]
    await seed(app)  # serviced 10 days ago at 15,000 km
    me = Chat(app, engine, 701, language)
    *_, card = await link(me, locale)
    async with services(app).sessions() as session:
        [car] = (await garage.load_garage(session, me.user.id, today(app), due_rules(services(app)))).cars
    assert car.service is not None and car.service.due > today(app)
    [line] = [line for line in card["text"].splitlines() if SERVICE_LINE[language] in line]
    assert shown(locale, car.service.due) in line and f"{car.service.due_km:,}" in line and "⚠️" not in line
