"""`python -m bot import customers|vehicles|visits FILE.csv [--dry-run] [--encoding E]`, and the demo seed.

Rejected rows go to stderr as `line N: field: reason`, the summary to stdout. Exit code 0 when every row was
imported (or unchanged), 1 when some rows were rejected, 2 when the file cannot be used at all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path
from typing import TextIO

from bot.core.common.settings import Settings
from bot.core.imports.fields import FileError
from bot.core.imports.importer import ImportReport, import_csv, seed_demo_data
from bot.db.common.migrate import upgrade
from bot.db.engine import create_engine, session_factory


class ProgressBar:
    """A one-line bar redrawn with a carriage return; only drawn on a terminal."""

    def __init__(self, stream: TextIO, label: str, width: int = 30) -> None:
        self.stream, self.label, self.width = stream, label, width

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {100 * done // max(total, 1):3d}% {done:,}/{total:,}")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def _today(settings: Settings) -> dt.date:
    return dt.datetime.now(settings.tz).date()


async def _import(settings: Settings, kind: str, path: Path, dry_run: bool, encoding: str | None) -> ImportReport:
    bar = ProgressBar(sys.stderr, f"{kind:9s}") if sys.stderr.isatty() else None
    engine = create_engine(settings.database_url)
    try:
        return await import_csv(
            session_factory(engine), kind, path, region=settings.phone_region, today=_today(settings), tz=settings.tz,
            dry_run=dry_run, encoding=encoding, progress=bar,
        )
    finally:
        if bar is not None:
            bar.close()
        await engine.dispose()


def print_report(report: ImportReport, out: TextIO, err: TextIO) -> None:
    """Every rejection, then the ignored columns and the summary."""
    for rejection in report.rejections:
        print(rejection, file=err)
    if report.ignored_columns:
        print(f"note: ignored columns: {', '.join(report.ignored_columns)}", file=out)
    print(report.summary(), file=out)


def run_import(settings: Settings, kind: str, path: Path, dry_run: bool = False, encoding: str | None = None) -> int:
    """The CLI command; migrates the database first so a fresh checkout can import straight away."""
    upgrade(settings.database_url)
    try:
        report = asyncio.run(_import(settings, kind, path, dry_run, encoding))
    except FileError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 2
    print_report(report, sys.stdout, sys.stderr)
    return 1 if report.rejected else 0


async def _seed(settings: Settings) -> list[ImportReport]:
    engine = create_engine(settings.database_url)
    try:
        demo_dir = settings.knowledge_dir / "demo"
        return await seed_demo_data(
            session_factory(engine), demo_dir, region=settings.phone_region, today=_today(settings)
        )
    finally:
        await engine.dispose()


def seed_demo(settings: Settings) -> None:
    """`python -m bot setup`: the demo customers, cars and visits, into a database that has no customers yet."""
    for report in asyncio.run(_seed(settings)):
        print(f"demo data: {report.summary()}")
        for rejection in report.rejections:
            print(f"demo data: {rejection}", file=sys.stderr)
