"""Repository functions on SQLite and on PostgreSQL (real servers, migrated by Alembic)."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect

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
