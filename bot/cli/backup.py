"""`python -m bot db backup FILE`: a consistent copy of the SQLite database while the bot runs.

SQLite's online backup API copies the database page by page under its own locking, so the copy is consistent
even while the bot writes (WAL mode). PostgreSQL is backed up with its own tools (pg_dump): this command says
so and prints the command, since a dump is the database server's job.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url

from bot.core.common.settings import Settings


def pg_dump_command(database_url: str) -> str:
    url = make_url(database_url)
    schema = url.query.get("search_path")
    parts = ["pg_dump", "--format=custom", f"--host={url.host or 'localhost'}", f"--port={url.port or 5432}",
             f"--username={url.username or 'postgres'}"]
    if schema:
        parts.append(f"--schema={schema}")
    return " ".join([*parts, f"--file=carebot.dump {url.database}"])


def backup(settings: Settings, target: Path, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Copy the SQLite database to `target` (a new file); exit 0, or 2 with one line saying why not."""
    out, err = out or sys.stdout, err or sys.stderr
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        print(f"db backup copies SQLite databases; for PostgreSQL run: {pg_dump_command(settings.database_url)}",
              file=err)
        return 2
    source = Path(url.database or "")
    if not url.database or url.database == ":memory:" or not source.is_file():
        print(f"no SQLite database at {source}", file=err)
        return 2
    if target.exists():
        print(f"{target} exists: give a new file name (a backup never overwrites)", file=err)
        return 2
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with sqlite3.connect(source) as src, sqlite3.connect(partial) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        (check,) = dst.execute("PRAGMA integrity_check").fetchone()
    src.close()
    dst.close()
    if check != "ok":
        partial.unlink(missing_ok=True)
        print(f"the copy failed its integrity check: {check}", file=err)
        return 2
    partial.rename(target)
    print(f"backed up {source} to {target} ({target.stat().st_size:,} bytes)", file=out)
    return 0
