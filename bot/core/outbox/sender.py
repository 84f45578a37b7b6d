"""The outbox sender: claims due rows and delivers them within Telegram's limits (no telegram import).

One sender per bot token (DESIGN.md, decision 2): a `Leadership` says whether this process is the one (an
advisory lock on PostgreSQL, always yes on SQLite). Each scheduler tick calls `tick()`, which sends until
nothing is due; the sender keeps no durable state, only its rate limiter. It holds few claimed rows at a
time (a batch, refilled as it empties), gives back the rows of a chat that must wait long and, during a
long 429 pause, all of them: no row is held near its lease, after which it would count as a crash's.

Outcomes of `Transport.send`:
- a result: `sent`, with the Telegram message id;
- `RetryLater(seconds)` (429): every send pauses that long; the message goes again after the pause;
- `Unreachable(reason)` (403, chat not found): the chat is marked, its unsent messages too, never retried;
- `Transient(reason)` (5xx, timeouts, a dropped connection): back to pending after an exponential backoff
  with full jitter; after `max_attempts` tries `failed`, the error kept;
- `Rejected(reason)` (400 other than chat not found): `failed` at once, trying again cannot help.
A message past its deadline (its `expires_at`, or its kind's expiry after `not_before`) is `dropped`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common import metrics
from bot.core.outbox import store as outbox
from bot.core.outbox.rate_limit import RateLimiter
from bot.core.outbox.store import Claimed
from bot.core.outbox.transport import RetryLater, SendError, SendResult, Transient, Transport, Unreachable
from bot.db.common.base import utcnow

log = logging.getLogger(__name__)
RECORD_EVERY = 0.05  # seconds between the writes that record deliveries


class Leadership(Protocol):
    """Whether this process is the bot's one sender; `release` gives the role up."""

    async def is_leader(self) -> bool: ...

    async def release(self) -> None: ...


@dataclass(frozen=True)
class SenderConfig:
    """How the sender works; built from settings by scheduler.jobs.sender_config."""

    batch_size: int = 50
    concurrency: int = 8
    max_attempts: int = 5
    backoff_seconds: float = 10.0
    backoff_max_seconds: float = 1800.0
    lease_seconds: float = 60.0
    expiry_hours: Mapping[str, float] = field(default_factory=dict)
    defer_after: float = 2.0  # a chat that must wait longer gives its message back to the database meanwhile

    @property
    def hold_seconds(self) -> float:
        """Rows held longer go back to the database: a claim older than the lease is taken as a crash's."""
        return self.lease_seconds / 3


@dataclass
class SenderStats:
    """Counters since start, for logs, metrics and the benchmark."""

    sent: int = 0
    rate_limited: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: int = 0
    dropped: int = 0
    deferred: int = 0
    ticks: int = 0


