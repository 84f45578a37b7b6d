"""The sender's decisions on an in-memory transport and a hand-moved clock: limits, retries, drops, 403s."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import random
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common.settings import Settings
from bot.core.outbox import store as outbox
from bot.core.outbox.rate_limit import RateLimiter
from bot.core.outbox.sender import Sender, SenderConfig
from bot.core.outbox.store import OutboxItem, message_payload
from bot.core.outbox.transport import Rejected, RetryLater, SendError, SendResult, Transient, Unreachable
from bot.db.engine import create_engine, session_factory
from bot.db.outbox.models import Outbox

T0 = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


class Clock:
    """Monotonic seconds for the limiter and UTC for the database, both moved only by `sleep`."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t

    def utc(self) -> dt.datetime:
        return T0 + dt.timedelta(seconds=self.t)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)  # as a real sleep does, let the sends just started begin before time moves
        self.t += max(seconds, 0.0)
        await asyncio.sleep(0)


class Transport:
    """Records (time, chat, text); `errors[text]` lists what to raise on the next tries of that text."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.calls: list[tuple[float, int, str]] = []
        self.errors: dict[str, list[SendError]] = {}
        self.blocked: set[int] = set()

    async def send(self, chat_id: int, payload: Mapping[str, Any]) -> SendResult:
        text = str(payload["text"])
        self.calls.append((self.clock.t, chat_id, text))
        if chat_id in self.blocked:
            raise Unreachable("Forbidden: bot was blocked by the user")
        if self.errors.get(text):
            raise self.errors[text].pop(0)
        return SendResult(len(self.calls))

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [text for _, chat, text in self.calls if chat_id is None or chat == chat_id]


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings.database_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def transport(clock: Clock) -> Transport:
    return Transport(clock)


def make_sender(
    sessions: async_sessionmaker[AsyncSession], transport: Transport, clock: Clock, **config: Any
) -> Sender:
    limiter = RateLimiter(per_second=30, clock=clock)
    settings = SenderConfig(**{"backoff_seconds": 10.0, "backoff_max_seconds": 60.0, **config})
    return Sender(sessions, transport, limiter, settings, "test", now=clock.utc, sleep=clock.sleep,
                  rng=random.Random(7))


async def add(sessions: async_sessionmaker[AsyncSession], *specs: tuple[str, int], **kwargs: Any) -> None:
    async with sessions.begin() as session:
        items = [OutboxItem(text, kwargs.get("kind", "notice"), chat, message_payload(text),
                            kwargs.get("not_before"), kwargs.get("expires_at")) for text, chat in specs]
        await outbox.enqueue_many(session, items, now=T0)


async def rows(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Outbox]:
    async with sessions() as session:
        return {r.idempotency_key: r for r in (await session.execute(select(Outbox))).scalars()}


async def test_every_message_goes_once_and_a_chat_gets_one_a_second_in_order(
    sessions: async_sessionmaker[AsyncSession], transport: Transport, clock: Clock
) -> None:
    await add(sessions, ("a1", 1), ("a2", 1), ("b1", 2), ("a3", 1), ("b2", 2))
    sender = make_sender(sessions, transport, clock)
    assert await sender.tick() == 5
    assert transport.texts(1) == ["a1", "a2", "a3"] and transport.texts(2) == ["b1", "b2"]
    starts = [t for t, chat, _ in transport.calls if chat == 1]
    assert all(later - earlier >= 1.0 - 1e-9 for earlier, later in itertools.pairwise(starts))
    saved = await rows(sessions)
    assert {r.status for r in saved.values()} == {"sent"}
    assert all(r.telegram_message_id and r.attempts == 1 for r in saved.values())
    assert await sender.tick() == 0


async def test_transient_errors_back_off_then_give_up_with_the_error_kept(
    sessions: async_sessionmaker[AsyncSession], transport: Transport, clock: Clock
) -> None:
    await add(sessions, ("flaky", 1), ("broken", 2))
    transport.errors["flaky"] = [Transient("Bad Gateway")]
    transport.errors["broken"] = [Transient("Internal Server Error (500)") for _ in range(5)]
    sender = make_sender(sessions, transport, clock, max_attempts=3)
    for _ in range(4):
        await sender.tick()
        await clock.sleep(60.0)  # past the longest backoff
    saved = await rows(sessions)
    assert (saved["flaky"].status, saved["flaky"].attempts) == ("sent", 2)
    assert (saved["broken"].status, saved["broken"].attempts) == ("failed", 3)
    assert saved["broken"].last_error == "Transient: Internal Server Error (500)"
    assert transport.texts(2) == ["broken"] * 3
    assert (sender.stats.retried, sender.stats.failed) == (3, 1)


def test_backoff_is_full_jitter_under_a_doubling_ceiling(sessions: async_sessionmaker[AsyncSession]) -> None:
    sender = make_sender(sessions, Transport(Clock()), Clock(), backoff_seconds=2.0, backoff_max_seconds=30.0)
    for attempts, ceiling in [(1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0), (5, 30.0), (9, 30.0)]:
        delays = [sender.backoff(attempts) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # spread over the whole range, not only near zero


async def test_a_rejected_message_fails_at_once(
    sessions: async_sessionmaker[AsyncSession], transport: Transport, clock: Clock
) -> None:
    await add(sessions, ("bad html", 1))
    transport.errors["bad html"] = [Rejected("Bad Request: can't parse entities")]
    await make_sender(sessions, transport, clock).tick()
    saved = (await rows(sessions))["bad html"]
    assert (saved.status, saved.attempts) == ("failed", 1)
    assert saved.last_error == "Rejected: Bad Request: can't parse entities"


async def test_a_blocked_chat_is_tried_once_and_never_again(
    sessions: async_sessionmaker[AsyncSession], transport: Transport, clock: Clock
) -> None:
    await add(sessions, ("x1", 9), ("x2", 9), ("x3", 9), ("ok", 10))
    transport.blocked.add(9)
    sender = make_sender(sessions, transport, clock)
    await sender.tick()
    await add(sessions, ("x4", 9))
    await clock.sleep(5)
    await sender.tick()
    assert transport.texts(9) == ["x1"] and transport.texts(10) == ["ok"]
    saved = await rows(sessions)
    assert [saved[k].status for k in ("x1", "x2", "x3", "x4", "ok")] == ["unreachable"] * 4 + ["sent"]
    assert sender.stats.unreachable == 4


async def test_a_429_pauses_everything_for_retry_after(
    sessions: async_sessionmaker[AsyncSession], transport: Transport, clock: Clock
) -> None:
    await add(sessions, *((f"m{n}", n) for n in range(1, 6)))
    transport.errors["m2"] = [RetryLater(7, "Too Many Requests: retry after 7")]
    sender = make_sender(sessions, transport, clock, concurrency=1)
    assert await sender.tick() == 5
    limited_at = next(t for t, _, text in transport.calls if text == "m2")
    after = [t for t, _, _ in transport.calls if t > limited_at]
    assert after and min(after) >= limited_at + 7
    assert transport.texts().count("m2") == 2 and sender.stats.rate_limited == 1
    assert (await rows(sessions))["m2"].attempts == 1  # flood control is not the message's fault


async def test_too_late_is_dropped_and_counted_not_sent(
    sessions: async_sessionmaker[AsyncSession], transport: Transport, clock: Clock
) -> None:
    await add(sessions, ("stale reminder", 1), kind="reminder", not_before=T0 - dt.timedelta(hours=3))
    await add(sessions, ("fresh reminder", 2), kind="reminder", not_before=T0 - dt.timedelta(minutes=30))
    await add(sessions, ("own deadline", 3), expires_at=T0 - dt.timedelta(seconds=1))
    sender = make_sender(sessions, transport, clock, expiry_hours={"reminder": 2.0})
    await sender.tick()
    saved = await rows(sessions)
    assert transport.texts() == ["fresh reminder"]
    assert [saved[k].status for k in ("stale reminder", "own deadline")] == ["dropped", "dropped"]
    assert sender.stats.dropped == 2
    async with sessions() as session:
        assert (await outbox.counts(session))["dropped"] == 2


async def test_a_full_group_gives_its_rows_back_instead_of_holding_them(
    sessions: async_sessionmaker[AsyncSession], transport: Transport, clock: Clock
) -> None:
    await add(sessions, *((f"g{n:02d}", -100500) for n in range(25)))
    sender = make_sender(sessions, transport, clock)
    assert await sender.tick() == 20
    saved = await rows(sessions)
    waiting = [r for r in saved.values() if r.status == "pending"]
    assert len(waiting) == 5 and sender.stats.deferred == 5
    assert all(r.claimed_by is None for r in waiting)
    await clock.sleep(61)
    assert await sender.tick() == 5
    assert transport.texts() == [f"g{n:02d}" for n in range(25)]


async def test_a_follower_sends_nothing(
    sessions: async_sessionmaker[AsyncSession], transport: Transport, clock: Clock
) -> None:
    class Follower:
        async def is_leader(self) -> bool:
            return False

        async def release(self) -> None:
            return None

    await add(sessions, ("m", 1))
    sender = make_sender(sessions, transport, clock)
    sender.leader = Follower()
    assert await sender.tick() == 0
    assert transport.calls == []
    await sender.close()


async def test_a_queue_emptied_while_waiting_for_a_slot_is_no_error(
    sessions: async_sessionmaker[AsyncSession], transport: Transport, clock: Clock
) -> None:
    """A 403 takes its chat's other rows out of the queue while the drain loop waits for a free slot: the loop
    then finds nothing ready instead of failing on an empty queue (seen in an end-to-end run under load)."""
    from collections import deque

    sender = make_sender(sessions, transport, clock)
    assert await sender._next_ready(deque()) == (None, 0.0)
    await sender.close()
