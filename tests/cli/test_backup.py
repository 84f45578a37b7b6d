"""`python -m bot db backup FILE`: a SQLite copy that opens and holds the rows, taken while the database is open."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.core.common.settings import Settings
from bot.db.engine import create_engine, session_factory
from tests.e2e.outbox_support import enqueue_texts


async def _fill_and_back_up_while_open(settings: Settings, target: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    engine = create_engine(settings.database_url)
    try:
        sessions = session_factory(engine)
        await enqueue_texts(sessions, [(f"message {n}", 1000 + n) for n in range(25)])
        async with sessions() as session:  # a reader holds the WAL database open meanwhile
            from sqlalchemy import text

            await session.execute(text("SELECT count(*) FROM outbox"))
            monkeypatch.setenv("DATABASE_URL", settings.database_url)
            return await asyncio.to_thread(main, ["db", "backup", str(target)])
    finally:
        await engine.dispose()


async def test_backup_copies_the_rows_into_a_file_that_opens(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "backups" / "carebot-1.db"
    assert await _fill_and_back_up_while_open(settings, target, monkeypatch) == 0
    assert "backed up" in capsys.readouterr().out
    assert not target.with_name(target.name + "-wal").exists(), "one self-contained file"
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM outbox").fetchone() == (25,)
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() is not None


def test_backup_never_overwrites_and_names_pg_dump_for_postgresql(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "old.db"
    existing.write_bytes(b"keep me")
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    assert main(["db", "backup", str(existing)]) == 2
    assert existing.read_bytes() == b"keep me"
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://carebot:secret@db:5432/carebot?search_path=cb")
    assert main(["db", "backup", str(tmp_path / "new.db")]) == 2
    err = capsys.readouterr().err
    assert "pg_dump --format=custom --host=db --port=5432 --username=carebot --schema=cb" in err
    assert "secret" not in err
