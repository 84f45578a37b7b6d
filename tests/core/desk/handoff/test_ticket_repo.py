"""One active ticket per customer, enforced by the database even when two processes open one at once."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.desk.handoff import repo as ticket_repo
from bot.db.desk.handoff.models import Ticket
from bot.db.garage.models import Customer

NOW = dt.datetime(2026, 11, 28, 3, 0, tzinfo=dt.UTC)


async def _open(sessions: async_sessionmaker[AsyncSession], start: asyncio.Event, trigger: str) -> tuple[int, bool]:
    async with sessions.begin() as session:
        await start.wait()
        opened = await ticket_repo.open_or_reuse(
            session, 777, kind="handoff", trigger=trigger, context={}, escalate_at=None, default="zh-Hant", now=NOW
        )
        assert opened is not None
        return opened[0].id, opened[1]


async def test_racing_openers_share_one_ticket(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        session.add(Customer(telegram_user_id=777, chat_id=777, first_name="Mei"))
    start = asyncio.Event()
    racers = [asyncio.create_task(_open(sessions, start, f"t{n}")) for n in range(4)]
    await asyncio.sleep(0)
    start.set()
    results = await asyncio.gather(*racers)
    assert len({ticket_id for ticket_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Ticket))).scalar_one() == 1
