"""The customer's own appointments acted on through the real Application: a second tap on "reschedule" or "cancel"
while its question waits is answered with a note, not a second question."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.ext import Application

from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.booking.test_appointments import SCRIPTS, USER, services_of, slot_labels, stored
from tests.handlers.harness import Customer

ASKED_ALREADY = {"en": "Already asked above", "zh-Hant": "上面已經問了", "zh-Hans": "上面已经问了"}


async def book(customer: Customer, locale: str) -> int:
    """A booking made in the customer's language; returns its number."""
    s = SCRIPTS[locale]
    await customer.say("/book")
    await customer.press(s.service)
    await customer.press(s.branch)
    await customer.say(s.plate)
    [slots] = await customer.say(s.day)
    await customer.press(slot_labels(slots)[0])
    await customer.press(s.wait)
    await customer.say(s.notes)
    await customer.say("138-0013-8000")
    await customer.press(s.confirm)
    [appointment] = await stored(services_of(customer.app))
    return appointment.id


def button(customer: Customer, message: dict[str, Any], action: str, number: int) -> str:
    """The callback data of a list's `bk:<action>:<number>` button."""
    return next(d for _, d in customer.buttons(message) if d.startswith(f"bk:{action}:{number}:"))


@pytest.fixture(params=list(SCRIPTS))
def locale(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def customer(app_engine: tuple[Application, BotApiEngine], locale: str) -> Customer:  # type: ignore[type-arg]
    app, engine = app_engine
    return Customer(app, engine, USER, SCRIPTS[locale].language_code)


async def test_a_second_tap_while_the_question_waits_sends_no_second_question(
    customer: Customer, locale: str
) -> None:
    number = await book(customer, locale)
    [listing] = await customer.say("/appointments")
    for action in ("resched", "cancel"):
        data = button(customer, listing, action, number)
        _, [question] = await customer.press_data(data, listing["message_id"])
        assert customer.buttons(question)
        query_id, again = await customer.press_data(data, listing["message_id"])
        answer = customer.engine.callback_answer(query_id) or {}
        assert again == [] and answer.get("text", "").startswith(ASKED_ALREADY[locale])
        assert not answer.get("show_alert")
    # the question still takes its answer: the first reason cancels the booking
    reason = customer.buttons(question)[0][0]
    [cancelled] = await customer.press(reason)
    assert f"#{number}" in cancelled["text"]
    assert [a.status for a in await stored(services_of(customer.app))] == ["cancelled"]


async def test_after_leaving_the_question_the_button_asks_it_again(customer: Customer, locale: str) -> None:
    number = await book(customer, locale)
    [listing] = await customer.say("/appointments")
    data = button(customer, listing, "cancel", number)
    _, [first] = await customer.press_data(data, listing["message_id"])
    await customer.say("/cancel")
    _, [second] = await customer.press_data(data, listing["message_id"])
    assert second["text"] == first["text"]
