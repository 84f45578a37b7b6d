"""Repository functions on SQLite and on PostgreSQL (real servers, migrated by Alembic)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bot.core.common import customers
from bot.core.faq import repo as faq_repo
from bot.db.engine import create_engine, session_factory


async def test_migrations_create_the_model(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    assert {"customer", "faq_miss", "alembic_version"} <= tables


async def test_customer_upsert_keeps_one_row_and_the_latest_details(database_url: str) -> None:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        first = await customers.touch_customer(session, 42, 42, "Ann", "zh-hant")
    async with sessions.begin() as session:
        await customers.set_locale_choice(session, 42, "en")
    async with sessions.begin() as session:
        second = await customers.touch_customer(session, 42, 42, "Annie", "zh-hant", last_locale="zh-Hans")
    await engine.dispose()
    assert second.id == first.id
    assert (second.first_name, second.locale_choice, second.last_locale) == ("Annie", "en", "zh-Hans")


async def test_faq_misses_are_counted_and_ranked(database_url: str) -> None:
    engine = create_engine(database_url)
    sessions = session_factory(engine)

    async def miss(normalized: str, decision: str = "fallback") -> None:
        async with sessions.begin() as session:
            await faq_repo.record_faq_miss(session, normalized, normalized.upper(), "en", decision, None, 12.5)

    await asyncio.gather(*(miss("where do i park") for _ in range(5)))  # concurrent increments are not lost
    await miss("loaner car")
    await miss("loaner car", "suggest")  # a different decision is a different row
    async with sessions() as session:
        rows = await faq_repo.top_faq_misses(session, limit=10)
    await engine.dispose()
    top = rows[0]
    assert (top.normalized, top.decision, top.count) == ("where do i park", "fallback", 5)
    assert sorted((r.normalized, r.decision) for r in rows[1:]) == [
        ("loaner car", "fallback"),
        ("loaner car", "suggest"),
    ]


async def test_a_savepoint_on_sqlite_takes_the_write_lock_before_its_first_read(tmp_path: Path) -> None:
    # Deferred, a savepoint's transaction would read a snapshot; a write committed by another connection (the
    # outbox sender, a sweep) before its own write made that write fail at once with "database is locked".
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'lock.db'}")
    sessions = session_factory(engine)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)"))
        await connection.execute(text("INSERT INTO counter VALUES (1, 0)"))
    other = sqlite3.connect(tmp_path / "lock.db", timeout=0)  # another writer that does not wait
    async with sessions.begin() as session:
        await session.execute(text("SELECT value FROM counter"))  # outside any transaction (pysqlite)
        async with session.begin_nested():
            await session.execute(text("SELECT value FROM counter"))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("UPDATE counter SET value = value + 1")  # it would wait its turn (busy_timeout)
            await session.execute(text("UPDATE counter SET value = value + 10"))
    other.execute("UPDATE counter SET value = value + 1")  # its turn once the session committed
    other.commit()
    async with sessions.begin() as session:
        await session.execute(text("UPDATE counter SET value = value * 2"))  # pysqlite's own BEGIN, then
        async with session.begin_nested():  # a savepoint inside it: no second BEGIN
            await session.execute(text("UPDATE counter SET value = value + 1"))
    async with sessions() as session:
        assert (await session.execute(text("SELECT value FROM counter"))).scalar_one() == 23
    other.close()
    await engine.dispose()
