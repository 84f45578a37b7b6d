"""`python -m bot outbox status|send`: the outbox's counts, and the sender run by hand (ops, tests, benchmarks).

`send` runs the same sender the scheduler runs inside `python -m bot run`, ticking until nothing is due
(`--until-empty`) or for one tick; on PostgreSQL it sends only if it wins the sender lock.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict

from bot.core.common.settings import Settings
from bot.core.outbox import store as outbox
from bot.db.engine import create_engine, session_factory


async def status(settings: Settings) -> int:
    """Print the rows per status as one JSON object."""
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            print(json.dumps(await outbox.counts(session)))
    finally:
        await engine.dispose()
    return 0


async def send(settings: Settings, until_empty: bool, max_seconds: float) -> int:
    """Tick the sender (once, or until no row is pending or being sent); print its counters and the counts."""
    from bot.handlers.outbox.transport import TelegramTransport, build_sender_bot
    from scheduler.jobs import build_sender

    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    bot = build_sender_bot(settings)
    await bot.initialize()
    sender = build_sender(settings, engine, sessions, TelegramTransport(bot))
    deadline = time.monotonic() + max_seconds
    try:
        while True:
            await sender.tick()
            async with sessions() as session:
                counts = await outbox.counts(session)
            if not until_empty or counts["pending"] + counts["sending"] == 0 or time.monotonic() > deadline:
                break
            await asyncio.sleep(settings.outbox_tick_seconds)
    finally:
        await sender.close()
        await bot.shutdown()
        await engine.dispose()
    print(json.dumps({"sender": asdict(sender.stats), "outbox": counts}))
    return 0 if not until_empty or counts["pending"] + counts["sending"] == 0 else 1
