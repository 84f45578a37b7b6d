"""The desk keeps one live card per booking: a move, a cancellation or "I'll be there" posts a new card and
edits the booking's earlier cards (the booking as it is now, marked outdated, no buttons)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.booking.test_appointments import next_week, services_of, stored
from tests.handlers.desk.booking.test_appointments_desk import add_car, book, day_words
from tests.handlers.desk_harness import Desk, build_desk
from tests.handlers.harness import Customer

USER = 701


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


def cards_of(desk: Desk, appointment_id: int) -> list[dict[str, Any]]:
    return [m for m in desk.group_messages() if f"#{appointment_id}" in m["text"]]


def live(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in cards if c.get("reply_markup")]


async def test_a_move_edits_the_old_card_and_leaves_one_live_card(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, desk = desk_app
    services = services_of(app)
    await add_car(services, USER, "粤B12345")
    customer = Customer(app, engine, USER, "en")
    await book(customer, "08:30")
    [appointment] = await stored(services)
    [first] = cards_of(desk, appointment.id)
    assert "新預約" in first["text"] and first.get("reply_markup")
    await customer.say("/appointments")
    await customer.press("Reschedule")
    await customer.say("next Tuesday")
    await customer.press("13:30")
    await customer.press("Confirm new time")
    old, new = cards_of(desk, appointment.id)
    tuesday = day_words("zh-hant", next_week(services, 1))
    moved = f"由 {tuesday} 08:30 改到 {tuesday} 13:30"
    assert "預約改期" in new["text"] and moved in new["text"] and new.get("reply_markup")
    assert old["message_id"] == first["message_id"] and not old.get("reply_markup")  # edited, not posted again
    assert "舊卡片" in old["text"] and moved in old["text"] and "新預約" not in old["text"]
    await customer.say("/appointments")
    await customer.press("Reschedule")
    await customer.say("next Tuesday")
    await customer.press("15:00")
    await customer.press("Confirm new time")
    cards = cards_of(desk, appointment.id)
    assert len(cards) == 3 and live(cards) == [cards[-1]] and "15:00" in cards[0]["text"]
    await customer.say("/appointments")
    await customer.press("Cancel booking")
    await customer.say("plans changed")
    cards = cards_of(desk, appointment.id)
    assert len(cards) == 4 and live(cards) == [] and "預約取消" in cards[-1]["text"]
    assert all("已取消" in c["text"] for c in cards)  # every card shows the booking as it is now


async def test_ill_be_there_twice_posts_one_card_and_the_booking_card_loses_its_buttons(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, desk = desk_app
    services = services_of(app)
    await add_car(services, USER, "粤B12345")
    customer = Customer(app, engine, USER, "en")
    await book(customer, "08:30")
    [appointment] = await stored(services)
    coming = services.callbacks.pack(USER, "bk", "ok", str(appointment.id))
    await customer.press_data(coming)
    await customer.press_data(coming)  # a double tap tells the desk once
    cards = cards_of(desk, appointment.id)
    assert len(cards) == 2 and "客戶確認會到" in cards[-1]["text"] and live(cards) == [cards[-1]]
