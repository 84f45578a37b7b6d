"""The ledger of handled update ids: a re-delivered update is handled once, whichever replica gets it.

Telegram hands an update out again until a getUpdates offset past it confirms it. The poller
(bot.handlers.ops.polling) records each update here as soon as its handlers are done and confirms it only
afterwards, so after a crash the updates Telegram delivers again are either unhandled (handled now) or in
this table (skipped). Ids are kept for `RETENTION` — Telegram keeps an unconfirmed update for 24 hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.common.base import utcnow
from bot.db.common.dialect import upsert_insert
from bot.db.common.models import HandledUpdate

RETENTION = dt.timedelta(hours=48)


class UpdateLedger:
    """`handled_update` rows: which of these ids were handled, record some, forget old ones."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def newest(self) -> int | None:
        """The highest id recorded: any later id cannot have been handled by an earlier replica."""
        async with self.sessions() as session:
            return (await session.execute(select(func.max(HandledUpdate.update_id)))).scalar()

    async def handled_among(self, update_ids: Iterable[int]) -> set[int]:
        """Those of `update_ids` already handled."""
        wanted = list(update_ids)
        if not wanted:
            return set()
        async with self.sessions() as session:
            rows = await session.execute(select(HandledUpdate.update_id).where(HandledUpdate.update_id.in_(wanted)))
            return {int(update_id) for update_id in rows.scalars()}

    async def record(self, update_ids: Iterable[int], now: dt.datetime | None = None) -> None:
        """Mark updates handled (one statement for the lot; an id recorded before stays as it was)."""
        rows = [{"update_id": update_id, "handled_at": now or utcnow()} for update_id in update_ids]
        if not rows:
            return
        async with self.sessions.begin() as session:
            await session.execute(upsert_insert(session)(HandledUpdate).values(rows).on_conflict_do_nothing())

    async def prune(self, now: dt.datetime | None = None) -> int:
        """Forget ids handled longer than `RETENTION` ago; how many went."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                delete(HandledUpdate).where(HandledUpdate.handled_at < (now or utcnow()) - RETENTION)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
