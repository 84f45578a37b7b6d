"""Typed answers at the booking's button questions, through the real Application: words that clearly name one
button are that button ("drop off", "waiting", "skip", "confirm"), anything else gets "use the buttons"; and a
Chinese plate typed in an English booking leaves the conversation in English."""

from __future__ import annotations

import pytest
from telegram.ext import Application

from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.booking.test_appointments import labels, next_week, services_of, stored
from tests.handlers.desk.booking.test_changes_of_mind import typed_day
from tests.handlers.harness import Customer

USER = 703


@pytest.mark.parametrize(("mode_typed", "mode"), [("drop off", "drop_off"), ("drop-off", "drop_off"),
                                                  ("waiting", "waiting"), ("wait", "waiting")])  # fmt: skip
async def test_typed_words_that_name_a_button_are_that_button(
    app_engine: tuple[Application, BotApiEngine], mode_typed: str, mode: str  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    services = services_of(app)
    customer = Customer(app, engine, USER, "en")
    await customer.say("/book")
    [service_again] = await customer.say("粤B12345")  # a plate is no answer to "which service?", nor Chinese
    assert service_again["text"].startswith("Please use the buttons")
    await customer.press("Maintenance")
    await customer.press("Nanshan")
    await customer.say("粤B12345")
    await customer.say(typed_day("en", next_week(services, 1)))
    [mode_question] = await customer.press("08:30")
    [again] = await customer.say("hmm, not sure")
    assert again["text"].startswith("Please use the buttons") and labels(again) == labels(mode_question)
    [notes] = await customer.say(mode_typed)
    assert "Anything the technician should know" in notes["text"]
    await customer.say("skip")
    [summary] = await customer.say("13800138000")
    assert "Notes" not in summary["text"]
    await customer.say("confirm")
    [appointment] = await stored(services)
    assert (appointment.mode, appointment.notes, appointment.plate) == (mode, None, "粤B12345")
