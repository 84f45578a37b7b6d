"""What differs between SQLite and PostgreSQL and is needed by more than one feature's queries."""

from __future__ import annotations

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
