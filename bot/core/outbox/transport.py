"""What the outbox sender needs from a transport, and the only errors a transport may raise (no telegram import).

bot/handlers/outbox/transport.py maps telegram.error onto these; the tests use in-memory transports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class SendError(Exception):
    """What a transport raises instead of its own errors."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(SendError):
    """Flood control (429): wait `seconds` before sending anything."""

    def __init__(self, seconds: float, reason: str = "Too Many Requests") -> None:
        super().__init__(reason)
        self.seconds = seconds


class Unreachable(SendError):
    """The chat will not take messages (blocked, deleted, kicked, not found)."""


class Transient(SendError):
    """May work later (5xx, timeout, connection lost)."""


class Rejected(SendError):
    """Telegram refused this message for good (a bad request)."""


@dataclass(frozen=True)
class SendResult:
    message_id: int | None


class Transport(Protocol):
    """Delivers one payload ({"method": …, parameters}) to one chat, raising only SendError subclasses."""

    async def send(self, chat_id: int, payload: Mapping[str, Any]) -> SendResult: ...
