"""The campaigns' SQL: their rows, their outbox rows (keys `campaign:{id}:{customer}`) and the figures read there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.outbox import store as outbox
from bot.db.campaigns.models import Campaign, CampaignTouch
from bot.db.garage.models import Customer
from bot.db.outbox.models import Outbox

KIND = "campaign"  # Outbox.kind of every campaign message
PAUSED_UNTIL = dt.datetime(2999, 1, 1, tzinfo=dt.UTC)  # a paused campaign's rows wait here until resumed


def key(campaign_id: int, customer_id: int) -> str:
    return f"campaign:{campaign_id}:{customer_id}"


def _prefix(campaign_id: int) -> str:
    return f"campaign:{campaign_id}:%"


async def get(session: AsyncSession, campaign_id: int, *, lock: bool = False) -> Campaign | None:
    statement = select(Campaign).where(Campaign.id == campaign_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def start(session: AsyncSession, campaign_id: int, now: dt.datetime) -> bool:
    """Mark a due scheduled campaign as sending: one conditional UPDATE, so a send time moved later (or a change
    of status) committed since it was read is never overridden (SQLite reads take no lock). Whether it started."""
    due = (Campaign.id == campaign_id) & (Campaign.status == "scheduled") & (Campaign.send_at <= now)
    result = await session.execute(update(Campaign).where(due).values(status="sending", started_at=now))
    return bool(getattr(result, "rowcount", 0))


async def still_scheduled(session: AsyncSession, campaign_id: int, **values: object) -> bool:
    """Change a campaign only while it is scheduled (one conditional UPDATE: delivery may have started it since
    it was read). Whether it changed."""
    where = (Campaign.id == campaign_id) & (Campaign.status == "scheduled")
    result = await session.execute(update(Campaign).where(where).values(**values))
    return bool(getattr(result, "rowcount", 0))


async def listed(session: AsyncSession, limit: int = 20) -> Sequence[Campaign]:
    return (await session.execute(select(Campaign).order_by(Campaign.id.desc()).limit(limit))).scalars().all()


async def active(session: AsyncSession, now: dt.datetime) -> Sequence[Campaign]:
    """Campaigns whose delivery is due or going on (the delivery tick's work)."""
    due = (Campaign.status == "scheduled") & (Campaign.send_at <= now)
    statement = select(Campaign).where(due | Campaign.status.in_(("sending", "paused"))).order_by(Campaign.id)
    return (await session.execute(statement)).scalars().all()


async def figures(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    """The campaign's outbox rows per status, every status present."""
    rows = (
        await session.execute(
            select(Outbox.status, func.count())
            .where(Outbox.kind == KIND, Outbox.idempotency_key.like(_prefix(campaign_id)))
            .group_by(Outbox.status)
        )
    ).all()
    found = {status: int(n) for status, n in rows}
    return {status: found.get(status, 0) for status in outbox.STATUSES}


async def unsent(session: AsyncSession, campaign_id: int) -> int:
    """The campaign's rows still waiting or being sent (the window delivery keeps filled)."""
    statement = select(func.count()).where(
        Outbox.kind == KIND, Outbox.idempotency_key.like(_prefix(campaign_id)),
        Outbox.status.in_((outbox.PENDING, outbox.SENDING)),
    )
    return int((await session.execute(statement)).scalar_one())


async def existing_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    statement = select(Outbox.idempotency_key).where(Outbox.idempotency_key.in_(keys))
    return set((await session.execute(statement)).scalars())


async def recent_counts(session: AsyncSession, customer_ids: Sequence[int], since: dt.datetime) -> dict[int, int]:
    """Campaign messages each customer got or has coming since `since` (for the weekly cap)."""
    if not customer_ids:
        return {}
    statement = (
        select(Outbox.customer_id, func.count())
        .where(Outbox.kind == KIND, Outbox.customer_id.in_(customer_ids), Outbox.created_at >= since,
               Outbox.status.in_((outbox.PENDING, outbox.SENDING, outbox.SENT)))
        .group_by(Outbox.customer_id)
    )  # fmt: skip
    return {int(c): int(n) for c, n in (await session.execute(statement)).all()}


async def hold_pending(session: AsyncSession, campaign_id: int) -> int:
    """Pause: the campaign's unsent rows wait (claimed rows in the sender's hands still go, at most a batch)."""
    result = await session.execute(
        update(Outbox)
        .where(Outbox.kind == KIND, Outbox.idempotency_key.like(_prefix(campaign_id)), Outbox.status == outbox.PENDING)
        .values(next_attempt_at=PAUSED_UNTIL)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def release_pending(session: AsyncSession, campaign_id: int, now: dt.datetime) -> int:
    """Resume: held rows are due now, and their expiry counts from now."""
    result = await session.execute(
        update(Outbox)
        .where(Outbox.kind == KIND, Outbox.idempotency_key.like(_prefix(campaign_id)), Outbox.status == outbox.PENDING)
        .values(next_attempt_at=now, not_before=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def drop_pending(session: AsyncSession, campaign_id: int, reason: str) -> int:
    result = await session.execute(
        update(Outbox)
        .where(Outbox.kind == KIND, Outbox.idempotency_key.like(_prefix(campaign_id)), Outbox.status == outbox.PENDING)
        .values(status=outbox.DROPPED, last_error=reason)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def drop_opted_out(session: AsyncSession) -> int:
    """Unsent campaign messages of customers who turned offers off since they were enqueued (/stop, /settings,
    the "no more offers" button): never sent."""
    opted_out = select(Customer.id).where(Customer.marketing_opt_out.is_(True))
    result = await session.execute(
        update(Outbox)
        .where(Outbox.kind == KIND, Outbox.status == outbox.PENDING, Outbox.customer_id.in_(opted_out))
        .values(status=outbox.DROPPED, last_error="not sent: the customer turned offers off")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def touch(session: AsyncSession, campaign_id: int, customer_id: int, now: dt.datetime) -> bool:
    """Record a deep-link arrival; False when there is no such campaign."""
    if await session.get(Campaign, campaign_id) is None:
        return False
    session.add(CampaignTouch(campaign_id=campaign_id, customer_id=customer_id, at=now))
    await session.flush()
    return True
