"""The outbox sender's way to Telegram: a plain Bot, and telegram's errors mapped to the core's.

Why a Bot of its own instead of the application's (decided here, DESIGN.md decision 2): the application's
bot has PTB's AIORateLimiter, which on a 429 sleeps and retries inside the request. For the sender that
would double-handle flood control: the sender's own limiter could not pause the other sends, and a row
could be retried behind its back. So the sender's Bot has no rate limiter, no Defaults (payloads carry
their parse_mode) and its own connection pool, so that bulk sending never takes the connections that
answers to customers need. Answers keep the AIORateLimiter; the sender's default 25/s leaves room under
Telegram's ~30/s for them.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping
from typing import Any, Protocol

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.core.common.settings import Settings
from bot.core.outbox.transport import Rejected, RetryLater, SendResult, Transient, Unreachable
from bot.handlers.common.fitting import FitsTelegramLimits

# BadRequest texts that mean the chat itself is gone, not that this message was wrong.
_GONE = ("chat not found", "user not found", "peer_id_invalid", "have no rights to send", "not enough rights to send")


class OutboxBot(FitsTelegramLimits, Bot):
    """A Bot that sends an already rendered Bot API payload as is (any send method, JSON-ready values)."""

    async def send_payload(self, method: str, params: Mapping[str, Any]) -> Any:
        # Bot._post is the one path every Bot method takes (dropping None values, raising telegram.error);
        # do_api_request would warn that sendMessage has a dedicated method, which needs typed objects.
        return await self._post(method, api_kwargs=dict(params))


class PayloadSender(Protocol):
    async def send_payload(self, method: str, params: Mapping[str, Any]) -> Any: ...


class AppBotPayloads:
    """The application's bot as a PayloadSender (its rate limiter and connections), for immediate sends."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_payload(self, method: str, params: Mapping[str, Any]) -> Any:
        return await self.bot._post(method, api_kwargs=dict(params))  # as OutboxBot.send_payload


class TelegramTransport:
    """`Transport` for bot.core.outbox.sender over a real (or loopback) Bot API server. The sender's own
    OutboxBot, or the application's bot for the few messages sent at once (bot.core.outbox.immediate)."""

    def __init__(self, bot: PayloadSender) -> None:
        self.bot = bot

    async def send(self, chat_id: int, payload: Mapping[str, Any]) -> SendResult:
        """Send; raise RetryLater, Unreachable, Transient or Rejected instead of telegram.error."""
        params = {key: value for key, value in payload.items() if key != "method"}
        params["chat_id"] = chat_id
        try:
            result = await self.bot.send_payload(str(payload["method"]), params)
        except RetryAfter as exc:
            raise RetryLater(retry_seconds(exc), exc.message) from exc
        except ChatMigrated as exc:  # a group became a supergroup: this id is gone for good
            raise Unreachable(f"the group moved to chat {exc.new_chat_id}") from exc
        except Forbidden as exc:
            raise Unreachable(exc.message) from exc
        except BadRequest as exc:  # before NetworkError: BadRequest is a subclass of it
            if any(gone in exc.message.lower() for gone in _GONE):
                raise Unreachable(exc.message) from exc
            raise Rejected(exc.message) from exc
        except NetworkError as exc:  # 5xx, timeouts (TimedOut), connection errors
            raise Transient(exc.message or type(exc).__name__) from exc
        except TelegramError as exc:  # InvalidToken, Conflict…: kept as the error after the retries
            raise Transient(f"{type(exc).__name__}: {exc.message}") from exc
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return SendResult(int(message_id) if message_id is not None else None)


def retry_seconds(exc: RetryAfter) -> float:
    """retry_after in seconds, whether PTB hands out an int or (PTB_TIMEDELTA) a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def build_sender_bot(settings: Settings) -> OutboxBot:
    """The sender's Bot: same token and server as the application's, no rate limiter, its own pool."""
    if settings.telegram_token is None:
        raise ValueError("the outbox sender needs TELEGRAM_TOKEN")
    token = settings.telegram_token.get_secret_value()
    kwargs: dict[str, Any] = {}
    if settings.telegram_base_url:
        base = settings.telegram_base_url.rstrip("/")
        kwargs = {"base_url": base, "base_file_url": base.replace("/bot", "/file/bot", 1)}
    request = HTTPXRequest(
        connection_pool_size=settings.outbox_concurrency + 2,
        connect_timeout=10.0,
        read_timeout=15.0,
        write_timeout=15.0,
        pool_timeout=10.0,
    )
    return OutboxBot(token, request=request, **kwargs)
