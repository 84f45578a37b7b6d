"""What differs between SQLite and PostgreSQL and is needed by more than one feature's queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


def upsert_insert(session: AsyncSession):
    """The dialect's INSERT, which has `on_conflict_do_update` / `on_conflict_do_nothing` on both databases."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def engine_of(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine a session factory is bound to: for Core statements on a bare connection, where a hot path
    cannot afford an ORM session's bookkeeping, or to ask which database it is."""
    return sessions.kw["bind"]  # type: ignore[no-any-return]


def one_of(column: Any, ids: Sequence[int], postgresql: bool) -> Any:
    """`column IN (ids)`; on PostgreSQL `column = ANY(:array)`, one parameter however many ids (an IN list of
    thousands is thousands of parameters, each named and bound per execution: 0.15 s of CPU for 5,000)."""
    if postgresql:
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(list(ids))
