"""The data model (DESIGN.md): evolve it with an Alembic migration in migrations/versions/."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import BigInteger, DateTime, Float, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """All tables; times are stored in UTC (DESIGN.md, decision 8)."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: DateTime(timezone=True)}


class Customer(Base):
    """A person who talks to the bot in a private chat."""

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    first_name: Mapped[str | None] = mapped_column(String(128))
    language_code: Mapped[str | None] = mapped_column(String(16))
    locale_choice: Mapped[str | None] = mapped_column(String(8), doc="set by /language; wins over everything")
    last_locale: Mapped[str | None] = mapped_column(String(8), doc="the script of the last message written")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class FaqMiss(Base):
    """A question the bot could not answer confidently, counted so staff can add alternate questions."""

    __tablename__ = "faq_miss"
    __table_args__ = (UniqueConstraint("normalized", "lang", "decision", name="uq_faq_miss_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    normalized: Mapped[str] = mapped_column(String(512), doc="the folded question, the key that is counted")
    question: Mapped[str] = mapped_column(String(1024), doc="the latest wording as typed")
    lang: Mapped[str] = mapped_column(String(8))
    decision: Mapped[str] = mapped_column(String(16), doc="suggest or fallback")
    best_entry: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
