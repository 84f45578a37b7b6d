"""Plates in the booking flow, through the real Application: a mainland plate typed without its province
character is asked again with an example (the dealer is in mainland China), and a plate typed at a later
question corrects the one given before instead of being read as a day."""

from __future__ import annotations

import pytest
from telegram.ext import Application

from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.booking.test_appointments import labels, next_week, services_of, stored
from tests.handlers.desk.booking.test_changes_of_mind import typed_day
from tests.handlers.harness import Customer

USER = 702


@pytest.mark.parametrize(
    ("language_code", "service", "branch", "province_hint", "changed"),
    [
        ("zh-hant", "定期保養", "南山", "省份簡稱", "車牌改為 粤B·12345"),
        ("zh-hans", "定期保养", "南山", "省份简称", "车牌改为 粤B·12345"),
        ("en", "Maintenance", "Nanshan", "province character", "plate is now 粤B·12345"),
    ],
)
async def test_a_plate_without_its_province_is_asked_again_and_a_later_plate_corrects_it(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
    language_code: str, service: str, branch: str, province_hint: str, changed: str,
) -> None:  # fmt: skip
    app, engine = app_engine
    services = services_of(app)
    customer = Customer(app, engine, USER, language_code)
    await customer.say("/book")
    await customer.press(service)
    await customer.press(branch)
    [again] = await customer.say("B12345")
    assert province_hint in again["text"] and "12345" in again["text"]  # the example shows a whole plate
    [day_question] = await customer.say("AB 1234")  # a Hong Kong plate is still a plate
    [corrected, still_day] = await customer.say("粤B12345")  # at "which day?": the plate, not a date
    assert changed in corrected["text"]
    assert labels(still_day) == labels(day_question)
    await customer.say(typed_day(language_code, next_week(services, 1)))
    await customer.press("08:30")
    await customer.press("🪑")
    await customer.press("⏭️")
    [summary] = await customer.say("13800138000")
    assert "粤B·12345" in summary["text"] and "AB1234" not in summary["text"]
    await customer.press("✅")
    [appointment] = await stored(services)
    assert appointment.plate == "粤B12345"
