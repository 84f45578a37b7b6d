"""Reminder sweep benchmark: the whole sweep over N cars on SQLite and PostgreSQL, against a same-run baseline.

    python bench/sweep_bench.py [--vehicles 1000000] [--backend sqlite|postgresql|both] [--pg URL] [--batch 5000]
                                [--phases recompute,baseline,sweep,sweep again] [--schema NAME] [--keep]

Builds a dealer's records in bulk (a temporary SQLite file; a fresh PostgreSQL schema, filled with COPY):
N cars, 0.8 N customers (so a fifth of them own two cars, far apart in id order: the per-customer cap
works across pages), 0-3 odometer readings and 0-2 maintenance visits a car. 70% of customers are on
Telegram, 5% of those opted out, 2% unreachable; 1% of cars released; 85% have an insurance expiry within
two months back to a year ahead; deliveries over the last 12 years (service, inspection and 三包 items).

Each phase runs in a fresh process (spawned), so its peak RSS (ru_maxrss) is its own:
- idle: imports and the services, no query: the floor under every phase's memory;
- recompute: every car's due dates computed into vehicle_due (the backfill the first sweep after migration
  0010, or after a rule change, does first; `python -m bot sweep --recompute`);
- baseline: the sweep's own keyset-paginated SELECT of every remindable car (Core rows, same page size),
  with no history and no due-date computation; the sweep's overhead factor is its time over this;
- read+history: the same pages plus their readings and visits (what the sweep reads, nothing computed);
- dry run: `sweep(dry_run=True)`: everything but the writes (messages are rendered and signed);
- sweep: the real sweep, enqueueing; then the same sweep again (every reminder already in the outbox);
- next day: the sweep a day later, as it runs every day (what newly falls due, the rows that ran out recomputed).
`--phases` runs some of them, in this order (idle and baseline always run: the figures are relative to them);
leave out `recompute` and the first sweep measured does the backfill itself.

`--schema NAME` (PostgreSQL) keeps the generated dataset in that schema and reuses it in later runs: building
a million cars and their due dates takes far longer than the sweeps measured. A run that finds the schema
loaded skips the load and empties the outbox first, so its first sweep enqueues everything again (run
`recompute` in the run that builds it, then measure `sweep,sweep again,next day` as often as needed; the
`next day` phase leaves a day's recomputed rows behind, which the next run's first sweep recomputes back).
Drop it yourself when done: `DROP SCHEMA NAME CASCADE`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db.common.migrate import upgrade

TODAY = dt.date(2026, 11, 28)
NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(dt.UTC)
CHUNK = 50_000
MODELS = {"Toyota": ["Corolla", "Camry", "RAV4"], "Honda": ["Civic", "Accord", "CR-V"], "Nissan": ["Sylphy", "X-Trail"],
          "Volkswagen": ["Lavida", "Passat"], "比亚迪": ["秦PLUS", "宋"]}  # fmt: skip
CUSTOMER_COLUMNS = ("id", "telegram_user_id", "chat_id", "phone", "first_name", "reminders_opt_out",
                    "marketing_opt_out", "locale_choice", "last_locale", "unreachable_at")  # fmt: skip
VEHICLE_COLUMNS = ("id", "customer_id", "plate", "make", "model", "delivery_date", "use", "insurance_expiry",
                   "released_at")  # fmt: skip
READING_COLUMNS = ("vehicle_id", "read_on", "km", "source")
VISIT_COLUMNS = ("visit_no", "vehicle_id", "visit_date", "km", "kind", "completed")
Tables = dict[str, list[tuple[Any, ...]]]


def customers(count: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    for c in range(1, count + 1):
        on_telegram = rng.random() < 0.7
        gone = NOW if on_telegram and rng.random() < 0.02 else None
        yield (c, 10_000_000 + c if on_telegram else None, 10_000_000 + c if on_telegram else None,
               None if on_telegram else f"+86138{c:08d}", f"C{c}", on_telegram and rng.random() < 0.05, False,
               rng.choice([None, None, "en", "zh-Hans"]), rng.choice([None, "zh-Hant", "zh-Hans"]), gone)  # fmt: skip


def vehicle(i: int, owners: int, rng: random.Random, tables: Tables) -> None:
    """One car with its readings and visits, appended to `tables`."""
    make = rng.choice(list(MODELS))
    delivered = TODAY - dt.timedelta(days=rng.randint(30, 12 * 365))
    insurance = TODAY + dt.timedelta(days=rng.randint(-60, 365)) if rng.random() < 0.85 else None
    released = NOW if rng.random() < 0.01 else None
    use = "commercial" if rng.random() < 0.05 else "household"
    tables["vehicle"].append((i, (i - 1) % owners + 1, f"粤B{i:07d}", make, rng.choice(MODELS[make]), delivered, use,
                              insurance, released))  # fmt: skip
    age, rate, km, day = (TODAY - delivered).days, rng.uniform(20, 70), 0, delivered
    for n in range(rng.randint(0, 3)):
        later = min(day + dt.timedelta(days=rng.randint(30, max(31, age // 2))), TODAY)
        if later <= day:
            break
        day, km = later, max(km, int((later - delivered).days * rate))
        tables["odometer_reading"].append((i, day, km, "register" if n else "customer"))
    for n in range(rng.randint(0, 2)):
        visit = delivered + dt.timedelta(days=rng.randint(1, age))
        tables["service_visit"].append((f"RO{i}-{n}", i, visit, int((visit - delivered).days * rate), "maintenance",
                                        True))  # fmt: skip


def chunks(n: int, seed: int) -> Iterator[Tables]:
    """The records in chunks of CHUNK cars (customers first)."""
    rng = random.Random(seed)
    owners = int(n * 0.8)
    batch: list[tuple[Any, ...]] = []
    for row in customers(owners, rng):
        batch.append(row)
        if len(batch) == CHUNK:
            yield {"customer": batch}
            batch = []
    yield {"customer": batch}
    for start in range(1, n + 1, CHUNK):
        tables: Tables = {"vehicle": [], "odometer_reading": [], "service_visit": []}
        for i in range(start, min(start + CHUNK, n + 1)):
            vehicle(i, owners, rng, tables)
        yield tables


COLUMNS = {"customer": CUSTOMER_COLUMNS, "vehicle": VEHICLE_COLUMNS, "odometer_reading": READING_COLUMNS,
           "service_visit": VISIT_COLUMNS}  # fmt: skip


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.isoformat() if isinstance(value, dt.date) else value


def load_sqlite(path: str, n: int, seed: int) -> int:
    """executemany in one transaction per chunk; returns the rows written."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    written = 0
    for tables in chunks(n, seed):
        for table, rows in tables.items():
            columns = COLUMNS[table]
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            connection.executemany(sql, [tuple(map(_sqlite_value, row)) for row in rows])
            written += len(rows)
        connection.commit()
    connection.execute("ANALYZE")
    connection.close()
    return written


