"""Import benchmark: 100,000 customers, then 100,000 vehicles, against a plain insert of the same rows.

    python bench/import_bench.py [--rows N] [--no-postgres]

Ours: `bot.core.imports.importer.import_csv` (decode, header aliases, every cell validated, phones through
phonenumbers, plates and VINs normalised, look-ups of what is stored, upserts in batches), then the same file
again (every row unchanged). Baseline, in the same run: `csv.DictReader` + one `executemany` INSERT of the raw
rows, no validation, into a second freshly migrated database (sqlite3 for SQLite, asyncpg for PostgreSQL).
Target: 100,000 rows in under a minute on SQLite. PostgreSQL runs when CAREBOT_TEST_PG_URL (or the test
default) is reachable, each database in a fresh schema that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.imports.importer import ImportReport, import_csv
from bot.db.common.migrate import upgrade
from bot.db.engine import create_engine, session_factory

PG_URL = os.environ.get("CAREBOT_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
TODAY = dt.date(2026, 11, 28)
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
MODELS = [("Toyota", "Corolla"), ("Toyota", "Camry"), ("Honda", "Accord"), ("Honda", "CR-V"), ("Nissan", "Sylphy")]


def generate(folder: Path, rows: int) -> tuple[Path, Path]:
    """customers.csv and vehicles.csv with `rows` rows each, every vehicle owned by one customer."""
    rng = random.Random(7)
    customers, vehicles = folder / "customers.csv", folder / "vehicles.csv"
    with customers.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["客戶編號", "姓名", "手機"])
        for number in range(rows):
            writer.writerow([f"C{number:07d}", f"客戶{number}", f"138 {number // 10_000:04d} {number % 10_000:04d}"])
    with vehicles.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "plate", "vin", "make", "model", "delivery_date"])
        for number in range(rows):
            make, model = MODELS[number % len(MODELS)]
            plate = f"粤{'ABCDEFGHJK'[number // 100_000 % 10]}·{number % 100_000:05d}"
            vin = "LVG" + "".join(rng.choice(VIN_CHARS) for _ in range(8)) + f"{number:06d}"
            delivered = TODAY - dt.timedelta(days=number % 2000 + 30)
            writer.writerow([f"+86138{number:08d}", plate, vin, make, model, delivered.isoformat()])
    return customers, vehicles


async def ours(url: str, files: tuple[Path, Path]) -> list[tuple[str, float, ImportReport]]:
    """Time each import, and the re-import of the customers (all unchanged)."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    results = []
    for label, path in (("customers", files[0]), ("vehicles", files[1]), ("customers again", files[0])):
        started = time.perf_counter()
        report = await import_csv(sessions, label.split()[0], path, region="CN", today=TODAY)
        results.append((label, time.perf_counter() - started, report))
    await engine.dispose()
    return results


def _raw_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def baseline_sqlite(database: Path, files: tuple[Path, Path]) -> list[float]:
    """DictReader + executemany, no validation: the floor any importer pays for reading and writing."""
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    times = []
    started = time.perf_counter()
    rows = _raw_rows(files[0])
    connection.executemany(
        "INSERT INTO customer (external_id, name, phone, reminders_opt_out, marketing_opt_out) VALUES (?, ?, ?, 0, 0)",
        [(row["客戶編號"], row["姓名"], row["手機"]) for row in rows],
    )
    connection.commit()
    times.append(time.perf_counter() - started)
    started = time.perf_counter()
    rows = _raw_rows(files[1])
    connection.executemany(
        "INSERT INTO vehicle (customer_id, plate, vin, make, model, delivery_date, use) "
        "VALUES ((SELECT id FROM customer WHERE phone = ?), ?, ?, ?, ?, ?, 'household')",
        [(row["phone"], row["plate"], row["vin"], row["make"], row["model"], row["delivery_date"]) for row in rows],
    )
    connection.commit()
    times.append(time.perf_counter() - started)
    connection.close()
    return times


