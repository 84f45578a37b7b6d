"""Sending an enqueued message at once, for what the desk must see now (no telegram import).

A desk card, an alert or a notice is enqueued in the same transaction as the row it announces, so it
exists whenever the row does; then the handler sends it straight away instead of waiting for the sender's
next tick. The row is claimed first (`claim_key`), so it goes once even if the sender runs meanwhile; what
fails here is left to the sender, which retries it with its backoff (a crash in between: after the lease).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.outbox import store as outbox
from bot.core.outbox.transport import Rejected, RetryLater, SendError, Transport, Unreachable
from bot.db.common.base import utcnow

log = logging.getLogger(__name__)
WORKER = "immediate"
RETRY_SECONDS = 5.0  # a failed immediate send goes to the sender this soon


async def deliver(
    sessions: async_sessionmaker[AsyncSession],
    transport: Transport,
    key: str,
    now: Callable[[], dt.datetime] = utcnow,
) -> int | None:
    """Send the pending outbox message `key` now; its Telegram message id, or None when it was not sent here
    (already sent, the sender has it, or this try failed and the sender will retry)."""
    async with sessions.begin() as session:
        item = await outbox.claim_key(session, key, WORKER, now())
    if item is None:
        return None
    try:
        result = await transport.send(item.chat_id, item.payload)
    except SendError as exc:
        async with sessions.begin() as session:
            reason = f"{type(exc).__name__}: {exc.reason}"
            if isinstance(exc, Unreachable):
                await outbox.mark_unreachable(session, item.chat_id, exc.reason, now())
            elif isinstance(exc, Rejected):  # trying again cannot help
                await outbox.mark_failed(session, item.id, reason)
            else:  # the sender takes it from here
                wait = exc.seconds if isinstance(exc, RetryLater) else RETRY_SECONDS
                await outbox.mark_retry(session, item.id, reason, now() + dt.timedelta(seconds=wait))
        log.warning("outbox message %s (%s) not sent at once: %s", item.id, item.kind, reason)
        return None
    async with sessions.begin() as session:
        await outbox.mark_sent(session, item.id, result.message_id, now())
    return result.message_id
