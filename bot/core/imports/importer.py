"""Import the dealer system's CSV exports: customers, vehicles, visits (docs/import.md).

The whole file is read and split into rows first (a file-level problem stops everything: FileError). Then,
batch by batch, every row is parsed and checked, the valid ones are merged with what is stored and written in
one transaction per batch. If the database refuses a batch, its rows are written one transaction each, so
the row at fault is reported and nothing of it is kept. Line numbers are those a spreadsheet shows (the header
is line 1; a cell with a line break does not shift them).
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.imports import repo as import_repo
from bot.core.imports.fields import COLUMNS, FileError, HeaderMap, ParseContext, long_text, map_header, parse_row
from bot.core.imports.kinds import Kind, Planned, Row, make_kind
from bot.core.imports.records import Records, read_records

KINDS = tuple(COLUMNS)
Progress = Callable[[int, int], None]
_GB_ENCODINGS = {"gbk", "gb2312", "gb18030", "cp936"}


@dataclass(frozen=True)
class Rejection:
    """One reason a row was not imported."""

    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


@dataclass
class ImportReport:
    """What one import did (or, with dry_run, would do)."""

    kind: str
    source: str
    dry_run: bool = False
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    blank_lines: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """How many rows were rejected (a row may have several reasons)."""
        return len({rejection.line for rejection in self.rejections})

    def summary(self) -> str:
        """One line for the operator."""
        text = (
            f"{self.source}: {self.kind}: {_plural(self.rows, 'row')}: {self.inserted} inserted, "
            f"{self.updated} updated, {self.unchanged} unchanged, {self.rejected} rejected"
        )
        if self.blank_lines:
            text += f" ({_plural(self.blank_lines, 'blank line')} skipped)"
        return text + (" — dry run, nothing was written" if self.dry_run else "")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def decode(data: bytes, encoding: str | None = None) -> str:
    """The file's text: UTF-8 with or without BOM, or the encoding asked for; FileError with advice otherwise."""
    if encoding:
        codec = "gb18030" if encoding.lower().replace("-", "") in _GB_ENCODINGS else encoding
        try:
            return data.decode(codec).removeprefix("\ufeff")
        except LookupError as exc:
            raise FileError(f"unknown encoding {encoding!r}") from exc
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise FileError(f"line {line}: the file is not {encoding}; try without --encoding") from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileError("the file is UTF-16 (Excel's 'Unicode Text'); save it as 'CSV UTF-8 (Comma delimited)'")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        try:
            data.decode("gb18030")
            guess = "it looks like a GBK/GB18030 (Chinese Excel 'CSV') or Big5 export"
        except UnicodeDecodeError:
            guess = "its encoding is unknown"
        raise FileError(
            f"line {line}: the file is not UTF-8 ({guess}); save it as 'CSV UTF-8 (Comma delimited)', "
            "or pass --encoding gbk (Simplified Chinese Excel) or --encoding big5 (Traditional)"
        ) from exc


def delimiter_of(text: str) -> str:
    """Comma, semicolon or tab: whichever the header line has most of."""
    first_line = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first_line.count)


def read_text(text: str, kind: str | None = None) -> Records:
    """The CSV records numbered as a spreadsheet numbers its rows, broken quotes found (records.py)."""
    columns = COLUMNS.get(kind or "", ())
    multiline = {column.name for column in columns if column.parse is long_text}

    def single_line(header: list[str]) -> list[int]:
        try:
            mapped = map_header(header, columns).index if columns else {}
        except FileError:
            return []  # _check_header says why
        return [position for name, position in mapped.items() if name not in multiline]

    return read_records(text, delimiter_of(text), single_line)


def read_file(path: Path, encoding: str | None = None, kind: str | None = None) -> Records:
    """Read and split a CSV file; FileError when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileError(f"cannot read the file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise FileError("the file is empty")
    return read_text(decode(data, encoding), kind)


def _check_header(kind: str, records: list[tuple[int, list[str]]]) -> HeaderMap:
    if not records or not any(cell.strip() for cell in records[0][1]):
        raise FileError("line 1: the first line must be the header (the column names)")
    header = map_header(records[0][1], COLUMNS[kind])
    if kind != "customers" and not {"plate", "vin"} & header.index.keys():
        raise FileError("line 1: missing column: plate or vin (e.g. 车牌, 车架号); see docs/import.md")
    return header


class _Run:
    """One import of one file: batches, transactions, counts."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], kind: Kind, report: ImportReport) -> None:
        self.sessions, self.kind, self.report = sessions, kind, report

    async def batch(self, rows: list[Row]) -> None:
        async with self.sessions() as session:
            plan = await self.kind.plan(session, rows)
            writes = [p for p in plan.rows if p.action != "unchanged"]
            try:
                await self.kind.write(session, writes)
                await (session.rollback() if self.report.dry_run else session.commit())
            except DBAPIError:
                await session.rollback()
                await self.one_by_one(writes)
        self.report.rejections.extend(Rejection(*rejected) for rejected in plan.rejected)
        self.count(plan.rows)

    async def one_by_one(self, writes: list[Planned]) -> None:
        """After the database refused a batch: each row in its own transaction, the bad one reported."""
        for planned in writes:
            async with self.sessions() as session:
                try:
                    await self.kind.write(session, [planned])
                    await (session.rollback() if self.report.dry_run else session.commit())
                except DBAPIError as exc:
                    await session.rollback()
                    reason = str(exc.orig or exc).strip().splitlines()[0][:200]
                    self.report.rejections.append(Rejection(planned.line, "row", f"the database refused it: {reason}"))
                    planned.action = "rejected"

    def count(self, planned: list[Planned]) -> None:
        for row in planned:
            if row.action == "insert":
                self.report.inserted += 1
            elif row.action == "update":
                self.report.updated += 1
            elif row.action == "unchanged":
                self.report.unchanged += 1


