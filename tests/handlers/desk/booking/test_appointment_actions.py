"""The customer's own appointments acted on through the real Application: a second tap on "reschedule" or "cancel"
while its question waits is answered with a note, not a second question; the buttons typed with the appointment's
number (「取消預約 #1」) do what the buttons do, and a number that is none of theirs is said, with their list."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.db.faq.models import FaqMiss
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


# The list's buttons typed with the appointment's number, as a customer of each locale writes them.
TYPED_CANCEL = {"zh-Hant": "取消預約 #{n}", "zh-Hans": "取消预约 #{n}", "en": "cancel booking #{n}"}
TYPED_MOVE = {"zh-Hant": "改期 #{n}", "zh-Hans": "改期预约＃{n}", "en": "Reschedule #{n}"}
NOT_YOURS = {"zh-Hant": "不是您目前有效的預約", "zh-Hans": "不是您目前有效的预约",
             "en": "is not one of your open appointments"}


def actions(customer: Customer, message: dict[str, Any]) -> set[str]:
    return {":".join(d.split(":")[:2]) for _, d in customer.buttons(message)}


async def _misses(app: Application) -> list[FaqMiss]:  # type: ignore[type-arg]
    async with app.bot_data["services"].sessions() as session:
        return list((await session.execute(select(FaqMiss))).scalars())


async def test_typing_cancel_with_the_number_asks_the_buttons_question(customer: Customer, locale: str) -> None:
    number = await book(customer, locale)
    [listing] = await customer.say("/appointments")
    _, [by_button] = await customer.press_data(button(customer, listing, "cancel", number), listing["message_id"])
    await customer.say("/cancel")
    [typed] = await customer.say(TYPED_CANCEL[locale].format(n=number))
    assert typed["text"] == by_button["text"] and actions(customer, typed) == actions(customer, by_button)
    [cancelled] = await customer.press(customer.buttons(typed)[0][0])
    assert f"#{number}" in cancelled["text"]
    assert [a.status for a in await stored(services_of(customer.app))] == ["cancelled"]
    assert await _misses(customer.app) == []


async def test_typing_reschedule_with_the_number_asks_the_day(customer: Customer, locale: str) -> None:
    number = await book(customer, locale)
    [typed] = await customer.say(TYPED_MOVE[locale].format(n=number))
    assert f"#{number}" in typed["text"] and "bk:day" in actions(customer, typed)
    assert await _misses(customer.app) == []


async def test_a_number_that_is_not_an_open_appointment_of_theirs_is_said_with_their_list(
    customer: Customer, locale: str
) -> None:
    number = await book(customer, locale)
    [reply] = await customer.say(TYPED_CANCEL[locale].format(n=number + 40))
    assert f"#{number + 40}" in reply["text"] and NOT_YOURS[locale] in reply["text"]
    assert f"#{number}" in reply["text"] and {"bk:resched", "bk:cancel"} <= actions(customer, reply)
    await customer.say(TYPED_CANCEL[locale].format(n=number))
    await customer.press(customer.buttons()[0][0])  # cancelled: no longer open
    [again] = await customer.say(TYPED_MOVE[locale].format(n=number))
    assert NOT_YOURS[locale] in again["text"] and "bk:day" not in actions(customer, again)
    assert [a.status for a in await stored(services_of(customer.app))] == ["cancelled"]
    assert await _misses(customer.app) == []


async def test_typed_in_another_flow_it_leaves_that_flow(customer: Customer, locale: str) -> None:
    number = await book(customer, locale)
    await customer.say("/warranty")
    [typed] = await customer.say(TYPED_CANCEL[locale].format(n=number))
    assert "bk:why" in actions(customer, typed)
    [cancelled] = await customer.say("my plans changed")  # the reason typed: the warranty check does not take it
    assert f"#{number}" in cancelled["text"]
    assert [a.status for a in await stored(services_of(customer.app))] == ["cancelled"]
    # the warranty check was left: its first question's answer typed now is not taken as one
    replies = await customer.say({"zh-Hant": "家用", "zh-Hans": "家用", "en": "Household use"}[locale])
    assert not any(d.startswith("wty:") for reply in replies for _, d in customer.buttons(reply))
