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
from typing import Any

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


_template_database: str | None = None  # this run's PostgreSQL database at the newest migration, made on first use


async def _pg_template(admin: Any) -> str:
    """A database migrated once per run; each test's database is made from it (CREATE DATABASE … TEMPLATE), which
    takes a fifth of the time of migrating a fresh schema."""
    global _template_database
    if _template_database is None:
        name = f"carebot_template_{uuid.uuid4().hex[:12]}"
        await admin.execute(f'CREATE DATABASE "{name}"')
        await asyncio.to_thread(upgrade, make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
        atexit.register(_drop_database, name)
        _template_database = name
    return _template_database


def _drop_database(name: str) -> None:
    import asyncpg

    async def drop() -> None:
        admin = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg", "postgresql"))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    asyncio.run(drop())


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database of its own. Skips when PostgreSQL is unreachable, but fails under
    CI=true."""
    if not await _pg_reachable(PG_URL):
        message = f"PostgreSQL is not reachable at {PG_URL}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    import asyncpg

    admin = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg", "postgresql"))
    name = f"carebot_test_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{await _pg_template(admin)}"')
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


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