async def load_postgres(dsn: str, schema: str, n: int, seed: int) -> int:
    """COPY (asyncpg copy_records_to_table) per chunk; returns the rows written."""
    import asyncpg

    connection = await asyncpg.connect(dsn)
    written = 0
    try:
        for tables in chunks(n, seed):
            for table, rows in tables.items():
                await connection.copy_records_to_table(table, records=rows, columns=COLUMNS[table], schema_name=schema)
                written += len(rows)
        await connection.execute(f'ANALYZE "{schema}".customer, "{schema}".vehicle, "{schema}".odometer_reading, '
                                 f'"{schema}".service_visit')  # fmt: skip
    finally:
        await connection.close()
    return written


def phase(name: str, url: str, batch: int) -> dict[str, Any]:
    """One measured phase in this (fresh) process: seconds, peak RSS, and what it counted."""
    return asyncio.run(_phase(name, url, batch))


async def _phase(name: str, url: str, batch: int) -> dict[str, Any]:
    from bot.core.common.settings import ROOT, Settings
    from bot.core.reminders import repo as reminder_repo
    from bot.core.reminders.sweep import ReminderDeps, sweep
    from bot.core.services import build_services

    settings = Settings(_env_file=None, database_url=url, telegram_token=None, knowledge_dir=ROOT / "knowledge",  # type: ignore[call-arg]
                        templates_dir=ROOT / "templates" / "messages", reminder_batch_size=batch)
    services = build_services(settings)
    deps = ReminderDeps.from_services(services)
    result: dict[str, Any] = {}
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    started = time.perf_counter()
    if name == "recompute":
        from bot.core.reminders import due_store

        recomputed = await due_store.refresh(services.sessions, deps, TODAY, full=True)
        result["cars"] = recomputed["all"]
    elif name in ("baseline", "read+history"):
        after, cars = 0, 0
        while True:
            async with services.sessions() as session:
                page = await reminder_repo.car_page(session, after, batch)
                if name == "read+history" and page:
                    ids = [car.id for car in page]
                    await reminder_repo.odometer_history(session, ids)
                    await reminder_repo.service_history(session, ids)
            if not page:
                break
            after, cars = page[-1].id, cars + len(page)
        result["cars"] = cars
    elif name != "idle":
        later = dt.timedelta(days=1 if name == "next day" else 0)
        report = await sweep(services.sessions, deps, NOW + later, TODAY + later, dry_run=name == "dry run")
        result.update(cars=report.cars, items=report.items, enqueued=report.enqueued, outcomes=dict(report.outcomes),
                      recomputed=report.recomputed)  # fmt: skip
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["seconds"] = time.perf_counter() - started
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime - cpu_before
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    await services.engine.dispose()
    return result