async def import_csv(
    sessions: async_sessionmaker[AsyncSession],
    kind: str,
    path: Path,
    *,
    region: str,
    today: dt.date,
    tz: dt.tzinfo = dt.UTC,
    dry_run: bool = False,
    encoding: str | None = None,
    progress: Progress | None = None,
    batch_size: int = 1000,
) -> ImportReport:
    """Import one CSV file of `kind`; FileError before anything is written when the file cannot be used."""
    if kind not in COLUMNS:
        raise FileError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    found = read_file(path, encoding, kind)
    records = found.rows
    header = _check_header(kind, records)
    names = {position: name for name, position in header.index.items()}
    report = ImportReport(kind, path.name, dry_run=dry_run, ignored_columns=header.ignored)
    run, ctx, columns = _Run(sessions, make_kind(kind), report), ParseContext(region, today, tz), COLUMNS[kind]
    data = records[1:]
    for start in range(0, len(data), batch_size):
        valid: list[Row] = []
        for line, cells in data[start : start + batch_size]:
            if line not in found.broken and not any(cell.strip() for cell in cells):
                report.blank_lines += 1
                continue
            report.rows += 1
            if line in found.broken:  # an unclosed quote: the row is refused, the lines it took are read again
                position, reason = found.broken[line]
                report.rejections.append(Rejection(line, names.get(position, f"column {position + 1}"), reason))
                continue
            values, errors = parse_row(cells, header, columns, ctx)
            nul = _nul_errors(cells, names)
            errors = nul + [error for error in errors if error[0] not in {name for name, _ in nul}]
            report.rejections.extend(Rejection(line, name, reason) for name, reason in errors)
            if not errors:
                valid.append(Row(line, values))
        if valid:
            await run.batch(valid)
        if progress is not None:
            progress(min(start + batch_size, len(data)), len(data))
    report.rejections.sort(key=lambda rejection: rejection.line)
    return report


def _nul_errors(cells: list[str], names: dict[int, str]) -> list[tuple[str, str]]:
    """A NUL character: PostgreSQL refuses it in text and SQLite would store it, so it is refused on both."""
    return [(names[i], "contains a NUL character (\\0): remove it and import again")
            for i, cell in enumerate(cells) if "\0" in cell and i in names]  # fmt: skip


async def seed_demo_data(
    sessions: async_sessionmaker[AsyncSession], demo_dir: Path, *, region: str, today: dt.date
) -> list[ImportReport]:
    """Import knowledge/demo/{customers,vehicles,visits}.csv into a database with no customers; else nothing."""
    async with sessions() as session:
        if await import_repo.count_customers(session):
            return []
    reports = []
    with tempfile.TemporaryDirectory(prefix="carebot-demo-") as folder:
        for kind in KINDS:
            shifted = Path(folder) / f"{kind}.csv"
            shifted.write_text(shift_dates((demo_dir / f"{kind}.csv").read_text(encoding="utf-8-sig"), today))
            reports.append(await import_csv(sessions, kind, shifted, region=region, today=today))
    return reports


# The day the demo CSVs describe. Seeding moves every date by (today - DEMO_AS_OF), so the demo stays as
# alive as on that day: the first demo customer's insurance is due in three weeks (a reminder to see after
# linking in `python -m bot chat`), visits are recent enough for follow-ups, warranties run as they did.
DEMO_AS_OF = dt.date(2026, 11, 28)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def shift_dates(text: str, today: dt.date) -> str:
    """Every YYYY-MM-DD in `text` moved by the days between DEMO_AS_OF and `today`."""
    offset = today - DEMO_AS_OF

    def moved(match: re.Match[str]) -> str:
        try:
            return (dt.date(*map(int, match.groups())) + offset).isoformat()
        except ValueError:  # not a date after all: leave it as written
            return match.group(0)

    return _ISO_DATE.sub(moved, text) if offset else text
