"""What differs between SQLite and PostgreSQL and is needed by more than one feature's queries."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def upsert_insert(session: AsyncSession):
    """The dialect's INSERT, which has `on_conflict_do_update` / `on_conflict_do_nothing` on both databases."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
