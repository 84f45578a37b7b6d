"""Telegram's flood limits, kept by the sender itself (DESIGN.md, decision 2; no telegram import).

Telegram (and the loopback server) count a message when it reaches them: at most ~30 a second overall,
one a second in a private chat, 20 a minute in a group, each in a sliding window. The sender cannot see
that moment, only that it lies between the request's start and its answer. So every window here counts
a message from its start until one window after its *answer*: a request still in flight counts as
inside every window. Whatever the latency and its jitter, Telegram then never counts more than the
limit, with no guard time to tune; the cost is one round trip per window (under 1% on a loopback).

- Overall: `per_second` in any second, and a token bucket holding a tenth of a second's worth, so the
  second's messages are spread over it instead of going out in one burst.
- A private chat (positive id): `private_per_second` (one message in any second by default).
- A group (negative id): `group_per_minute` in any minute.
- A 429's `retry_after` pauses everything until it has elapsed.

All non-blocking: `wait…()` says how long until a message may start, `take()` records its start and
`finish()` its answer. The caller sleeps; the tests drive an injected clock and never sleep.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable

SMOOTHING = 0.1  # seconds of sending the overall bucket may hold
IN_FLIGHT_POLL = 0.01  # the wait reported while only answers still due can free a window
EPSILON = 1e-6  # float slack: waiting exactly the reported time must be enough
_PRUNE_EVERY = 1000


class TokenBucket:
    """`rate` tokens a second up to `capacity`; starts full."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError("a token bucket needs rate > 0 and capacity >= 1")
        self.rate, self.capacity = rate, capacity
        self.tokens, self.stamp = capacity, now

    def _refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def wait(self, now: float) -> float:
        """Seconds until one token is there (0.0: now)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 - EPSILON else (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0

    def idle(self, now: float) -> bool:
        """Full again: forgetting it changes nothing."""
        self._refill(now)
        return self.tokens >= self.capacity - EPSILON


class SlidingWindow:
    """At most `limit` messages in any `window` seconds, each counted from its start to `window` after its answer."""

    def __init__(self, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a sliding window needs limit >= 1 and window > 0")
        self.limit, self.window = limit, window
        self.answered: list[float] = []  # a heap of answer times still inside the window
        self.in_flight = 0

    def _expire(self, now: float) -> None:
        while self.answered and self.answered[0] <= now - self.window + EPSILON:
            heapq.heappop(self.answered)

    def wait(self, now: float) -> float:
        self._expire(now)
        excess = self.in_flight + len(self.answered) - self.limit + 1
        if excess <= 0:
            return 0.0
        if excess > len(self.answered):
            return IN_FLIGHT_POLL  # only an answer can tell when the window frees
        return heapq.nsmallest(excess, self.answered)[-1] + self.window - now

    def take(self, now: float) -> None:
        self.in_flight += 1

    def finish(self, now: float) -> None:
        self.in_flight = max(self.in_flight - 1, 0)
        heapq.heappush(self.answered, now)

    def idle(self, now: float) -> bool:
        self._expire(now)
        return not self.answered and not self.in_flight


class RateLimiter:
    """The sender's view of one bot's limits; a limit set to None is off (the naive baseline)."""

    def __init__(
        self,
        per_second: float | None = 25.0,
        private_per_second: float | None = 1.0,
        group_per_minute: int | None = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        now = clock()
        self.window: SlidingWindow | None = None
        self.bucket: TokenBucket | None = None
        if per_second:
            limit = max(1, int(per_second))  # 0.5/s: one message in any two seconds
            self.window = SlidingWindow(limit, limit / per_second)
            self.bucket = TokenBucket(per_second, max(1.0, per_second * SMOOTHING), now)
        self.private_per_second = private_per_second
        self.group_per_minute = group_per_minute
        self.paused_until = now
        self._chats: dict[int, SlidingWindow] = {}
        self._taken = 0

    @staticmethod
    def is_group(chat_id: int) -> bool:
        """Groups, supergroups and channels have negative ids; private chats are the user's (positive) id."""
        return chat_id < 0

    def _chat(self, chat_id: int) -> SlidingWindow | None:
        window = self._chats.get(chat_id)
        if window is None:
            if self.is_group(chat_id):
                if not self.group_per_minute:
                    return None
                window = SlidingWindow(self.group_per_minute, 60.0)
            else:
                if not self.private_per_second:
                    return None
                window = SlidingWindow(1, 1.0 / self.private_per_second)
            self._chats[chat_id] = window
        return window

    def pause(self, seconds: float) -> None:
        """Telegram said 429 retry_after: nothing starts until it has elapsed."""
        self.paused_until = max(self.paused_until, self.clock() + max(seconds, 0.0))

    def global_wait(self) -> float:
        """Seconds until any message may start (the pause and the overall limits)."""
        now = self.clock()
        wait = max(0.0, self.paused_until - now)
        if self.window is not None and self.bucket is not None:
            wait = max(wait, self.window.wait(now), self.bucket.wait(now))
        return wait

    def chat_wait(self, chat_id: int) -> float:
        """Seconds until this chat may get a message (its own limit only)."""
        window = self._chat(chat_id)
        return 0.0 if window is None else window.wait(self.clock())

    def wait(self, chat_id: int) -> float:
        return max(self.global_wait(), self.chat_wait(chat_id))

    def take(self, chat_id: int) -> None:
        """A message to `chat_id` starts now (call only when `wait(chat_id)` is 0); `finish` must follow."""
        now = self.clock()
        if self.window is not None and self.bucket is not None:
            self.window.take(now)
            self.bucket.take(now)
        window = self._chat(chat_id)
        if window is not None:
            window.take(now)

    def finish(self, chat_id: int) -> None:
        """The answer to a message to `chat_id` arrived (or its request failed) now."""
        now = self.clock()
        if self.window is not None:
            self.window.finish(now)
        window = self._chats.get(chat_id)
        if window is not None:
            window.finish(now)
        self._taken += 1
        if self._taken % _PRUNE_EVERY == 0:
            self.prune()

    def try_take(self, chat_id: int) -> float:
        """Take if allowed now and return 0.0; otherwise return the wait and record nothing."""
        wait = self.wait(chat_id)
        if wait <= 0.0:
            self.take(chat_id)
        return wait

    def prune(self) -> None:
        """Forget chats whose windows are empty, so memory follows the active chats only."""
        now = self.clock()
        for chat_id in [c for c, window in self._chats.items() if window.idle(now)]:
            del self._chats[chat_id]

    @property
    def tracked_chats(self) -> int:
        return len(self._chats)
