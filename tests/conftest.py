"""Shared fixtures: settings on a fresh database, the real services, PostgreSQL when reachable."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common.settings import ROOT, Settings
from bot.core.services import Services, build_services
from bot.db.common.migrate import upgrade
from bot.db.engine import create_engine, session_factory

PG_URL = os.environ.get("CAREBOT_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings isolated from the developer's .env and database."""
    values: dict[str, object] = {
        "telegram_token": None,
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'carebot.db'}",
        "knowledge_dir": ROOT / "knowledge",
        "templates_dir": ROOT / "templates" / "messages",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


_migrated: Path | None = None  # this run's SQLite file at the newest migration, made on first use


def migrate(database_url: str) -> None:
    """Bring a test's database to the newest migration. A SQLite file not made yet becomes a copy of one migrated
    once per run (migrating each test's own took a third of a second, well over a thousand times a run); any
    other database is migrated."""
    global _migrated
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        upgrade(database_url)
        return
    target = Path(url.database)
    if target.exists():
        upgrade(database_url)
        return
    if _migrated is None:
        folder = Path(tempfile.mkdtemp(prefix="carebot-migrated-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        upgrade(f"sqlite+aiosqlite:///{folder / 'carebot.db'}")
        _migrated = folder / "carebot.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(_migrated)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh migrated SQLite file."""
    settings = make_settings(tmp_path)
    migrate(settings.database_url)
    return settings


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    services = build_services(settings)
    yield services
    await services.engine.dispose()


@pytest.fixture(scope="session")
def shared_services() -> Iterator[Services]:
    """Knowledge base and matcher built once for the read-only tests (no database use)."""
    services = build_services(make_settings(Path("/nonexistent")))
    yield services


async def _pg_reachable(url: str) -> bool:
    import asyncpg

    dsn = url.replace("postgresql+asyncpg", "postgresql")
    try:
        connection = await asyncio.wait_for(asyncpg.connect(dsn), timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await connection.close()
    return True


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL schema. Skips when PostgreSQL is unreachable, but fails under CI=true."""
    if not await _pg_reachable(PG_URL):
        message = f"PostgreSQL is not reachable at {PG_URL}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    import asyncpg

    schema = f"carebot_test_{uuid.uuid4().hex[:12]}"
    dsn = PG_URL.replace("postgresql+asyncpg", "postgresql")
    connection = await asyncpg.connect(dsn)
    await connection.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{PG_URL}?search_path={schema}"
    try:
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await connection.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, settings: Settings) -> str:
    """Each test that takes it runs twice: on the migrated SQLite file and on a fresh PostgreSQL schema."""
    return settings.database_url if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on `database_url` (both databases)."""
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()
