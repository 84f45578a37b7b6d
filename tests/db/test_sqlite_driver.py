"""The SQLite engine's one-hand-over cursor (bot.db.common.sqlite_driver): the same results as SQLAlchemy's own
aiosqlite adapter, in fewer trips to aiosqlite's thread."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.common.sqlite_driver import OneHopConnection
from bot.db.engine import SQLITE_CONNECTIONS, create_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)"))
    yield engine
    await engine.dispose()


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Iterator[collections.Counter[str]]:
    """Counts the calls handed to aiosqlite's thread, by the name of the function handed over."""
    counted: collections.Counter[str] = collections.Counter()
    handed = aiosqlite.Connection._execute

    async def counting(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        counted[getattr(fn, "__name__", "?")] += 1
        return await handed(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    yield counted


async def test_the_engine_uses_the_one_hop_connection(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.dbapi_connection, OneHopConnection)


async def test_statements_give_the_rows_counts_and_ids_sqlalchemy_expects(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        first = await connection.execute(text("INSERT INTO item (name, n) VALUES ('a', 1)"))
        second = await connection.execute(text("INSERT INTO item (name, n) VALUES (:name, :n)"), {"name": "b", "n": 2})
        many = await connection.execute(text("INSERT INTO item (name, n) VALUES (:name, :n)"),
                                        [{"name": "c", "n": 3}, {"name": "d", "n": 4}])  # fmt: skip
        changed = await connection.execute(text("UPDATE item SET n = n + 10 WHERE n >= 2"))
        returned = await connection.execute(text("UPDATE item SET n = n + 1 WHERE name = 'a' RETURNING id, n"))
        assert (first.lastrowid, second.lastrowid) == (1, 2)
        assert (many.rowcount, changed.rowcount) == (2, 3)
        assert returned.all() == [(1, 2)]
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT name, n FROM item ORDER BY id"))).all()
        nothing = (await connection.execute(text("SELECT name FROM item WHERE n < 0"))).all()
        streamed = [row async for row in await connection.stream(text("SELECT name FROM item ORDER BY id"))]
    assert rows == [("a", 2), ("b", 12), ("c", 13), ("d", 14)]
    assert nothing == []
    assert [row.name for row in streamed] == ["a", "b", "c", "d"]


async def test_errors_are_sqlalchemys_and_the_transaction_rolls_back(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO item (name, n) VALUES ('a', 1)"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO item (name, n) VALUES ('b', 2)"))
            await connection.execute(text("INSERT INTO item (name, n) VALUES ('a', 3)"))
    with pytest.raises(OperationalError):
        async with engine.connect() as connection:
            await connection.execute(text("SELECT nothing FROM nowhere"))
    async with engine.connect() as connection:
        names = (await connection.execute(text("SELECT name FROM item"))).scalars().all()
    assert names == ["a"]  # 'b' went with the failed transaction


async def test_a_read_is_one_hand_over_and_a_write_two(engine: AsyncEngine, hops: collections.Counter[str]) -> None:
    async with engine.connect() as connection:  # the pool's connection, opened before counting
        await connection.execute(text("SELECT 1"))
    hops.clear()
    async with engine.connect() as connection:  # no transaction: nothing to roll back when it goes back
        await connection.execute(text("SELECT count(*) FROM item"))
    assert sum(hops.values()) == 1, hops
    hops.clear()
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO item (name, n) VALUES ('a', 1)"))
    assert hops == {"_execute": 1, "commit": 1}


async def test_a_sqlite_file_is_served_by_five_connections_whatever_the_load(engine: AsyncEngine) -> None:
    """bot.db.engine: more concurrent users than connections wait for one instead of opening more."""
    opened: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda connection, _record: opened.append(connection))

    async def user(n: int) -> None:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO item (name, n) VALUES (:name, :n)"), {"name": f"u{n}", "n": n})
            await asyncio.sleep(0.01)

    await asyncio.gather(*(user(n) for n in range(40)))
    async with engine.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM item"))).scalar_one()
    assert count == 40
    assert 1 <= len(opened) <= SQLITE_CONNECTIONS == 5
