"""Issue 12, item 5: with the database down, a customer's message gets one apology, not one per handler group
that failed on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from telegram.ext import Application

from tests.botapi.engine import BotApiEngine
from tests.handlers.desk_harness import build_desk
from tests.handlers.harness import Customer

USER = 751


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine]]:  # type: ignore[type-arg]
    application, engine, _ = await build_desk(tmp_path)  # with the advisors' group: the relays run too
    async with application:
        yield application, engine


@pytest.fixture
def database_down(app: tuple[Application, BotApiEngine]) -> Iterator[None]:  # type: ignore[type-arg]
    sync_engine = app[0].bot_data["services"].engine.sync_engine

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("SELECT 1", {}, Exception("could not connect to server"))

    event.listen(sync_engine, "before_cursor_execute", refuse)
    yield
    event.remove(sync_engine, "before_cursor_execute", refuse)


@pytest.mark.parametrize("text", ["how often should I service my car?", "/start", "hello"])
async def test_one_apology_when_the_database_is_down(
    app: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
    database_down: None,
    text: str,
) -> None:
    application, engine = app
    customer = Customer(application, engine, USER, "en")
    replies = await customer.say(text)
    apologies = [m for m in replies if m["text"].startswith("Sorry, something went wrong")]
    assert len(apologies) == 1, [m["text"] for m in replies]
