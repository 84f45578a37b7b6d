"""Run Alembic migrations from code (`python -m bot migrate`, `run`, `make run`, the tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

ROOT = Path(__file__).resolve().parents[3]  # the checkout: alembic.ini and migrations/
MIGRATION_LOCK = "carebot-migrate"


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database to `revision`; safe to run any number of times.

    On PostgreSQL every migration runs in one transaction that first takes a transaction-level advisory lock,
    so replicas starting at once migrate one after the other: the second waits, then finds nothing to do.
    """
    if make_url(database_url).get_backend_name() != "postgresql":
        command.upgrade(alembic_config(database_url), revision)
        return
    asyncio.run(_upgrade_locked(database_url, revision))


async def _upgrade_locked(database_url: str, revision: str) -> None:
    from bot.db.engine import create_engine

    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:  # DDL is transactional on PostgreSQL: all or nothing
            await connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": MIGRATION_LOCK})
            await connection.run_sync(_upgrade_on, database_url, revision)
    finally:
        await engine.dispose()


def _upgrade_on(connection: Connection, database_url: str, revision: str) -> None:
    config = alembic_config(database_url)
    config.attributes["connection"] = connection  # migrations/env.py runs on it instead of its own engine
    command.upgrade(config, revision)


def describe_url(database_url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(database_url).render_as_string(hide_password=True)
