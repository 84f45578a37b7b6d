"""SQLAlchemy's aiosqlite adapter with one hand-over to aiosqlite's thread per statement instead of four.

aiosqlite runs each sqlite3 call in its own thread: the event loop queues the call, the thread runs it and wakes
the loop with the result. SQLAlchemy's adapter makes four such calls for every statement (open a cursor, execute,
fetch the rows, close the cursor) and one more for the rollback that returns a connection to the pool, even
when sqlite3 has no transaction to roll back. Each hand-over cost about 125 µs of CPU as the two threads trade
the GIL, most of a SELECT's cost (bench/throughput_bench.py). Here the four calls run as one function in the
thread, and a commit or rollback with no transaction open is not handed over at all: sqlite3 would do nothing
with it (it commits or rolls back only when a transaction is open). Everything else — the connection, its
thread, server-side cursors (`stream`), errors — is SQLAlchemy's and aiosqlite's own.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

# What one statement leaves: description, rows, lastrowid, rowcount.
_Outcome = tuple[Any, list[Any] | None, Any, int]


def _execute(connection: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
    """In aiosqlite's thread: what SQLAlchemy's adapter does in four hand-overs."""
    cursor = connection.cursor()
    try:
        cursor.execute(operation, () if parameters is None else parameters)
        if cursor.description:
            return cursor.description, cursor.fetchall(), -1, -1
        return None, None, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


def _executemany(connection: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, parameters)
        return None, None, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose statement runs in one hand-over to aiosqlite's thread."""

    __slots__ = ()

    def _run(self, function: Any, operation: Any, parameters: Any) -> _Outcome:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        try:
            return self.await_(connection._execute(function, connection._conn, operation, parameters))  # type: ignore[no-any-return]
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        description, rows, lastrowid, rowcount = self._run(_execute, operation, parameters)
        self.description = description
        if rows is not None:
            self._rows = deque(rows)
        self.lastrowid, self.rowcount = lastrowid, rowcount

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        _description, _rows, lastrowid, rowcount = self._run(_executemany, operation, seq_of_parameters)
        self.description = None
        self.lastrowid, self.rowcount = lastrowid, rowcount


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's adapted connection with one-hand-over cursors and no hand-over for a commit or rollback that
    sqlite3 would skip."""

    __slots__ = ()

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        if server_side:
            return super().cursor(server_side=True)
        return OneHopCursor(self)

    def _in_transaction(self) -> bool:
        try:
            return bool(self._connection.in_transaction)
        except ValueError:  # closed: let SQLAlchemy's own call report it
            return True

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()


class OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module given to SQLAlchemy's aiosqlite dialect (`create_async_engine(module=…)`)."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        if type(adapted) is not AsyncAdapt_aiosqlite_connection:  # the sync fallback: left as it is
            return adapted
        return OneHopConnection(self, adapted._connection)
