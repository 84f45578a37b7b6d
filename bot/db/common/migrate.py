"""Run Alembic migrations from code (`python -m bot migrate`, `run`, `make run`, the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[3]  # the checkout: alembic.ini and migrations/
MIGRATION_LOCK = "carebot-migrate"


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database to `revision`; safe to run any number of times, and from replicas starting at once:
    on PostgreSQL migrations/env.py takes a transaction-level advisory lock (`MIGRATION_LOCK`) first, so the
    second replica waits, then finds nothing to do."""
    command.upgrade(alembic_config(database_url), revision)


def describe_url(database_url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(database_url).render_as_string(hide_password=True)
