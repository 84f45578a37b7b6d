"""Moving an appointment to its own day and time, through the real Application: said, the time asked again, and
nothing changes (it was confirmed as a move, a new card went to the advisors and a confirmed booking went back to
waiting for an advisor)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.core.common.customers import touch_customer
from bot.core.desk.booking.service import BookingDesk, NewBooking
from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.booking.test_appointments import next_week, services_of, slot_labels, stored
from tests.handlers.desk.booking.test_appointments_desk import MOVED, USER
from tests.handlers.desk_harness import Desk, build_desk
from tests.handlers.harness import Customer

SAME = {"en": "already your appointment's time", "zh-hant": "這已經是您預約的時間", "zh-hans": "这已经是您预约的时间"}


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


@pytest.mark.parametrize("language_code", list(SAME))
@pytest.mark.parametrize("how", ["tapped", "typed"])
async def test_moving_to_the_same_day_and_time_changes_nothing(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
    language_code: str,
    how: str,
) -> None:
    app, engine, desk = desk_app
    services = services_of(app)
    tuesday = next_week(services, 1)
    async with services.sessions.begin() as session:
        await touch_customer(session, USER, USER, "Mei", language_code)
    await BookingDesk(services.sessions, services.dealer, auto_confirm=True).book(
        USER, NewBooking("nanshan", "repair", tuesday, "13:30", "drop_off")
    )  # dropped off at 13:30: two places, so its own time is offered again
    cards = len(desk.group_messages())
    customer = Customer(app, engine, USER, language_code)
    await customer.say("/appointments")
    await customer.press("🔁")
    await customer.say(MOVED[language_code][0])  # the same Tuesday
    replies = await customer.press("13:30") if how == "tapped" else await customer.say("1:30pm")
    said, asked = replies
    assert SAME[language_code] in said["text"], said["text"]
    assert "15:00" in slot_labels(asked)  # the time asked again, not the summary
    [appointment] = await stored(services)
    assert (appointment.slot, appointment.status) == ("13:30", "confirmed")
    assert len(desk.group_messages()) == cards
    [summary] = await customer.press("15:00")  # another time is still a move
    assert "15:00" in summary["text"]
