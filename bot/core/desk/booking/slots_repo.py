"""Places in slot_usage: per slot and mode, per slot in all, per day (slot "*", mode "*").

Taking a place runs in the caller's transaction, with the appointment's insert or move
(bot.core.desk.booking.repo): the three counters are created on demand (`INSERT … ON CONFLICT DO NOTHING`) and
each taken with `UPDATE … SET used = used + 1 WHERE used < capacity`. A counter already full updates no row:
`SlotFull` is raised and the caller's transaction rolls back what the others took. On PostgreSQL a racing
writer waits on the row lock and then re-checks `used < capacity`, and every writer locks counters in one
order (day, slot, mode), so none deadlock; on SQLite the first write holds the database's write lock until
commit. Either way two customers can never take the last place, and the CHECK constraint stands behind it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.common.dealer import Capacity
from bot.core.desk.booking.slots import ALL, Counter, capacity_of
from bot.db.common.dialect import upsert_insert
from bot.db.desk.booking.models import SlotUsage


class SlotFull(Exception):
    """The slot (in that mode), or the whole day, has no place left: nothing was stored."""


def _keys(slot: str, mode: str) -> list[tuple[str, str]]:
    """The three counters of a place, in the one order every writer locks them in: the day ("*" sorts first),
    the slot, the slot in its mode. Writers that lock in one order cannot deadlock on PostgreSQL."""
    return [(ALL, ALL), (slot, ALL), (slot, mode)]


async def counters(session: AsyncSession, branch: str, day: dt.date) -> dict[tuple[str, str], Counter]:
    """The day's counters at a branch, by (slot, mode)."""
    statement = select(SlotUsage).where(SlotUsage.branch == branch, SlotUsage.day == day)
    return {(r.slot, r.mode): Counter(r.capacity, r.used) for r in (await session.execute(statement)).scalars()}


async def lock(session: AsyncSession, branch: str, places: list[tuple[dt.date, str, str]]) -> None:
    """Lock the counters of several places in the global order (day, slot, mode) before changing them
    (PostgreSQL; SQLite's one writer lock already serialises the transaction)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    wanted = or_(*(and_(SlotUsage.day == day, SlotUsage.slot == s, SlotUsage.mode == m)
                   for day, slot, mode in places for s, m in _keys(slot, mode)))  # fmt: skip
    statement = (
        select(SlotUsage.id)
        .where(SlotUsage.branch == branch, wanted)
        .order_by(SlotUsage.day, SlotUsage.slot.collate("C"), SlotUsage.mode.collate("C"))  # as "*" < "0" < "d"
        .with_for_update()
    )
    await session.execute(statement)


async def ensure(session: AsyncSession, branch: str, cap: Capacity, day: dt.date, slot: str, mode: str) -> None:
    """Create the place's counters that do not exist yet (a concurrent creator wins, nothing is overwritten)."""
    rows = [
        {"branch": branch, "day": day, "slot": s, "mode": m, "capacity": capacity_of(cap, s, m), "used": 0}
        for s, m in _keys(slot, mode)
    ]
    table = SlotUsage.__table__
    insert = upsert_insert(session)(table).on_conflict_do_nothing(index_elements=["branch", "day", "slot", "mode"])
    await session.execute(insert, rows)


async def take_place(
    session: AsyncSession, branch: str, cap: Capacity, day: dt.date, slot: str, mode: str, *, ensured: bool = False
) -> None:
    """Take one place in (slot, mode), the slot and the day, or raise SlotFull (roll the transaction back)."""
    if not ensured:
        await ensure(session, branch, cap, day, slot, mode)
    for s, m in _keys(slot, mode):
        taken = await session.execute(
            update(SlotUsage)
            .where(SlotUsage.branch == branch, SlotUsage.day == day, SlotUsage.slot == s, SlotUsage.mode == m,
                   SlotUsage.used < SlotUsage.capacity)
            .values(used=SlotUsage.used + 1)
        )  # fmt: skip
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise SlotFull(f"{branch} {day} {s} {m}")


async def release_place(session: AsyncSession, branch: str, day: dt.date, slot: str, mode: str) -> None:
    """Give back the place an appointment held (cancelled or moved); lock the counters first (`lock`)."""
    keys = _keys(slot, mode)
    await session.execute(
        update(SlotUsage)
        .where(SlotUsage.branch == branch, SlotUsage.day == day, SlotUsage.used > 0,
               or_(*(and_(SlotUsage.slot == s, SlotUsage.mode == m) for s, m in keys)))
        .values(used=SlotUsage.used - 1)
    )  # fmt: skip
