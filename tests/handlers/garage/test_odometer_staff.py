"""/odometer: staff read and correct any car's odometer without a booking — role-checked, validated as at a
visit's "Done", a lower reading corrects the typo on file only when confirmed (logged without message text),
the confirmation is signed for the staff member who asked and a second press changes nothing."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.core.services import Services
from bot.db.garage.models import Customer as CustomerRow
from bot.db.garage.models import OdometerReading, ServiceVisit, Vehicle
from bot.db.reminders.models import VehicleDueStale
from tests.botapi.engine import BotApiEngine
from tests.handlers.desk_harness import ADVISOR_ID, GROUP_ID, Desk, build_desk, last_with_buttons

OWNER = 702


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


async def car_with(services: Services, readings: list[tuple[int, int, str]]) -> int:
    """A car 粤B12345 with `readings` (days ago, km, source) on file; its id."""
    today = dt.datetime.now(services.settings.tz).date()
    async with services.sessions.begin() as session:
        owner = CustomerRow(telegram_user_id=OWNER, chat_id=OWNER, first_name="Mei", language_code="zh-hant")
        session.add(owner)
        await session.flush()
        car = Vehicle(customer_id=owner.id, plate="粤B12345", make="Toyota", model="Corolla",
                      delivery_date=today - dt.timedelta(days=400))  # fmt: skip
        session.add(car)
        await session.flush()
        for ago, km, source in readings:
            session.add(OdometerReading(vehicle_id=car.id, read_on=today - dt.timedelta(days=ago), km=km,
                                        source=source))  # fmt: skip
        return car.id


async def readings_of(services: Services, car: int) -> list[tuple[int, str]]:
    async with services.sessions() as session:
        statement = select(OdometerReading.km, OdometerReading.source).where(OdometerReading.vehicle_id == car)
        rows = await session.execute(statement.order_by(OdometerReading.km))
    return [tuple(r) for r in rows]  # type: ignore[misc]


def last_text(desk: Desk) -> str:
    return desk.group_messages()[-1]["text"]  # type: ignore[no-any-return]


def services_of(app: Application) -> Services:  # type: ignore[type-arg]
    return app.bot_data["services"]  # type: ignore[no-any-return]


async def test_an_advisor_records_a_reading_and_the_car_is_due_again(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, _engine, desk = desk_app
    services = services_of(app)
    car = await car_with(services, [(60, 20000, "customer"), (30, 22000, "visit:CB-A7")])
    await desk.advisor.say("/odometer")
    assert "/odometer 車牌 公里數" in last_text(desk)
    await desk.advisor.say("/odometer 粤b 12345")  # any way of writing the plate
    shown = last_text(desk)
    assert "粤B·12345" in shown and "22,000 公里" in shown and "到店 CB-A7" in shown and "客戶輸入" in shown
    assert shown.count("\n• ") == 2  # one reading a line
    assert shown.index("22,000") < shown.index("20,000")  # newest first
    await desk.advisor.say("/odometer 粤B·12345 24,000 km")
    assert "24,000 公里 已記錄" in last_text(desk)
    assert await readings_of(services, car) == [(20000, "customer"), (22000, "visit:CB-A7"),
                                                (24000, f"staff:{ADVISOR_ID}")]  # fmt: skip
    async with services.sessions() as session:
        stale = (await session.execute(select(VehicleDueStale.vehicle_id))).scalars().all()
    assert car in stale  # the next service and its reminders are recomputed from it
    await desk.advisor.say("/odometer 粤B12345 24000")  # the same again
    assert "已在記錄中" in last_text(desk) and len(await readings_of(services, car)) == 3


async def test_unreadable_input_is_explained_and_changes_nothing(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, _engine, desk = desk_app
    services = services_of(app)
    car = await car_with(services, [(60, 20000, "customer")])
    await desk.advisor.say("/odometer 粤B12345 abc")
    assert "看不懂這個公里數" in last_text(desk)
    await desk.advisor.say("/odometer 粤B12345 -5")
    assert "不能是負數" in last_text(desk)
    await desk.advisor.say("/odometer 粤B12345 9999999")
    assert "2,000,000" in last_text(desk)
    await desk.advisor.say("/odometer 京A99999 24000")
    assert "找不到車牌 京A99999" in last_text(desk)
    await desk.advisor.say("/odometer <b>!!</b> 24000")
    assert "not a licence plate" in last_text(desk) and "&lt;b&gt;" not in last_text(desk)  # shown as typed, escaped
    assert await readings_of(services, car) == [(20000, "customer")]


async def test_a_lower_reading_corrects_the_typo_only_when_confirmed_once(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, engine, desk = desk_app
    services = services_of(app)
    car = await car_with(services, [(60, 20000, "customer"), (10, 500000, "customer")])
    await desk.advisor.say("/odometer 粤B12345 24000")
    assert "還少" in last_text(desk) and "500,000 公里" in last_text(desk)
    assert len(await readings_of(services, car)) == 2  # nothing changes before the confirmation
    prompt = last_with_buttons(engine, GROUP_ID)
    data = prompt["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await desk.advisor2.press("更正", message=prompt)  # another advisor: the button is not theirs
    assert len(await readings_of(services, car)) == 2
    with caplog.at_level(logging.INFO, logger="bot.core.garage.odometer"):
        await desk.advisor.press("更正", message=prompt)
        await desk.advisor.press_data(data, prompt["message_id"])  # a double tap
    assert await readings_of(services, car) == [(20000, "customer"), (24000, f"staff:{ADVISOR_ID}")]
    assert [t for t in (m["text"] for m in desk.group_messages()) if "已更正" in t] == [last_text(desk)]
    logged = [r.getMessage() for r in caplog.records]
    assert any("500000" in line and f"staff {ADVISOR_ID}" in line for line in logged)
    assert not any("粤B" in line for line in logged)
    edited = engine.message(GROUP_ID, prompt["message_id"])
    assert not edited.get("reply_markup")  # the confirmation's button went with the press


async def test_a_repair_order_is_never_rewritten_and_a_jump_needs_confirming(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, desk = desk_app
    services = services_of(app)
    car = await car_with(services, [(60, 20000, "customer")])
    today = dt.datetime.now(services.settings.tz).date()
    async with services.sessions.begin() as session:
        session.add(ServiceVisit(vehicle_id=car, visit_no="CB-A3", visit_date=today - dt.timedelta(days=5),
                                 km=30000, kind="maintenance", completed=True))  # fmt: skip
        session.add(OdometerReading(vehicle_id=car, read_on=today - dt.timedelta(days=5), km=30000,
                                    source="visit:CB-A3"))  # fmt: skip
    await desk.advisor.say("/odometer 粤B12345 25000")  # below a repair order: refused at once, no button
    assert "維修單記錄了 30,000 公里" in last_text(desk) and not desk.group_messages()[-1].get("reply_markup")
    assert [km for km, _ in await readings_of(services, car)] == [20000, 30000]
    await desk.advisor.say("/odometer 粤B12345 900000")
    assert "多出很多" in last_text(desk)
    await desk.advisor.press("沒錯")
    assert [km for km, _ in await readings_of(services, car)] == [20000, 30000, 900000]
    del engine


async def test_customers_and_marketing_cannot_use_it(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, _engine, desk = desk_app
    services = services_of(app)
    car = await car_with(services, [(60, 20000, "customer")])
    await desk.outsider.say("/odometer 粤B12345 24000")
    await desk.marketing.say("/odometer 粤B12345 24000", private=True)
    await desk.supervisor.say("/odometer 粤B12345 24000", private=True)  # a supervisor is an advisor too
    assert await readings_of(services, car) == [(20000, "customer"), (24000, "staff:9002")]
    assert "粤B" not in last_text(desk)  # nobody outside staff was told anything about the car
