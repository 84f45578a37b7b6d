"""The queries behind /metrics' database gauges: small aggregates, cheap at a scrape every 15–60 s."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.desk.handoff.tickets import ACTIVE_STATUSES
from bot.core.outbox.store import PENDING, SENDING
from bot.db.desk.handoff.models import Ticket
from bot.db.desk.roadside.models import RoadsideRequest
from bot.db.outbox.models import Outbox

UNCLAIMED_ROADSIDE = ("new", "escalated")


async def ping(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))


async def outbox_backlog(session: AsyncSession, now: dt.datetime) -> dict[str, tuple[int, dt.datetime | None]]:
    """Per kind: messages pending or being sent, and the earliest not_before among those already due."""
    due = func.min(Outbox.not_before).filter(Outbox.not_before <= now)
    rows = await session.execute(
        select(Outbox.kind, func.count(), due).where(Outbox.status.in_((PENDING, SENDING))).group_by(Outbox.kind)
    )
    return {kind: (int(count), oldest) for kind, count, oldest in rows.all()}


async def tickets_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(Ticket.status, func.count()).where(Ticket.status.in_(ACTIVE_STATUSES)).group_by(Ticket.status)
    )
    found = {status: int(count) for status, count in rows.all()}
    return {status: found.get(status, 0) for status in ACTIVE_STATUSES}


async def roadside_unclaimed(session: AsyncSession) -> int:
    query = select(func.count()).where(RoadsideRequest.status.in_(UNCLAIMED_ROADSIDE))
    return int((await session.execute(query)).scalar_one())
