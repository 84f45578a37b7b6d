"""Dealer events and customers' answers to their invitations (migration 0009)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
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

RSVP_ANSWERS = ("going", "maybe", "no", "waiting")


class Event(Base):
    """A free inspection week, a service month, an owners' evening, a recall campaign… at one branch.

    `going` counts the places taken; `UPDATE … SET going = going + 1 WHERE going < capacity` takes one, and the
    CHECK keeps it true against any writer (the same rule as booking's slot_usage): a late "going" waits.
    """

    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("going >= 0 AND going <= capacity", name="ck_event_going_within_capacity"),
        Index("ix_event_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    titles: Mapped[Any] = mapped_column(JSON, nullable=False, doc="{locale: title}")
    descriptions: Mapped[Any] = mapped_column(JSON, nullable=False, doc="{locale: description}")
    branch: Mapped[str] = mapped_column(String(32))
    place: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[dt.datetime] = mapped_column()
    ends_at: Mapped[dt.datetime] = mapped_column()
    capacity: Mapped[int] = mapped_column(Integer)
    going: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    offer: Mapped[str | None] = mapped_column(String(32), doc="inspection_week, service_month, owners_evening, recall")
    invite_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    status: Mapped[str] = mapped_column(String(16), default="scheduled", doc="scheduled or cancelled")
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class EventRsvp(Base):
    """One customer's answer to one event: going, maybe, no, or waiting (said going when it was full)."""

    __tablename__ = "event_rsvp"
    __table_args__ = (
        UniqueConstraint("event_id", "customer_id", name="uq_event_rsvp"),
        Index("ix_event_rsvp_event_answer", "event_id", "answer", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE", name="fk_event_rsvp_event"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE", name="fk_event_rsvp_customer"), index=True
    )
    answer: Mapped[str] = mapped_column(String(16), doc="one of RSVP_ANSWERS")
    campaign_id: Mapped[int | None] = mapped_column(Integer, doc="the invitation it answered, for attribution")
    answered_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    checked_in_at: Mapped[dt.datetime | None] = mapped_column()
    checked_in_by: Mapped[int | None] = mapped_column(BigInteger)
