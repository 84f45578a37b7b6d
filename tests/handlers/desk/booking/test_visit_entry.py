""""Done" on a maintenance booking asks the advisor for the odometer reading and the work done (each may be
skipped), checks the reading as a customer's is checked, lets staff correct a typo on file (logged without
message text), records the visit with them, and the car's next service moves; a double tap changes nothing."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.core.desk.booking.service import BookingDesk, NewBooking
from bot.core.garage import cars as garage
from bot.core.services import Services
from bot.db.garage.models import Customer as CustomerRow
from bot.db.garage.models import OdometerReading, ServiceVisit, Vehicle
from bot.db.reminders.models import VehicleDueStale
from bot.handlers.desk.booking.advisors import card_markup
from bot.handlers.garage.view import due_rules
from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.booking.test_appointments_desk import bring_forward_to_today
from tests.handlers.desk_harness import GROUP_ID, Desk, build_desk, last_with_buttons

USER = 701


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


def services_of(app: Application) -> Services:  # type: ignore[type-arg]
    return app.bot_data["services"]  # type: ignore[no-any-return]


async def booked_and_done(desk: Desk, services: Services, readings: list[tuple[int, int]], service: str) -> int:
    """A car delivered 400 days ago with `readings` (days ago, km) on file, booked for `service` and pressed
    Done (twice); returns the car's id."""
    today = dt.datetime.now(services.settings.tz).date()
    async with services.sessions.begin() as session:
        owner = CustomerRow(telegram_user_id=USER, chat_id=USER, first_name="Mei", language_code="en")
        session.add(owner)
        await session.flush()
        car = Vehicle(customer_id=owner.id, plate="粤B12345", make="Toyota", model="Corolla",
                      delivery_date=today - dt.timedelta(days=400))  # fmt: skip
        session.add(car)
        await session.flush()
        for ago, km in readings:
            session.add(OdometerReading(vehicle_id=car.id, read_on=today - dt.timedelta(days=ago), km=km,
                                        source="customer"))  # fmt: skip
        car_id = car.id
    tuesday = today + dt.timedelta(days=7)
    found = await BookingDesk(services.sessions, services.dealer, auto_confirm=True).book(
        USER, NewBooking("nanshan", service, tuesday, "10:00", "drop_off", vehicle_id=car_id))
    await desk.app.bot.send_message(GROUP_ID, "card", reply_markup=card_markup(services, found))
    await bring_forward_to_today(services)
    card = last_with_buttons(desk.engine, GROUP_ID)
    await desk.advisor.press("完成", message=card)
    await desk.advisor.press_data(next(b["callback_data"] for row in card["reply_markup"]["inline_keyboard"]
                                       for b in row if "完成" in b["text"]), card["message_id"])  # fmt: skip
    return car_id


def texts(desk: Desk) -> list[str]:
    return [m["text"] for m in desk.group_messages()]


async def next_service(services: Services, car_id: int) -> garage.ServiceDue | None:
    today = dt.datetime.now(services.settings.tz).date()
    async with services.sessions() as session:
        car = await garage.own_car(session, USER, car_id, today, due_rules(services))
    assert car is not None
    return car.service


