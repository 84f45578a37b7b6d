"""Follow-ups after a visit (migration 0006)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.common.base import Base, utcnow


class FollowUp(Base):
    """A question after a completed visit: stage 1 some days after, stage 2 a week later (the seed's rules).

    Status: pending (due_at not reached) → sent (enqueued in the outbox) → answered | skipped.
    """

    __tablename__ = "follow_up"
    __table_args__ = (
        UniqueConstraint("visit_id", "stage", name="uq_follow_up_visit_stage"),
        Index("ix_follow_up_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("service_visit.id", ondelete="CASCADE", name="fk_follow_up_visit"))
    stage: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[dt.datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="pending")
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None] = mapped_column()
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="SET NULL", name="fk_follow_up_ticket")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
