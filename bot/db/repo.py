"""Small repository functions: the only place that writes SQL for customers and FAQ statistics."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Customer, FaqLearned, FaqMiss, utcnow


def _insert(session: AsyncSession):
    return pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


@dataclass(frozen=True)
class CustomerView:
    """What handlers need to know about a customer, detached from the session."""

    id: int
    telegram_user_id: int
    first_name: str | None
    language_code: str | None
    locale_choice: str | None
    last_locale: str | None


def _view(row: Customer) -> CustomerView:
    return CustomerView(
        row.id, row.telegram_user_id, row.first_name, row.language_code, row.locale_choice, row.last_locale
    )


async def touch_customer(
    session: AsyncSession,
    telegram_user_id: int,
    chat_id: int,
    first_name: str | None,
    language_code: str | None,
    last_locale: str | None = None,
) -> CustomerView:
    """Create the customer on first contact, refresh what Telegram tells us on every later one (one upsert)."""
    values = {
        "telegram_user_id": telegram_user_id,
        "chat_id": chat_id,
        "first_name": first_name,
        "language_code": language_code,
        "last_seen_at": utcnow(),
    }
    if last_locale:
        values["last_locale"] = last_locale
    insert = _insert(session)(Customer).values(**values)
    update = {k: insert.excluded[k] for k in values if k != "telegram_user_id"}
    statement = insert.on_conflict_do_update(index_elements=["telegram_user_id"], set_=update).returning(Customer)
    row = (await session.execute(statement)).scalar_one()
    return _view(row)


async def set_locale_choice(session: AsyncSession, telegram_user_id: int, locale: str | None) -> None:
    customer = (
        await session.execute(select(Customer).where(Customer.telegram_user_id == telegram_user_id))
    ).scalar_one()
    customer.locale_choice = locale


async def record_faq_miss(
    session: AsyncSession,
    normalized: str,
    question: str,
    lang: str,
    decision: str,
    best_entry: str | None,
    score: float,
) -> None:
    """Count one suggestion or fallback; the same folded question only increments its counter."""
    now = utcnow()
    insert = _insert(session)(FaqMiss).values(
        normalized=normalized[:512],
        question=question[:1024],
        lang=lang,
        decision=decision,
        best_entry=best_entry,
        score=score,
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
            "last_seen_at": now,
        },
    )
    await session.execute(statement)


async def record_faq_pair(
    session: AsyncSession, normalized: str, question: str, lang: str, entry_id: str, source: str
) -> None:
    """Count one confirmed (question → entry) pair; a pair already reviewed keeps its status."""
    now = utcnow()
    insert = _insert(session)(FaqLearned).values(
        normalized=normalized[:512],
        question=question[:1024],
        lang=lang,
        entry_id=entry_id,
        source=source,
        status="new",
        count=1,
        first_seen_at=now,
        last_seen_at=now,
    )
    statement = insert.on_conflict_do_update(
        index_elements=["normalized", "lang", "entry_id", "source"],
        set_={"count": FaqLearned.count + 1, "question": insert.excluded.question, "last_seen_at": now},
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


async def top_faq_misses(session: AsyncSession, limit: int = 20) -> list[FaqMiss]:
    """The most frequent misses first, so staff add alternate questions where it helps most."""
    statement = select(FaqMiss).order_by(FaqMiss.count.desc(), FaqMiss.last_seen_at.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())
