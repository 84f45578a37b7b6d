"""Conversation state in the database (bot.handlers.common.persistence) on SQLite and PostgreSQL, and across
restarts."""

from __future__ import annotations

import asyncio
import gc
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.app import build_application
from bot.db.common.models import ConversationState
from bot.db.engine import create_engine
from bot.db.schema import Base
from bot.handlers.common.persistence import SqlPersistence
from tests.botapi.engine import BotApiEngine
from tests.botapi.ratelimit import RateLimits
from tests.botapi.recording import RecordingRequest
from tests.conftest import make_settings
from tests.handlers.harness import Customer


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(ConversationState))).scalar_one())


async def test_the_migrations_build_exactly_the_model(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata)
        )
    await engine.dispose()
    assert differences == []


async def test_conversations_are_stored_read_back_and_removed(sessions: async_sessionmaker[AsyncSession]) -> None:
    writer = SqlPersistence(sessions)
    await writer.update_conversation("warranty", (42, 42), "odometer")
    await writer.update_conversation("warranty", (43, 43), "happened")
    await writer.update_conversation("warranty", (42, 42), "repairs")  # replaces, never duplicates
    await writer.update_conversation("booking", (42, 42), "slot")
    reader = SqlPersistence(sessions)  # a new process
    assert await reader.get_conversations("warranty") == {(42, 42): "repairs", (43, 43): "happened"}
    await reader.update_conversation("warranty", (42, 42), None)  # ended
    assert await SqlPersistence(sessions).get_conversations("warranty") == {(43, 43): "happened"}
    assert await SqlPersistence(sessions).get_conversations("nothing") == {}


async def test_user_data_round_trips_as_json_and_unchanged_data_is_not_written(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    persistence = SqlPersistence(sessions)
    assert await persistence.get_user_data() == {}
    writes: list[str] = []
    store = persistence._conversations.put

    async def counted(kind: str, name: str, key: str, data: object) -> None:
        writes.append(key)
        await store(kind, name, key, data)

    monkeypatch.setattr(persistence._conversations, "put", counted)
    data: dict[str, Any] = {"warranty": {"use": "household", "start_date": "2024-03-01", "note": "煞車 ✓"}}
    await persistence.update_user_data(7, data)
    await persistence.update_user_data(7, {"warranty": dict(data["warranty"])})  # equal: no write
    await persistence.update_user_data(8, {})  # nothing to store for a customer without data
    assert writes == ["7"]
    assert await SqlPersistence(sessions).get_user_data() == {7: data}
    await persistence.update_user_data(7, {})  # emptied: the row goes
    assert await _rows(sessions) == 0
    await persistence.update_user_data(9, {"a": 1})
    await persistence.drop_user_data(9)
    assert await SqlPersistence(sessions).get_user_data() == {}


async def test_concurrent_writes_of_one_key_leave_one_row(sessions: async_sessionmaker[AsyncSession]) -> None:
    writers = [SqlPersistence(sessions) for _ in range(6)]
    await asyncio.gather(*(w.update_conversation("warranty", (5, 5), f"s{i}") for i, w in enumerate(writers)))
    assert await _rows(sessions) == 1
    assert (await SqlPersistence(sessions).get_conversations("warranty"))[(5, 5)] in {f"s{i}" for i in range(6)}


def _application(engine: BotApiEngine, tmp_path: Path, database_url: str) -> Application:  # type: ignore[type-arg]
    settings = make_settings(tmp_path, telegram_token=engine.token, database_url=database_url)
    return build_application(settings, request=RecordingRequest(engine))


async def _half_way(customer: Customer, start_date: str) -> None:
    """/warranty → household → the start date: the bot now waits for the odometer."""
    await customer.say("/warranty")
    await customer.press("Household")
    [asked] = await customer.say(start_date)
    assert "odometer" in asked["text"]


async def _finish(customer: Customer) -> str:
    """Odometer → brake failure → no earlier repairs; returns the result's text."""
    [asked] = await customer.say("2,000 km")
    assert "What is happening" in asked["text"]
    await customer.press("Brake failure")
    [result] = await customer.press("None")
    return str(result["text"])


@pytest.mark.parametrize("stop", ["killed", "shut down"])
async def test_a_customer_half_way_through_continues_after_a_restart(
    database_url: str, tmp_path: Path, stop: str
) -> None:
    engine = BotApiEngine(rate_limits=RateLimits(enabled=False))
    first = _application(engine, tmp_path, database_url)
    await first.initialize()
    customer = Customer(first, engine, 777, "en")
    day_40 = (datetime.now(first.bot_data["services"].settings.tz) - timedelta(days=40)).date()
    await _half_way(customer, day_40.isoformat())
    if stop == "killed":  # no shutdown: nothing is flushed on the way out, so only what was written through counts
        await first.bot_data["services"].engine.dispose()
    else:
        await first.shutdown()

    second = _application(engine, tmp_path, database_url)
    customer.app = second
    async with second:
        result = await _finish(customer)
    assert "Art. 23" in result and "brake failure on day 40" in result


async def test_what_the_started_application_loaded_is_frozen_until_it_stops(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    """bot.core.common.frozen: full collections skip what was loaded before the bot took updates, and a stopped
    application gives it back to the collector; the bot answers the same meanwhile."""
    app, engine = app_engine
    await app.start()
    try:
        assert gc.get_freeze_count() > 0
        replies = await Customer(app, engine, 812, "en").say("/start")
        assert replies
    finally:
        await app.stop()
    assert gc.get_freeze_count() == 0
