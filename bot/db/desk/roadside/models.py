"""Roadside requests (migrations 0006, 0008) and their messages in the advisors' group (0016)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.common.base import Base, utcnow

ROADSIDE_STATUSES = ("new", "claimed", "on_the_way", "arrived", "done", "escalated", "cancelled")


class RoadsideRequest(Base):
    """A call for roadside help. Unclaimed at `escalate_at`, it goes to the supervisor and the customer is told
    to call the rescue line."""

    __tablename__ = "roadside_request"
    __table_args__ = (
        Index("ix_roadside_customer", "customer_id", "status"),
        Index("ix_roadside_status_escalate_at", "status", "escalate_at"),
        UniqueConstraint("draft_key", name="uq_roadside_draft_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE", name="fk_roadside_customer"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(Text, doc="typed by the customer when no location was shared")
    problem: Mapped[str] = mapped_column(String(32))
    details: Mapped[str | None] = mapped_column(Text, doc="the problem in the customer's words, when typed")
    plate: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(16), doc="E.164")
    status: Mapped[str] = mapped_column(String(16), default="new")
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    eta_minutes: Mapped[int | None] = mapped_column(Integer)
    alert_message_id: Mapped[int | None] = mapped_column(BigInteger, doc="the alert in the advisors' group")
    draft_key: Mapped[str | None] = mapped_column(
        String(40), doc="the flow's draft it was made from: a second confirm of one draft finds this row (0008)"
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    escalate_at: Mapped[dt.datetime | None] = mapped_column()
    claimed_at: Mapped[dt.datetime | None] = mapped_column()
    escalated_at: Mapped[dt.datetime | None] = mapped_column()
    done_at: Mapped[dt.datetime | None] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class RoadsideMessage(Base):
    """A message in the advisors' group that belongs to a request: its alert, the location under it, what the
    customer sent and the advisors answered under it. An advisor's reply to any of them goes to the request's
    customer (Telegram names only the message replied to, never what that one replied to)."""

    __tablename__ = "roadside_message"
    __table_args__ = (
        PrimaryKeyConstraint("chat_id", "message_id", name="pk_roadside_message"),
        Index("ix_roadside_message_request", "request_id"),
    )

    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("roadside_request.id", ondelete="SET NULL", name="fk_roadside_message_request"),
        doc="None once the request went with its customer (/forget): a reply is then told so, not dropped unsaid",
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
