"""Issue 12, item 11: a customer who is also in the advisors' group keeps their private chat as the place the
bot writes to, whatever they do in the group (a refused staff button, a command, a message)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.db.garage.models import Customer as CustomerRow
from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.booking.test_appointments_desk import add_car, book
from tests.handlers.desk_harness import GROUP_ID, Desk, StaffUser, build_desk, last_with_buttons
from tests.handlers.harness import Customer

USER = 761


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


async def chat_of(app: Application, user_id: int) -> int | None:  # type: ignore[type-arg]
    async with app.bot_data["services"].sessions() as session:
        statement = select(CustomerRow.chat_id).where(CustomerRow.telegram_user_id == user_id)
        return (await session.execute(statement)).scalar_one_or_none()


async def test_a_customer_in_the_group_keeps_their_private_chat(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, _ = desk_app
    await add_car(app.bot_data["services"], USER, "粤B12345")
    customer = Customer(app, engine, USER, "en")
    await book(customer)  # a card with staff buttons in the group
    assert await chat_of(app, USER) == USER
    in_group = StaffUser(app, engine, USER, "Mei")
    await in_group.press("確認", message=last_with_buttons(engine, GROUP_ID))  # refused: not staff
    await in_group.say("/start")
    await in_group.say("hello")
    assert await chat_of(app, USER) == USER


async def test_a_group_member_who_never_wrote_in_private_gets_no_chat(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, _ = desk_app
    await add_car(app.bot_data["services"], USER, "粤B12345")
    await book(Customer(app, engine, USER, "en"))
    stranger = StaffUser(app, engine, 762, "Lee")
    await stranger.press("確認", message=last_with_buttons(engine, GROUP_ID))
    assert await chat_of(app, 762) is None
