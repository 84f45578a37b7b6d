"""Buttons expire per kind (bot.core.common.callbacks.BUTTON_MAX_AGE): a stale or forged one is answered with
"this button has expired, here is what you can do", never an exception, and changes nothing."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.core.services import Services
from bot.db.desk.booking.models import Appointment
from bot.handlers.common import context as context_module
from tests.botapi.engine import BotApiEngine
from tests.handlers.harness import Customer

USER = 8101
EXPIRED_EN = "This button has expired or is not yours. Send /start for the main menu, or just type your question."


def services_of(app: Application) -> Services:  # type: ignore[type-arg]
    return app.bot_data["services"]  # type: ignore[no-any-return]


def days_later(services: Services, days: float) -> None:
    services.callbacks._clock = lambda: time.time() + days * 86400  # type: ignore[attr-defined]


async def test_a_booking_confirm_pressed_two_days_later_books_nothing_and_says_what_to_do(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    services = services_of(app)
    customer = Customer(app, engine, USER, "en")
    await customer.say("/book")
    await customer.press("Repair")
    await customer.press("Nanshan")
    await customer.say("AB 1234")
    await customer.say("next Tuesday")
    await customer.press("08:30")
    await customer.press("I'll wait")
    await customer.press("Skip")
    [summary] = await customer.say("13800138000")
    confirm = next(data for label, data in customer.buttons(summary) if "Confirm booking" in label)
    days_later(services, 2)
    query_id, replies = await customer.press_data(confirm, summary["message_id"])
    assert replies == []
    assert engine.callback_answer(query_id) == {"callback_query_id": query_id, "text": EXPIRED_EN, "show_alert": True}
    async with services.sessions() as session:
        assert (await session.execute(select(Appointment))).scalars().all() == []


async def test_the_main_menu_lives_a_year_a_reminder_button_does_not(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 70 days pass between the two presses of the same button below, but only on the codec's clock: the
    # double-tap window (real time) must not take the second press for the first one's twin.
    monkeypatch.setattr(context_module, "DOUBLE_TAP_SECONDS", -1.0)
    app, engine = app_engine
    services = services_of(app)
    customer = Customer(app, engine, USER, "en")
    [welcome, *_] = await customer.say("/start")
    menu = next(m for m in reversed(engine.sent_messages(USER)) if m.get("reply_markup"))
    book = next(data for label, data in customer.buttons(menu) if data.startswith("menu:book:"))
    days_later(services, 300)
    _query, replies = await customer.press_data(book, menu["message_id"])
    assert replies  # the booking flow opens
    days_later(services, 370)
    query_id, replies = await customer.press_data(book, menu["message_id"])
    assert replies == [] and (engine.callback_answer(query_id) or {}).get("text") == EXPIRED_EN
    assert welcome


async def test_unknown_or_garbled_data_is_answered_not_left_spinning(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, USER, "en")
    await customer.say("/start")
    for data in ("zzz:nothing:AAAAAAAAAAAAA", "💥", "menu:book:AAAAAAAA", "rem:book:1:svc"):
        query_id, replies = await customer.press_data(data)
        assert replies == [] and (engine.callback_answer(query_id) or {}).get("text") == EXPIRED_EN, data
