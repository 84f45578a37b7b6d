"""The bot's own overhead: answers per second to N customer questions, against a bare echo bot in the same run.

    python bench/throughput_bench.py [--questions 1000] [--question 三包有效期是多久] [--pg URL] [--desk]

The loopback Bot API server (tests/botapi) runs in its own process, as Telegram would, with its rate limits
off. N users each send one question at once; the bot under test polls them (getUpdates, 100 a batch) and
answers as fast as it can. Measured in the server process: from the first question pushed to the last
answer received (answers/s), and for each question the time from its push to its answer (p50, p99). CPU a
question is the bot's process's own (`time.process_time` over the timed window; the server is another process).

- CareBot: `build_application` as `python -m bot run` builds it (the same handlers, persistence, update
  processor and confirming poller, scheduler off), on a fresh migrated SQLite file (or a schema on `--pg`).
  With `--desk` an advisors' group is configured, as in production: each private message is then also checked
  for an open handoff ticket or roadside request (bot.handlers.desk.relays) before the FAQ answers it.
- Echo: a bare python-telegram-bot Application (same builder defaults, so the same connection pools, and
  concurrent updates) whose one handler replies with the question's text.

Both are warmed up with one question first. The machine is shared: run it twice and give `uptime` with it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.db.common.migrate import upgrade

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def serve(connection: Connection, users: int) -> None:
    """The loopback Bot API in this (child) process; answers `ask`, `answered` and `stop` over the pipe."""
    from tests.botapi.server import FakeBotApiServer, RateLimits

    with FakeBotApiServer(rate_limits=RateLimits(enabled=False)) as server:
        connection.send((server.token, server.base_url))
        while (command := connection.recv()) != "stop":
            name, count, question = command
            if name == "ask":  # `count` new users each send the question; returns when all are queued
                ids = [server.add_user(first_name=f"U{n}", language_code="zh-hant").id for n in range(count)]
                server.clear_calls()
                pushed: dict[int, float] = {}
                for chat_id in ids:
                    pushed[chat_id] = time.time()  # the clock of the server's call log
                    server.push_text(chat_id, question)
                connection.send(True)
            elif name == "answered":  # wait until every chat of the last `ask` has its answer
                for chat_id in ids:
                    server.wait_for_messages(chat_id, 1, timeout=600)
                answered = answer_times(server)
                connection.send(([answered[chat_id] - pushed[chat_id] for chat_id in ids], 0.0))


def answer_times(server: Any) -> dict[int, float]:
    """When the server accepted the first message to each chat."""
    first: dict[int, float] = {}
    for call in server.calls("sendMessage"):
        chat_id = int(call.params.get("chat_id", 0))
        if call.status == 200 and chat_id not in first:
            first[chat_id] = call.at
    return first


@dataclass
class Result:
    name: str
    questions: int
    seconds: float
    answers_per_second: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # this process's CPU (time.process_time) over the timed window, a question


async def ask(connection: Connection, command: tuple[str, int, str]) -> Any:
    def roundtrip() -> Any:
        connection.send(command)
        if not connection.poll(900):
            raise RuntimeError(f"the loopback server did not answer {command[0]!r}")
        return connection.recv()

    return await asyncio.to_thread(roundtrip)


async def measure(name: str, application: AnyApplication, connection: Connection, args: argparse.Namespace) -> Result:
    """Warm up with one question, then time N questions from N users until each has its answer."""
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(timeout=10)
    try:
        await ask(connection, ("ask", 1, args.question))
        await ask(connection, ("answered", 1, args.question))
        profiler = cProfile.Profile() if args.profile and name == "carebot" else None
        if profiler is not None:
            profiler.enable()
        started, cpu_started = time.monotonic(), time.process_time()
        await ask(connection, ("ask", args.questions, args.question))
        latencies, _push_span = await ask(connection, ("answered", args.questions, args.question))
        seconds, cpu = time.monotonic() - started, time.process_time() - cpu_started
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
    ordered = sorted(latencies)
    return Result(name, args.questions, seconds, args.questions / seconds, statistics.median(ordered) * 1000,
                  ordered[max(int(len(ordered) * 0.99) - 1, 0)] * 1000, cpu / args.questions * 1000)


DESK_GROUP = -1001234567890  # --desk: an advisors' group, as production has (the bot never posts in it here)


def carebot(token: str, base_url: str, database_url: str, desk: bool = False) -> AnyApplication:
    from bot.app import build_application
    from bot.cli.replica import confirm_after_handling
    from bot.core.common.settings import Settings

    settings = Settings(_env_file=None, telegram_token=token, telegram_base_url=base_url,  # type: ignore[call-arg]
                        database_url=database_url, scheduler_enabled=False, metrics_port=None,
                        advisor_group_id=DESK_GROUP if desk else None)
    application = build_application(settings, jobs=False)
    confirm_after_handling(application)  # the poller `run` uses
    return application


def echo(token: str, base_url: str) -> AnyApplication:
    async def reply(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    base = base_url.rstrip("/")
    application = (ApplicationBuilder().token(token).base_url(base).base_file_url(base.replace("/bot", "/file/bot", 1))
                   .concurrent_updates(True).build())
    application.add_handler(MessageHandler(filters.TEXT, reply))
    return application


async def fresh_database(pg_url: str | None) -> tuple[str, Callable[[], Awaitable[None]]]:
    """A migrated empty database: a temporary SQLite file, or a new schema on PostgreSQL (dropped after)."""
    if pg_url is None:
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='throughput-bench-')}/bench.db"
        await asyncio.to_thread(upgrade, url)

        async def nothing() -> None:
            return None

        return url, nothing
    import asyncpg

    schema = f"throughput_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(pg_url.replace("postgresql+asyncpg", "postgresql"))
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{pg_url}?search_path={schema}"
    await asyncio.to_thread(upgrade, url)

    async def drop() -> None:
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()

    return url, drop


async def main_async(args: argparse.Namespace, connection: Connection, token: str, base_url: str) -> None:
    url, cleanup = await fresh_database(args.pg)
    try:
        bot = await measure("carebot", carebot(token, base_url, url, args.desk), connection, args)
    finally:
        await cleanup()
    bare = await measure("echo", echo(token, base_url), connection, args)
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1, 5, 15 min)")
    for result in (bot, bare):
        print(f"{result.name:8} {result.questions} questions in {result.seconds:.2f} s: "
              f"{result.answers_per_second:.0f} answers/s, p50 {result.p50_ms:.0f} ms, p99 {result.p99_ms:.0f} ms, "
              f"CPU {result.cpu_ms:.1f} ms a question")
    print(f"ratio    {bot.answers_per_second / bare.answers_per_second:.2f}× the echo bot")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--question", default="三包有效期是多久")
    parser.add_argument("--pg", help="a PostgreSQL URL (postgresql+asyncpg://…) instead of a SQLite file")
    parser.add_argument("--desk", action="store_true",
                        help="configure an advisors' group: each private message then also asks the desk's relays")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of CareBot's timed run to FILE (pstats)")
    args = parser.parse_args()
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.Process(target=serve, args=(theirs, args.questions), daemon=True)
    process.start()
    token, base_url = ours.recv()
    try:
        asyncio.run(main_async(args, ours, token, base_url))
    finally:
        ours.send("stop")
        process.join(30)


if __name__ == "__main__":
    main()
