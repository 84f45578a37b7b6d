"""Helpers for the outbox tests over HTTP: a sender on the loopback Bot API server, and what it delivered."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.outbox import store as outbox
from bot.core.outbox.rate_limit import RateLimiter
from bot.core.outbox.sender import Leadership, Sender, SenderConfig
from bot.core.outbox.store import OutboxItem, message_payload
from bot.db.outbox.models import Outbox
from bot.handlers.outbox.transport import OutboxBot, TelegramTransport
from tests.botapi.server import FakeBotApiServer


@asynccontextmanager
async def sender_on(
    server: FakeBotApiServer,
    sessions: async_sessionmaker[AsyncSession],
    limiter: RateLimiter | None = None,
    leader: Leadership | None = None,
    worker: str = "test-sender",
    **config: Any,
) -> AsyncIterator[Sender]:
    """A Sender whose transport is a real Bot talking HTTP to `server`; closed on exit."""
    from telegram.request import HTTPXRequest

    bot = OutboxBot(server.token, base_url=server.base_url, request=HTTPXRequest(connection_pool_size=12))
    await bot.initialize()
    settings = SenderConfig(**{"backoff_seconds": 0.05, "backoff_max_seconds": 0.2, **config})
    sender = Sender(sessions, TelegramTransport(bot), limiter or RateLimiter(50), settings, worker, leader)
    try:
        yield sender
    finally:
        await sender.close()
        await bot.shutdown()


async def enqueue_texts(sessions: async_sessionmaker[AsyncSession], targets: Iterable[tuple[str, int]]) -> None:
    """One `notice` per (text, chat); the text is the idempotency key too, so deliveries can be matched."""
    async with sessions.begin() as session:
        await outbox.enqueue_many(session, [OutboxItem(t, "notice", c, message_payload(t)) for t, c in targets])


async def counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        return await outbox.counts(session)


async def rows(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Outbox]:
    async with sessions() as session:
        return {r.idempotency_key: r for r in (await session.execute(select(Outbox))).scalars()}


async def run_until_settled(sender: Sender, sessions: async_sessionmaker[AsyncSession], ticks: int = 60) -> None:
    """Tick like the scheduler does until nothing is pending or in flight (a bounded number of ticks)."""
    for _ in range(ticks):
        await sender.tick(budget=5.0)
        found = await counts(sessions)
        if found["pending"] + found["sending"] == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the outbox did not settle: {await counts(sessions)}")


def delivered(server: FakeBotApiServer) -> Counter[str]:
    """How many times the server accepted each text (successful sendMessage calls only)."""
    return Counter(call.params["text"] for call in server.calls("sendMessage") if call.ok)


def statuses(server: FakeBotApiServer, method: str = "sendMessage") -> Counter[int]:
    """HTTP statuses the server answered (0: the connection was dropped)."""
    return Counter(call.status for call in server.calls(method))
