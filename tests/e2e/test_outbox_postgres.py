"""On PostgreSQL: one sender per bot token (advisory lock), and racing claimers never send a message twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.outbox.rate_limit import RateLimiter
from bot.db.common.leader import AdvisoryLockLeadership, sender_leadership
from bot.db.engine import create_engine, session_factory
from tests.botapi.server import FakeBotApiServer, RateLimits
from tests.e2e.outbox_support import counts, delivered, enqueue_texts, sender_on

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture
def server() -> Iterator[FakeBotApiServer]:
    with FakeBotApiServer(rate_limits=RateLimits(enabled=False)) as fake:
        yield fake


@pytest.fixture
async def engines(pg_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Two engines on one database: two replicas of the bot."""
    first, second = create_engine(pg_url), create_engine(pg_url)
    yield first, second
    await first.dispose()
    await second.dispose()


def unlimited() -> RateLimiter:
    return RateLimiter(per_second=None, private_per_second=1.0, group_per_minute=20)


async def test_only_the_lock_holder_sends_and_the_other_takes_over_when_it_stops(
    server: FakeBotApiServer, engines: tuple[AsyncEngine, AsyncEngine]
) -> None:
    users = [server.add_user().id for _ in range(40)]
    (one, two), texts = engines, [f"m{n}" for n in range(40)]
    await enqueue_texts(session_factory(one), zip(texts, users, strict=True))
    assert isinstance(sender_leadership(one, "123456789"), AdvisoryLockLeadership)
    lock_a, lock_b = AdvisoryLockLeadership(one, "123456789"), AdvisoryLockLeadership(two, "123456789")
    assert await lock_a.is_leader() and not await lock_b.is_leader()
    async with (
        sender_on(server, session_factory(one), unlimited(), lock_a, worker="a") as a,
        sender_on(server, session_factory(two), unlimited(), lock_b, worker="b") as b,
    ):
        sent = await asyncio.gather(a.tick(budget=20), b.tick(budget=20))
        assert sent == [40, 0]
        other_bot = AdvisoryLockLeadership(two, "987654321")  # another bot token has its own sender
        assert await other_bot.is_leader()
        await other_bot.release()
        await a.close()  # replica A stops: its lock goes with it
        await enqueue_texts(session_factory(two), [("after the handover", users[0])])
        await asyncio.sleep(1.0)  # the private chat's one-a-second
        handed_over = await b.tick(budget=20)
        assert handed_over == 1, (handed_over, b.stats, await counts(session_factory(two)))
    assert delivered(server) == dict.fromkeys([*texts, "after the handover"], 1)


async def test_racing_senders_without_the_lock_still_send_each_message_exactly_once(
    server: FakeBotApiServer, engines: tuple[AsyncEngine, AsyncEngine]
) -> None:
    users = [server.add_user().id for _ in range(200)]
    texts = [f"campaign:1:{n}" for n in range(200)]
    one, two = engines
    await enqueue_texts(session_factory(one), zip(texts, users, strict=True))
    async with (
        sender_on(server, session_factory(one), unlimited(), worker="a", batch_size=10) as a,
        sender_on(server, session_factory(two), unlimited(), worker="b", batch_size=10) as b,
    ):
        sent = await asyncio.gather(a.tick(budget=30), b.tick(budget=30))
    assert sum(sent) == 200 and min(sent) > 0  # both really took part
    assert delivered(server) == dict.fromkeys(texts, 1)
    assert (await counts(session_factory(one)))["sent"] == 200