def measure(name: str, url: str, batch: int) -> dict[str, Any]:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(phase, name, url, batch).result()


PHASES = ("idle", "recompute", "baseline", "read+history", "dry run", "sweep", "sweep again", "next day")


def report(
    backend: str, n: int, load_seconds: float, rows: int, batch: int, url: str, phases: tuple[str, ...] = PHASES
) -> None:
    loaded = f"{rows:,} rows loaded in {load_seconds:.1f} s ({rows / load_seconds:,.0f} rows/s)" if rows else "reused"
    print(f"\n== {backend}: {n:,} cars, {loaded}; load average {os.getloadavg()[0]:.1f}", flush=True)
    print(f"{'phase':14s} {'seconds':>9s} {'CPU s':>8s} {'cars/s':>10s} {'peak RSS':>10s}  counted", flush=True)
    results: dict[str, dict[str, Any]] = {}
    for name in (name for name in PHASES if name in {"idle", "baseline", *phases}):
        result = results[name] = measure(name, url, batch)
        cars = result.get("cars")
        rate = f"{cars / result['seconds']:,.0f}" if cars else "-"
        counted = {k: v for k, v in result.items() if k not in ("seconds", "cpu_seconds", "peak_rss_mb")}
        print(f"{name:14s} {result['seconds']:9.2f} {result['cpu_seconds']:8.2f} {rate:>10s} "
              f"{result['peak_rss_mb']:8.0f} MB  load {os.getloadavg()[0]:.1f}  {counted}", flush=True)  # fmt: skip
    base, idle = results["baseline"], results["idle"]["peak_rss_mb"]
    for name in (name for name in ("recompute", "dry run", "sweep", "sweep again", "next day") if name in results):
        result = results[name]
        print(f"{name}: {result['seconds'] / base['seconds']:.1f}x the baseline's time "
              f"({result['cpu_seconds'] / max(base['cpu_seconds'], 1e-9):.1f}x its CPU time), "
              f"peak RSS {result['peak_rss_mb'] - idle:+.0f} MB over idle", flush=True)  # fmt: skip


def run_sqlite(args: argparse.Namespace) -> None:
    path = Path(tempfile.mkdtemp(prefix="sweep-bench-")) / "bench.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    started = time.perf_counter()
    rows = load_sqlite(str(path), args.vehicles, args.seed)
    report("SQLite", args.vehicles, time.perf_counter() - started, rows, args.batch, url, args.phases)
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def run_postgres(args: argparse.Namespace) -> None:
    import asyncpg

    dsn = args.pg.replace("postgresql+asyncpg", "postgresql")
    schema = args.schema or f"sweep_bench_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> Any:
        connection = await asyncpg.connect(dsn)
        try:
            return await connection.fetchval(sql)
        finally:
            await connection.close()

    url = f"{args.pg}?search_path={schema}"
    loaded = args.schema and asyncio.run(admin(
        f"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name = 'vehicle'"))
    if loaded:
        cars = asyncio.run(admin(f'SELECT count(*) FROM "{schema}".vehicle'))
        if cars != args.vehicles:
            raise SystemExit(f"schema {schema} holds {cars:,} cars, not {args.vehicles:,}")
        asyncio.run(admin(f'TRUNCATE "{schema}".outbox'))
        rows, load_seconds = 0, 0.0
        print(f"reusing schema {schema} (outbox emptied)", flush=True)
    else:
        asyncio.run(admin(f'CREATE SCHEMA "{schema}"'))
    try:
        upgrade(url)  # a kept schema follows the code's migrations too
        if not loaded:
            started = time.perf_counter()
            rows = asyncio.run(load_postgres(dsn, schema, args.vehicles, args.seed))
            load_seconds = time.perf_counter() - started
        report("PostgreSQL", args.vehicles, load_seconds, rows, args.batch, url, args.phases)
    finally:
        if not args.keep and not args.schema:
            asyncio.run(admin(f'DROP SCHEMA "{schema}" CASCADE'))


def _phases(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in PHASES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown phases {unknown}: expected some of {', '.join(PHASES)}")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vehicles", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg", default=os.environ.get("CAREBOT_TEST_PG_URL",
                                                       "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--batch", type=int, default=5000, help="cars per page (settings.reminder_batch_size)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--phases", type=_phases, default=PHASES,
                        help=f"comma-separated, from: {', '.join(PHASES)} (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--schema", help="PostgreSQL: build the dataset in this schema and keep it; reuse it when "
                                         "it is there (its outbox emptied)")
    args = parser.parse_args()
    print(f"sweep benchmark: {args.vehicles:,} cars, today {TODAY}, batch {args.batch}, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs", flush=True)  # fmt: skip
    if args.backend in ("sqlite", "both"):
        run_sqlite(args)
    if args.backend in ("postgresql", "both"):
        run_postgres(args)


if __name__ == "__main__":
    main()
