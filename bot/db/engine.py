"""Engine and session factory; SQLite gets the pragmas a concurrent async app needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

import bot.db.schema  # noqa: F401  (every feature's tables registered before the first flush)
from bot.db.common.sqlite_driver import OneHopDbapi

SQLITE_CONNECTIONS = 5  # the pool of a SQLite file, none opened beyond it


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; for SQLite the data folder is created and WAL mode switched on.

    PostgreSQL URLs may carry `?search_path=schema` to keep CareBot's tables in their own schema.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            # Five connections, kept: SQLite has one writer at a time whatever their number, and each aiosqlite
            # connection is a thread trading the GIL with the event loop. SQLAlchemy's default (5, plus up to 10
            # opened and closed again as the load comes and goes) opened 170 connections, each a new thread, in a
            # benchmark of 1,000 questions and answered 102-115 a second, against 121-139 with these five
            # (bench/throughput_bench.py).
            kwargs.setdefault("pool_size", SQLITE_CONNECTIONS)
            kwargs.setdefault("max_overflow", 0)
        if url.get_driver_name() == "aiosqlite":  # one hand-over to aiosqlite's thread per statement
            kwargs.setdefault("module", OneHopDbapi())
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine.sync_engine, "savepoint")
        def _write_lock_first(connection: Any, _name: str) -> None:
            # pysqlite begins no transaction before a SELECT, so a SAVEPOINT (begin_nested) issued before the
            # session's first write begins a deferred one: its reads pin a snapshot, and its first write then
            # fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT, which busy_timeout does not wait
            # out) if another connection — the outbox sender, a sweep — committed in between. Taking the write
            # lock first makes that writer wait its turn instead.
            if not connection.connection.driver_connection.in_transaction:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    connect_args: dict[str, Any] = {}
    if "search_path" in url.query:  # asyncpg takes server settings, not libpq's options=
        connect_args["server_settings"] = {"search_path": str(url.query["search_path"])}
        url = url.difference_update_query(["search_path"])
    return create_async_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
