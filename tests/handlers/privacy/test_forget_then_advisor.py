"""After /forget, asking for a person still gives the advisors a useful card: the name Telegram gives now and
what the customer typed now, and nothing from before /forget (name on record, phone, cars, earlier questions).
The Telegram name is still not stored on the customer's row."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.handoff.test_handoff import card, tickets, topics
from tests.handlers.desk_harness import Desk, build_desk
from tests.handlers.garage.helpers import customer_row, label, link, seed
from tests.handlers.harness import Customer

USER = 795


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


@pytest.mark.parametrize("typed", ["真人", "talk to a person"])
async def test_a_handoff_after_forget_names_the_customer_and_shows_what_they_typed(
    desk_app: tuple[Application, BotApiEngine, Desk], typed: str  # type: ignore[type-arg]
) -> None:
    app, engine, desk = desk_app
    await seed(app)
    customer = Customer(app, engine, USER, "en")
    await link(customer, "en")
    await customer.say("how long is the warranty?")  # on the trail before /forget
    await customer.say("/forget")
    await customer.press(label(app, "en", "forget_yes"))

    await customer.say(typed)
    [ticket] = await tickets(desk)
    [topic] = topics(desk)
    shown = card(desk, ticket.topic_id)["text"]
    assert "👤 Mei" in shown and typed in shown, shown  # the name Telegram gives, the message typed now
    assert topic["name"] == f"Mei · #{ticket.id}"
    for before in ("warranty", "陳志強", "4417", "粤B"):  # nothing from before /forget
        assert before not in shown, before
    row = await customer_row(app, USER)
    assert row is not None and row.first_name is None and row.forgotten_at is not None  # still not stored
