"""Health and the database gauges: what /healthz answers and what /metrics reads fresh at each scrape."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import asdict, dataclass
from typing import Literal

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common import metrics
from bot.core.ops import repo
from bot.db.common.base import utcnow

log = logging.getLogger(__name__)
Role = Literal["active", "standby", "off"]
PING_TIMEOUT = 5.0


@dataclass(frozen=True)
class Health:
    """`ok` when the process can do its work: it is up (it answered) and reaches the database."""

    database: bool
    sender: Role  # the outbox sender's role: active (holds the lock, or SQLite's only process), standby, off
    sender_lock: str  # "advisory" on PostgreSQL, "none" on SQLite
    updates: Role = "active"  # takes updates (holds the updates lock, or SQLite's only process), or standby

    @property
    def ok(self) -> bool:
        return self.database

    def as_dict(self) -> dict[str, object]:
        return {"status": "ok" if self.ok else "unavailable", **asdict(self)}


async def database_reachable(sessions: async_sessionmaker[AsyncSession]) -> bool:
    try:
        async with asyncio.timeout(PING_TIMEOUT), sessions() as session:
            await repo.ping(session)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        log.warning("health check: the database is unreachable: %s", exc)
        metrics.database_up.set(0)
        return False
    metrics.database_up.set(1)
    return True


async def check(
    sessions: async_sessionmaker[AsyncSession], sender: Role, sender_lock: str, updates: Role = "active"
) -> Health:
    metrics.sender_active.set(1 if sender == "active" else 0)
    return Health(await database_reachable(sessions), sender, sender_lock, updates)


async def refresh_gauges(sessions: async_sessionmaker[AsyncSession], now: dt.datetime | None = None) -> None:
    """Set the database gauges from the database (no await between clearing and setting: scrapes see whole sets)."""
    now = now or utcnow()
    async with sessions() as session:
        backlog = await repo.outbox_backlog(session, now)
        tickets = await repo.tickets_by_status(session)
        waiting = await repo.roadside_unclaimed(session)
    metrics.outbox_depth.clear()  # a kind that emptied disappears instead of keeping its last value
    metrics.outbox_oldest.clear()
    for kind, (count, oldest) in backlog.items():
        metrics.outbox_depth.labels(kind=kind).set(count)
        age = (now - _aware(oldest)).total_seconds() if oldest is not None else 0.0
        metrics.outbox_oldest.labels(kind=kind).set(max(age, 0.0))
    for state, count in tickets.items():
        metrics.tickets_open.labels(state=state).set(count)
    metrics.roadside_waiting.set(waiting)


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands datetimes back naive; they are stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