class Sender:
    """Sends what the outbox holds; `tick()` is the scheduler's job, `close()` ends it cleanly."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        transport: Transport,
        limiter: RateLimiter,
        config: SenderConfig,
        worker_id: str,
        leader: Leadership | None = None,
        now: Callable[[], dt.datetime] = utcnow,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions, self.transport, self.limiter, self.config = sessions, transport, limiter, config
        self.worker_id, self.leader, self.now, self.sleep = worker_id, leader, now, sleep
        self.rng = rng or random.Random()
        self.stats = SenderStats()
        self._busy = asyncio.Lock()
        self._stopping = False
        self._slots = asyncio.Semaphore(config.concurrency)
        self._gone: set[int] = set()  # chats found unreachable in this drain, before the database says so
        self._sent: list[tuple[int, int | None, dt.datetime]] = []  # delivered, not yet recorded

    async def tick(self, budget: float | None = None) -> int:
        """One scheduler run: if this process is the sender, send until nothing is due (or `budget` seconds
        passed); returns the messages sent."""
        if self._stopping or self._busy.locked():
            return 0
        async with self._busy:
            self.stats.ticks += 1
            if self.leader is not None and not await self.leader.is_leader():
                return 0
            return await self._drain(budget)

    async def close(self) -> None:
        """Stop after the messages in flight; rows in hand go back to pending; leadership is released."""
        self._stopping = True
        async with self._busy:
            pass
        if self.leader is not None:
            await self.leader.release()

    def backoff(self, attempts: int) -> float:
        """Full jitter: uniform in [0, min(cap, base · 2^(attempts-1))]."""
        ceiling = min(self.config.backoff_max_seconds, self.config.backoff_seconds * 2 ** max(attempts - 1, 0))
        return self.rng.uniform(0.0, ceiling)

    async def _drain(self, budget: float | None) -> int:
        clock = self.limiter.clock
        end = None if budget is None else clock() + budget
        queue: deque[Claimed] = deque()
        self._gone.clear()
        held: dict[int, float] = {}  # row id → when it was claimed (limiter clock)
        tasks: set[asyncio.Task[None]] = set()
        claiming: asyncio.Task[tuple[int, list[Claimed]] | None] | None = None
        sent_before, exhausted = self.stats.sent, False
        stop_recording = asyncio.Event()
        recorder = asyncio.create_task(self._record_sent(stop_recording))
        try:
            while not self._stopping and (end is None or clock() < end):
                if claiming is None and not exhausted and len(queue) <= self.config.batch_size // 2:
                    # Claimed in the background: sending goes on from the rows in hand meanwhile.
                    claiming = asyncio.create_task(self._claim(self.config.batch_size - len(queue)))
                if claiming is not None and (claiming.done() or not queue):
                    found, claiming = await claiming, None
                    if found is None:  # another replica is the sender now
                        break
                    exhausted = found[0] == 0
                    queue.extend(found[1])
                    held.update((item.id, clock()) for item in found[1])
                if not queue:
                    if tasks:
                        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                        exhausted = False  # a 429 may have put a message back, a retry may be due
                    elif exhausted:
                        break
                    continue
                if clock() - held.get(queue[0].id, clock()) > self.config.hold_seconds:
                    await self._give_back(queue, held, clock() - self.config.hold_seconds)
                    continue
                await self._slots.acquire()
                item, wait = await self._next_ready(queue)
                if item is None:
                    self._slots.release()
                    remaining = 1.0 if end is None else max(end - clock(), 0.0)
                    await self.sleep(min(wait, remaining, 1.0))
                    continue
                task = asyncio.create_task(self._send(item, queue))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        finally:
            if claiming is not None and (found := await claiming) is not None:
                queue.extend(found[1])
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            stop_recording.set()
            await recorder
            if queue:
                async with self.sessions.begin() as session:
                    await outbox.release(session, [item.id for item in queue])
        return self.stats.sent - sent_before

    async def _record_sent(self, stop: asyncio.Event) -> None:
        """Write deliveries every RECORD_EVERY seconds in one statement (a write per message would cost more
        than the send). A crash in between leaves them 'sending': sent again after the lease, never lost."""
        while True:
            stopping = stop.is_set()
            if not stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), RECORD_EVERY)
            sent, self._sent = self._sent, []
            if sent:
                try:
                    async with self.sessions.begin() as session:
                        await outbox.mark_sent_many(session, sent)
                except Exception:
                    log.exception("recording %d sent outbox messages failed; they are sent again after the lease",
                                  len(sent))
            if stopping:
                return

    async def _give_back(self, queue: deque[Claimed], held: dict[int, float], claimed_before: float) -> None:
        """Release rows held too long (a long 429 pause): another tick claims them again, before the lease ends."""
        old = [item for item in queue if held.get(item.id, claimed_before) <= claimed_before]
        for item in old:
            queue.remove(item)
            held.pop(item.id, None)
        async with self.sessions.begin() as session:
            await outbox.release(session, [item.id for item in old])

    async def _claim(self, limit: int) -> tuple[int, list[Claimed]] | None:
        """Claim due rows; drop the expired and the ones for unreachable chats at once: (claimed, to send).
        None when this process is no longer the sender."""
        if self.leader is not None and not await self.leader.is_leader():
            return None
        now = self.now()
        async with self.sessions.begin() as session:
            rows = await outbox.claim_batch(session, limit, self.worker_id, now, self.config.lease_seconds)
            if not rows:
                return 0, []
            late = [r for r in rows if (d := r.deadline(self.config.expiry_hours)) is not None and now > d]
            if late:
                reason = f"expired: too late to be useful at {now:%Y-%m-%d %H:%M} UTC"
                await outbox.mark_dropped(session, [r.id for r in late], reason)
                self.stats.dropped += len(late)
            blocked = await outbox.unreachable_chats(session, {r.chat_id for r in rows}) | (
                self._gone & {r.chat_id for r in rows}
            )
            for chat_id in blocked:
                reason = "not sent: the chat is unreachable (blocked, left or not found)"
                self.stats.unreachable += await outbox.mark_rows_unreachable(session, chat_id, reason)
        late_ids = {r.id for r in late}
        return len(rows), [r for r in rows if r.id not in late_ids and r.chat_id not in blocked]

    async def _next_ready(self, queue: deque[Claimed]) -> tuple[Claimed | None, float]:
        """The first message whose chat may get one now (rate taken); else None and how long to wait."""
        wait = self.limiter.global_wait()
        if wait > 0:
            return None, wait
        if not queue:  # emptied while this waited for a slot (a 403 takes its chat's other rows out of it)
            return None, 0.0
        waits: dict[int, float] = {}
        for index, item in enumerate(queue):
            if item.chat_id not in waits:
                waits[item.chat_id] = self.limiter.chat_wait(item.chat_id)
            if waits[item.chat_id] <= 0:
                del queue[index]
                self.limiter.take(item.chat_id)
                return item, 0.0
        slow = {chat_id for chat_id, chat_wait in waits.items() if chat_wait > self.config.defer_after}
        if slow:  # e.g. a group's 20 a minute is used up: hand its rows back instead of holding them
            deferred = [item for item in queue if item.chat_id in slow]
            for item in deferred:
                queue.remove(item)
            async with self.sessions.begin() as session:
                for chat_id in slow:
                    later = self.now() + dt.timedelta(seconds=waits[chat_id])
                    await outbox.release(session, [i.id for i in deferred if i.chat_id == chat_id], later)
            self.stats.deferred += len(deferred)
        return None, min(waits.values())

    async def _send(self, item: Claimed, queue: deque[Claimed]) -> None:
        try:
            try:
                result = await self._request(item)
            except RetryLater as exc:
                self.limiter.pause(exc.seconds)
                self.stats.rate_limited += 1
                metrics.outbox_send(item.kind, "429")
                queue.appendleft(item)
                log.warning("429 from Telegram: pausing all sends for %.0f s", exc.seconds)
                return
            except SendError as exc:
                metrics.outbox_send(item.kind, "403" if isinstance(exc, Unreachable) else
                                    "5xx" if isinstance(exc, Transient) else "4xx")
                if isinstance(exc, Unreachable):  # its other messages in hand are marked too: never sent
                    self._gone.add(item.chat_id)
                    for other in [q for q in queue if q.chat_id == item.chat_id]:
                        queue.remove(other)
                await self._record_error(item, exc)
                return
            self._sent.append((item.id, result.message_id, self.now()))  # written by _record_sent, in batches
            self.stats.sent += 1
            metrics.outbox_send(item.kind, "sent")
        except Exception:  # the row stays claimed and is retried after the lease: never lost
            log.exception("outbox message %s (%s): recording the outcome failed", item.id, item.kind)

    async def _request(self, item: Claimed) -> SendResult:
        """The transport call, its answer stamped in the limiter whatever it was; frees its slot (the slots
        bound requests in flight, not the database writes after them)."""
        try:
            return await self.transport.send(item.chat_id, item.payload)
        except SendError:
            raise
        except Exception as exc:  # a transport bug must not lose the message: retried like a 5xx
            log.exception("outbox transport failed unexpectedly on message %s", item.id)
            raise Transient(f"{type(exc).__name__}: {exc}") from exc
        finally:
            self.limiter.finish(item.chat_id)
            self._slots.release()

    async def _record_error(self, item: Claimed, exc: SendError) -> None:
        now = self.now()
        async with self.sessions.begin() as session:
            if isinstance(exc, Unreachable):
                self.stats.unreachable += await outbox.mark_unreachable(session, item.chat_id, exc.reason, now)
                log.info("chat %s is unreachable: %s", item.chat_id, exc.reason)
            elif isinstance(exc, Transient) and item.attempts + 1 < self.config.max_attempts:
                later = now + dt.timedelta(seconds=self.backoff(item.attempts + 1))
                await outbox.mark_retry(session, item.id, f"{type(exc).__name__}: {exc.reason}", later)
                self.stats.retried += 1
            else:
                await outbox.mark_failed(session, item.id, f"{type(exc).__name__}: {exc.reason}")
                self.stats.failed += 1
                log.warning("outbox message %s (%s) failed: %s", item.id, item.kind, exc.reason)