async def baseline_postgres(dsn: str, schema: str, files: tuple[Path, Path]) -> list[float]:
    """The same baseline through asyncpg's executemany."""
    import asyncpg

    connection = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    times = []
    started = time.perf_counter()
    rows = _raw_rows(files[0])
    await connection.executemany(
        "INSERT INTO customer (external_id, name, phone) VALUES ($1, $2, $3)",
        [(row["客戶編號"], row["姓名"], row["手機"]) for row in rows],
    )
    times.append(time.perf_counter() - started)
    started = time.perf_counter()
    rows = _raw_rows(files[1])
    await connection.executemany(
        "INSERT INTO vehicle (customer_id, plate, vin, make, model, delivery_date) "
        "VALUES ((SELECT id FROM customer WHERE phone = $1), $2, $3, $4, $5, $6::date)",
        [(r["phone"], r["plate"], r["vin"], r["make"], r["model"], dt.date.fromisoformat(r["delivery_date"]))
         for r in rows],
    )
    times.append(time.perf_counter() - started)
    await connection.close()
    return times


def report(engine: str, results: list[tuple[str, float, ImportReport]], baseline: list[float]) -> None:
    print(f"\n{engine}")
    print(f"  {'file':16s} {'rows':>8s} {'seconds':>8s} {'rows/s':>9s} {'baseline s':>10s} {'ratio':>6s}  result")
    for index, (label, seconds, result) in enumerate(results):
        base = baseline[index] if index < len(baseline) else None
        ratio = f"{seconds / base:6.1f}" if base else "     -"
        base_text = f"{base:10.2f}" if base else "         -"
        outcome = f"{result.inserted} ins, {result.updated} upd, {result.unchanged} unch, {result.rejected} rej"
        speed = result.rows / seconds
        print(f"  {label:16s} {result.rows:8,d} {seconds:8.2f} {speed:9,.0f} {base_text} {ratio}  {outcome}")


async def _pg_schemas(count: int) -> tuple[str, list[str]] | None:
    import asyncpg

    dsn = PG_URL.replace("postgresql+asyncpg", "postgresql")
    try:
        connection = await asyncio.wait_for(asyncpg.connect(dsn), timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return None
    schemas = [f"carebot_bench_{uuid.uuid4().hex[:10]}" for _ in range(count)]
    for schema in schemas:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
    await connection.close()
    return dsn, schemas


async def _drop(dsn: str, schemas: list[str]) -> None:
    import asyncpg

    connection = await asyncpg.connect(dsn)
    for schema in schemas:
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    await connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = generate(folder, args.rows)
        print(f"{args.rows:,} customers and {args.rows:,} vehicles generated in {folder}")
        url = f"sqlite+aiosqlite:///{folder / 'ours.db'}"
        upgrade(url)
        results = asyncio.run(ours(url, files))
        upgrade(f"sqlite+aiosqlite:///{folder / 'baseline.db'}")
        report("SQLite", results, baseline_sqlite(folder / "baseline.db", files))
        worst = max(seconds for _label, seconds, _report in results[:2])
        verdict = "OK" if worst < 60 * args.rows / 100_000 else "TOO SLOW"
        print(f"  target: {args.rows:,} rows in under {60 * args.rows / 100_000:.0f} s per file: {verdict}")
        pg = None if args.no_postgres else asyncio.run(_pg_schemas(2))
        if pg is None:
            print("\nPostgreSQL: not reachable or --no-postgres, skipped")
            return 0 if verdict == "OK" else 1
        dsn, (ours_schema, base_schema) = pg
        try:
            upgrade(f"{PG_URL}?search_path={ours_schema}")
            upgrade(f"{PG_URL}?search_path={base_schema}")
            results = asyncio.run(ours(f"{PG_URL}?search_path={ours_schema}", files))
            report("PostgreSQL", results, asyncio.run(baseline_postgres(dsn, base_schema, files)))
        finally:
            asyncio.run(_drop(dsn, [ours_schema, base_schema]))
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
