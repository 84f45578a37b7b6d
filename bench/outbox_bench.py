"""Outbox sender benchmark: throughput within Telegram's limits against the loopback Bot API, same-run baseline.

    python bench/outbox_bench.py [--messages 2000] [--chats 500] [--rate 100] [--pg URL]

The loopback server (tests/botapi) runs in its own process, as Telegram would, enforcing `--rate` messages in
any second overall (and 1/s per private chat, burst 3; 20/min per group), answering 429 + retry_after beyond.
Both senders drain the same outbox (N messages round-robin over the chats, fresh database each) through
the same claim/record path and the same Bot over HTTP:

- CareBot: the sender with its rate limiter set to the server's rate.
- Baseline: the same sender with every limit off: it sends as fast as its 8 connections allow and obeys
  429s (pausing everything for retry_after, then resending).

The sender counts a message in its rate windows until a second after its answer (bot.core.outbox.rate_limit), so
each round trip costs it that long: expect ~98% of the rate on loopback.

Measured from the server's call log, not from the sender: messages lost and duplicated, 429 answers (and
those after the first), the most messages accepted in any one-second window, the steady rate (accepted
messages over the span from the first to the last accepted one) and the wall rate (messages over the
whole run, claims included).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.outbox import store as outbox
from bot.core.outbox.rate_limit import RateLimiter
from bot.core.outbox.sender import Sender, SenderConfig
from bot.core.outbox.store import OutboxItem, message_payload
from bot.db.common.migrate import upgrade
from bot.db.engine import create_engine, session_factory
from bot.handlers.outbox.transport import OutboxBot, TelegramTransport

CONCURRENCY = 8


def serve(connection: Connection, rate: int, chats: int) -> None:
    """The loopback Bot API in this (child) process; answers `reset`, `calls` and `stop` over the pipe."""
    from tests.botapi.server import FakeBotApiServer, RateLimits

    with FakeBotApiServer(rate_limits=RateLimits(global_per_second=rate)) as server:
        ids = [server.add_user(first_name=f"C{n}").id for n in range(chats)]
        connection.send((server.token, server.base_url, ids))
        while (command := connection.recv()) != "stop":
            if command == "reset":
                server.clear_calls()
                server.rate_limiter.reset()
                connection.send(True)
            elif command == "calls":
                calls = server.calls("sendMessage")
                connection.send([(c.status, c.params.get("text"), c.at) for c in calls])


def ask(connection: Connection, process: Any, command: str) -> Any:
    """Send a command to the server process and wait (bounded) for its answer."""
    connection.send(command)
    if not connection.poll(120) or not process.is_alive():
        raise RuntimeError(f"the loopback server process did not answer {command!r}")
    return connection.recv()


@dataclass
class Result:
    """One sender's run, from the server's point of view."""

    name: str
    messages: int
    accepted: int
    lost: int
    duplicates: int
    too_many_requests: int
    too_many_after_first: int
    max_in_any_second: int
    steady_rate: float
    wall_rate: float
    seconds: float


def judge(name: str, texts: list[str], calls: list[tuple[int, str, float]], seconds: float) -> Result:
    accepted = [(text, at) for status, text, at in calls if status == 200]
    times = sorted(at for _, at in accepted)
    counted = Counter(text for text, _ in accepted)
    limited = sum(1 for status, _, _ in calls if status == 429)
    peak, start = 0, 0
    for end, at in enumerate(times):  # the most accepted messages in any window of one second
        while times[start] <= at - 1.0:
            start += 1
        peak = max(peak, end - start + 1)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return Result(
        name=name,
        messages=len(texts),
        accepted=len(accepted),
        lost=sum(1 for text in texts if text not in counted),
        duplicates=sum(count - 1 for count in counted.values()),
        too_many_requests=limited,
        too_many_after_first=max(limited - 1, 0),
        max_in_any_second=peak,
        steady_rate=(len(times) - 1) / span if span else 0.0,
        wall_rate=len(accepted) / seconds,
        seconds=seconds,
    )


async def fresh_database(pg_url: str | None) -> tuple[str, Any]:
    """A migrated empty database: a temporary SQLite file, or a new schema on PostgreSQL."""
    if pg_url is None:
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='outbox-bench-')}/bench.db"
        await asyncio.to_thread(upgrade, url)
        return url, None
    import asyncpg

    schema = f"outbox_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(pg_url.replace("postgresql+asyncpg", "postgresql"))
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{pg_url}?search_path={schema}"
    await asyncio.to_thread(upgrade, url)
    return url, (admin, schema)


async def run(name: str, limiter: RateLimiter, args: argparse.Namespace, server: Connection, process: Any) -> Result:
    """Enqueue N messages, drain them with one sender, and judge what the server saw."""
    token, base_url, chat_ids = process.api
    url, cleanup = await fresh_database(args.pg)
    engine = create_engine(url)
    sessions = session_factory(engine)
    texts = [f"{name} reminder {n}" for n in range(args.messages)]
    async with sessions.begin() as session:
        chat_of = {t: chat_ids[n % len(chat_ids)] for n, t in enumerate(texts)}
        items = [OutboxItem(t, "reminder", chat_of[t], message_payload(t)) for t in texts]
        await outbox.enqueue_many(session, items)
    ask(server, process, "reset")
    from telegram.request import HTTPXRequest

    bot = OutboxBot(token, base_url=base_url, request=HTTPXRequest(connection_pool_size=CONCURRENCY + 2))
    await bot.initialize()
    sender = Sender(sessions, TelegramTransport(bot), limiter, SenderConfig(concurrency=CONCURRENCY), name)
    started = time.monotonic()
    for _ in range(100):  # ticks, as the scheduler would run them, until nothing is left
        await sender.tick()
        async with sessions() as session:
            left = await outbox.counts(session)
        if left["pending"] + left["sending"] == 0:
            break
        await asyncio.sleep(0.1)
    seconds = time.monotonic() - started
    await sender.close()
    await bot.shutdown()
    await engine.dispose()
    if cleanup is not None:
        admin, schema = cleanup
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()
    return judge(name, texts, ask(server, process, "calls"), seconds)


def show(result: Result, rate: int) -> None:
    print(
        f"{result.name:9s} {result.accepted:5d}/{result.messages:<5d} lost {result.lost:<3d} "
        f"dup {result.duplicates:<3d} 429s {result.too_many_requests:<4d} (after the first "
        f"{result.too_many_after_first:<4d}) max/s {result.max_in_any_second:<4d} "
        f"steady {result.steady_rate:6.1f}/s = {result.steady_rate / rate:6.1%} "
        f"wall {result.wall_rate:6.1f}/s = {result.wall_rate / rate:6.1%} in {result.seconds:5.1f} s"
    )


async def main(args: argparse.Namespace) -> int:
    context = multiprocessing.get_context("spawn")
    ours_end, server_end = context.Pipe()
    arguments = (server_end, args.rate, args.chats)
    process = context.Process(target=serve, args=arguments, daemon=True)
    process.start()
    if not ours_end.poll(60):
        raise RuntimeError("the loopback server process did not start")
    process.api = ours_end.recv()  # type: ignore[attr-defined]
    database = "PostgreSQL" if args.pg else "SQLite"
    print(f"outbox sender: {args.messages} messages to {args.chats} private chats; loopback Bot API, "
          f"enforcing {args.rate}/s overall, 1/s per chat; {CONCURRENCY} connections; database {database}")
    try:
        ours = await run("carebot", RateLimiter(args.rate), args, ours_end, process)
        show(ours, args.rate)
        naive = await run("baseline", RateLimiter(None, None, None), args, ours_end, process)
        show(naive, args.rate)
    finally:
        ours_end.send("stop")
        process.join(timeout=10)
    print(f"carebot/baseline: steady rate x{ours.steady_rate / naive.steady_rate:.2f}, wall rate "
          f"x{ours.wall_rate / naive.wall_rate:.2f}, 429s {ours.too_many_requests} vs {naive.too_many_requests}")
    print(json.dumps({"rate": args.rate, "carebot": asdict(ours), "baseline": asdict(naive)}))
    target = ours.steady_rate >= 0.95 * args.rate and ours.lost == ours.duplicates == ours.too_many_after_first == 0
    print("target (>= 95% of the rate, 0 lost, 0 duplicates, no 429 after the first):", "met" if target else "MISSED")
    return 0 if target else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--rate", type=int, default=100, help="the server's limit, and the sender's rate")
    parser.add_argument("--pg", metavar="URL", help="run on PostgreSQL (postgresql+asyncpg://…), a temporary schema")
    sys.exit(asyncio.run(main(parser.parse_args())))
