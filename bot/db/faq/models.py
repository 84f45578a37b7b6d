"""Questions the FAQ could not answer confidently, counted for `python -m bot kb misses`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.common.base import Base, utcnow


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
    asked_by: Mapped[int | None] = mapped_column(
        BigInteger, index=True, doc="the Telegram user whose words `question` holds, only so /forget can delete them"
    )
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class FaqLearned(Base):
    """A (question → entry) pair a customer confirmed: a tapped "did you mean" suggestion, or a question an advisor
    answered after "none of these" (entry_id empty: the reviewer picks it). Candidates for new alternate questions,
    reviewed with `python -m bot kb learn`. Like faq_miss, only the Telegram id of the latest asker, so /forget
    deletes their words (bot.core.privacy.service).
    """

    __tablename__ = "faq_learned"
    __table_args__ = (UniqueConstraint("normalized", "lang", "entry_id", "source", name="uq_faq_learned_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    normalized: Mapped[str] = mapped_column(String(512), doc="the folded question, the key that is counted")
    question: Mapped[str] = mapped_column(String(1024), doc="the latest wording as typed")
    lang: Mapped[str] = mapped_column(String(8), doc="the locale the customer wrote in")
    entry_id: Mapped[str] = mapped_column(String(64), doc="the entry confirmed; '' when an advisor answered")
    source: Mapped[str] = mapped_column(String(16), doc="suggestion or advisor")
    status: Mapped[str] = mapped_column(String(16), default="new", doc="new, accepted or rejected")
    asked_by: Mapped[int | None] = mapped_column(
        BigInteger, index=True, doc="the Telegram user whose words `question` holds, only so /forget can delete them"
    )
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class FaqDaily(Base):
    """How many questions the FAQ answered, answered with "did you mean", or could not answer, per dealer-local day
    (0012): the denominators of /stats' FAQ rates. Anonymous counters: no question, no customer."""

    __tablename__ = "faq_daily"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True, doc="the dealer's local date")
    decision: Mapped[str] = mapped_column(String(16), primary_key=True, doc="answer, suggest or fallback")
    count: Mapped[int] = mapped_column(Integer, default=0)
