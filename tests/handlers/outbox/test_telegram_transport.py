"""telegram.error mapped onto the sender's errors, and the sender's own Bot (no AIORateLimiter)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.core.outbox.transport import Rejected, RetryLater, SendError, Transient, Unreachable
from bot.handlers.outbox.transport import OutboxBot, TelegramTransport, build_sender_bot
from tests.conftest import make_settings


class StubBot:
    """Stands in for OutboxBot: raises the given error, or answers with a message id; remembers the sends."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def send_payload(self, method: str, params: Mapping[str, Any]) -> Any:
        self.sent.append((method, dict(params)))
        if self.error is not None:
            raise self.error
        return {"message_id": 321, "chat": {"id": params["chat_id"]}}


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize(
    ("error", "expected", "detail"),
    [
        (lambda: RetryAfter(7), RetryLater, 7.0),  # built in the test: PTB warns about int retry_after
        (lambda: RetryAfter(dt.timedelta(seconds=3)), RetryLater, 3.0),
        (Forbidden("Forbidden: bot was blocked by the user"), Unreachable, "blocked"),
        (Forbidden("Forbidden: user is deactivated"), Unreachable, "deactivated"),
        (BadRequest("Chat not found"), Unreachable, "Chat not found"),
        (ChatMigrated(-1009876), Unreachable, "-1009876"),
        (BadRequest("Can't parse entities: unsupported start tag"), Rejected, "parse"),
        (TimedOut("Timed out"), Transient, "Timed out"),
        (NetworkError("Bad Gateway"), Transient, "Bad Gateway"),
        (NetworkError("Internal Server Error (500)"), Transient, "500"),
        (InvalidToken("Unauthorized"), Transient, "InvalidToken"),
    ],
)
async def test_telegram_errors_become_the_senders(
    error: Exception | Callable[[], Exception], expected: type[SendError], detail: object
) -> None:
    transport = TelegramTransport(StubBot(error if isinstance(error, Exception) else error()))  # type: ignore[arg-type]
    with pytest.raises(expected) as raised:
        await transport.send(42, {"method": "sendMessage", "text": "hi"})
    if isinstance(raised.value, RetryLater):
        assert raised.value.seconds == detail
    else:
        assert str(detail) in raised.value.reason


async def test_the_payload_goes_as_is_with_the_chat_id() -> None:
    bot = StubBot()
    transport = TelegramTransport(bot)  # type: ignore[arg-type]
    result = await transport.send(42, {"method": "sendLocation", "latitude": 22.3, "longitude": 114.2})
    assert result.message_id == 321
    assert bot.sent == [("sendLocation", {"latitude": 22.3, "longitude": 114.2, "chat_id": 42})]


def test_the_senders_bot_has_no_rate_limiter_and_honours_the_base_url(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, telegram_token="123:abc", telegram_base_url="http://127.0.0.1:9/bot")
    bot = build_sender_bot(settings)
    assert type(bot) is OutboxBot  # a plain Bot: 429s reach the sender instead of PTB's AIORateLimiter
    assert bot.base_url == "http://127.0.0.1:9/bot123:abc"
    with pytest.raises(ValueError, match="TELEGRAM_TOKEN"):
        build_sender_bot(make_settings(tmp_path))