async def test_done_asks_the_odometer_and_the_work_checks_the_reading_and_the_next_service_moves(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, desk = desk_app
    services = services_of(app)
    car = await booked_and_done(desk, services, [(60, 20000)], "maintenance")
    before = await next_service(services, car)
    asked = [t for t in texts(desk) if "里程表讀數" in t]
    assert len(asked) == 1  # the second Done press asked nothing more
    assert "粤B·12345" in asked[0]
    await desk.advisor.say("2四OOO")  # not a number
    assert "請回覆里程表上的公里數" in texts(desk)[-1]
    await desk.advisor.say("-5")
    assert "不能是負數" in texts(desk)[-1]
    await desk.advisor.say("500000")  # a slip of the finger: named, with a button to confirm it
    assert "多出很多" in texts(desk)[-1] and "20,000 公里" in texts(desk)[-1]
    assert "沒錯，500,000 公里" in str(last_with_buttons(engine, GROUP_ID)["reply_markup"])
    await desk.advisor.say("24000")
    assert "完成的工作" in texts(desk)[-1] and "24,000 公里" in texts(desk)[-1]
    await desk.advisor.say("更換機油及機濾")
    assert "CB-A1" in texts(desk)[-1] and "24,000 公里" in texts(desk)[-1] and "更換機油及機濾" in texts(desk)[-1]
    await desk.advisor.say("謝謝")  # the questions are over: group talk is not taken as an answer
    assert "謝謝" not in texts(desk)[-1] and len([t for t in texts(desk) if "CB-A1" in t and "✅" in t]) == 1
    async with services.sessions() as session:
        visit = (await session.execute(select(ServiceVisit))).scalar_one()
        readings = (await session.execute(select(OdometerReading.km, OdometerReading.source)
                                          .order_by(OdometerReading.km))).all()  # fmt: skip
        stale = (await session.execute(select(VehicleDueStale.vehicle_id))).scalars().all()
    assert (visit.km, visit.work_done, visit.kind) == (24000, "更換機油及機濾", "maintenance")
    assert [tuple(r) for r in readings] == [(20000, "customer"), (24000, "visit:CB-A1")]
    assert car in stale  # the sweep recomputes the car's vehicle_due rows
    after = await next_service(services, car)
    assert before is not None and after is not None and after.due > before.due  # counted from today's service
    assert engine.sent_messages(USER) == [] or all("24000" not in m.get("text", "") for m in
                                                   engine.sent_messages(USER))  # fmt: skip


async def test_staff_correct_a_typo_on_file_and_skips_record_the_visit_without_them(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, engine, desk = desk_app
    services = services_of(app)
    car = await booked_and_done(desk, services, [(60, 20000), (10, 500000)], "maintenance")
    await desk.advisor.say("24000")
    assert "比" in texts(desk)[-1] and "500,000 公里" in texts(desk)[-1]  # lower than the typo on file
    prompt = last_with_buttons(engine, GROUP_ID)
    with caplog.at_level(logging.INFO, logger="bot.core.garage.odometer"):
        await desk.advisor.press("更正為 24,000 公里", message=prompt)
        await desk.advisor.press("更正為 24,000 公里", message=prompt)  # a double tap
        await desk.advisor.press("略過")
    assert [r.getMessage() for r in caplog.records if "500000" in r.getMessage()] and "staff" in caplog.text
    async with services.sessions() as session:
        readings = (await session.execute(select(OdometerReading.km).where(OdometerReading.vehicle_id == car)
                                          .order_by(OdometerReading.km))).scalars().all()  # fmt: skip
        visit = (await session.execute(select(ServiceVisit))).scalar_one()
    assert list(readings) == [20000, 24000] and (visit.km, visit.work_done) == (24000, None)
    assert len([t for t in texts(desk) if "完成的工作" in t]) == 1  # the double tap asked nothing twice


async def test_no_reading_and_no_work_still_completes_and_a_repair_asks_nothing(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, _engine, desk = desk_app
    services = services_of(app)
    await booked_and_done(desk, services, [(60, 20000)], "maintenance")
    await desk.advisor.press("不填里程")
    await desk.advisor.press("略過")
    assert "未填里程" in texts(desk)[-1]
    async with services.sessions() as session:
        visit = (await session.execute(select(ServiceVisit))).scalar_one()
    assert (visit.km, visit.completed) == (None, True)


async def test_a_repair_done_asks_nothing(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, _engine, desk = desk_app
    services = services_of(app)
    await booked_and_done(desk, services, [(60, 20000)], "repair")
    assert not [t for t in texts(desk) if "里程表讀數" in t]
