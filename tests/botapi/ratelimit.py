"""Telegram-like flood limits for outgoing bot messages.

Three limits apply to every message-creating call (``send*``, ``copyMessage``,
``forwardMessage``): overall messages per second, per private chat (a token
bucket: ``private_per_second`` refill with a ``private_burst`` allowance) and per
group (``group_per_minute`` in any sliding minute).  A rejected call consumes
nothing and gets 429 ``Too Many Requests: retry after N``.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

from tests.botapi.rules import ApiError


@dataclass
class RateLimits:
    """Configuration of :class:`RateLimiter`; ``enabled=False`` switches all limits off."""

    global_per_second: int = 30
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: int = 20
    enabled: bool = True


class RateLimiter:
    """Checks and records sends; not thread-safe by itself (the engine holds its lock)."""

    def __init__(self, limits: RateLimits | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        """Create a limiter; ``clock`` may be replaced for deterministic tests."""
        self.limits = limits or RateLimits()
        self.clock = clock
        self._global: deque[float] = deque()
        self._groups: defaultdict[int, deque[float]] = defaultdict(deque)
        self._private: dict[int, tuple[float, float]] = {}

    def reset(self) -> None:
        """Forget all recorded sends."""
        self._global.clear()
        self._groups.clear()
        self._private.clear()

    @staticmethod
    def _window_wait(events: deque[float], now: float, window: float, limit: int) -> float:
        while events and events[0] <= now - window:
            events.popleft()
        if len(events) < limit:
            return 0.0
        return events[len(events) - limit] + window - now

    def _bucket(self, chat_id: int, now: float) -> float:
        burst = float(max(self.limits.private_burst, 1))
        tokens, last = self._private.get(chat_id, (burst, now))
        return min(burst, tokens + (now - last) * self.limits.private_per_second)

    def check(self, chat_id: int, chat_type: str) -> None:
        """Record one message to ``chat_id`` or raise :class:`ApiError` 429."""
        if not self.limits.enabled:
            return
        now = self.clock()
        wait = self._window_wait(self._global, now, 1.0, self.limits.global_per_second)
        tokens = 0.0
        if chat_type == "private":
            tokens = self._bucket(chat_id, now)
            if tokens < 1.0:
                wait = max(wait, (1.0 - tokens) / self.limits.private_per_second)
        elif chat_type in ("group", "supergroup"):
            wait = max(
                wait,
                self._window_wait(self._groups[chat_id], now, 60.0, self.limits.group_per_minute),
            )
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        self._global.append(now)
        if chat_type == "private":
            self._private[chat_id] = (tokens - 1.0, now)
        elif chat_type in ("group", "supergroup"):
            self._groups[chat_id].append(now)
