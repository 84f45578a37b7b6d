"""The FAQ's statistics: questions it could not answer confidently (`python -m bot kb misses`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.common.base import utcnow
from bot.db.common.dialect import upsert_insert
from bot.db.faq.models import FaqDaily, FaqLearned, FaqMiss


async def record_faq_miss(
    session: AsyncSession,
    normalized: str,
    question: str,
    lang: str,
    decision: str,
    best_entry: str | None,
    score: float,
    asked_by: int | None = None,
) -> None:
    """Count one suggestion or fallback; the same folded question only increments its counter."""
    now = utcnow()
    insert = upsert_insert(session)(FaqMiss).values(
        normalized=normalized[:512],
        question=question[:1024],
        lang=lang,
        decision=decision,
        best_entry=best_entry,
        score=score,
        asked_by=asked_by,
        count=1,
        first_seen_at=now,
        last_seen_at=now,
    )
    statement = insert.on_conflict_do_update(
        index_elements=["normalized", "lang", "decision"],
        set_={
            "count": FaqMiss.count + 1,
            "question": insert.excluded.question,
            "best_entry": insert.excluded.best_entry,
            "score": insert.excluded.score,
            "asked_by": insert.excluded.asked_by,
            "last_seen_at": now,
        },
    )
    await session.execute(statement)


async def count_faq_outcome(session: AsyncSession, day: dt.date, decision: str, count: int = 1) -> None:
    """Count `count` replies of the FAQ (answer, suggest or fallback) on the dealer-local `day` (anonymous)."""
    insert = upsert_insert(session)(FaqDaily).values(day=day, decision=decision, count=count)
    await session.execute(insert.on_conflict_do_update(index_elements=["day", "decision"],
                                                       set_={"count": FaqDaily.count + count}))  # fmt: skip


async def top_faq_misses(session: AsyncSession, limit: int = 20) -> list[FaqMiss]:
    """The most frequent misses first, so staff add alternate questions where it helps most."""
    statement = select(FaqMiss).order_by(FaqMiss.count.desc(), FaqMiss.last_seen_at.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())


async def record_faq_pair(
    session: AsyncSession,
    normalized: str,
    question: str,
    lang: str,
    entry_id: str,
    source: str,
    asked_by: int | None = None,
) -> None:
    """Count one confirmed (question → entry) pair; a pair already reviewed keeps its status."""
    now = utcnow()
    insert = upsert_insert(session)(FaqLearned).values(
        normalized=normalized[:512],
        question=question[:1024],
        lang=lang,
        entry_id=entry_id,
        source=source,
        status="new",
        asked_by=asked_by,
        count=1,
        first_seen_at=now,
        last_seen_at=now,
    )
    statement = insert.on_conflict_do_update(
        index_elements=["normalized", "lang", "entry_id", "source"],
        set_={"count": FaqLearned.count + 1, "question": insert.excluded.question, "last_seen_at": now,
              "asked_by": insert.excluded.asked_by},
    )
    await session.execute(statement)


async def faq_pairs(session: AsyncSession, status: str = "new") -> list[FaqLearned]:
    """Confirmed pairs awaiting review, the most frequent first."""
    statement = (
        select(FaqLearned)
        .where(FaqLearned.status == status)
        .order_by(FaqLearned.count.desc(), FaqLearned.last_seen_at.desc(), FaqLearned.id)
    )
    return list((await session.execute(statement)).scalars())
