"""The durable outbox and whether a chat can be written to (DESIGN.md, decisions 1 and 2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.common.base import Base, utcnow


class Outbox(Base):
    """One logical message to deliver later, exactly once per idempotency key (DESIGN.md, decisions 1 and 2).

    Life cycle: pending → sending (claimed) → sent | failed | dropped (too late) | unreachable (403).
    A retry puts the row back to pending with a later `next_attempt_at`. Written by bot.core.outbox.store.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_status_claimed_at", "status", "claimed_at"),
        Index("ix_outbox_status_priority_next_attempt_at", "status", "priority", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), doc="e.g. reminder:{vehicle}:{kind}:{due}")
    kind: Mapped[str] = mapped_column(String(32), doc="reminder, follow_up, campaign…: picks the expiry")
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[Any] = mapped_column(JSON, nullable=False, doc="Bot API method and parameters, rendered")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    priority: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", doc="lower goes first: 0 answers and notices, 1 campaigns (0009)"
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column()
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[dt.datetime | None] = mapped_column()
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(1024))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class ChatStatus(Base):
    """Whether the bot can write to a chat: any chat, customers' and staff groups' alike."""

    __tablename__ = "chat_status"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    unreachable_at: Mapped[dt.datetime | None] = mapped_column(doc="None while the chat is reachable")
    reason: Mapped[str | None] = mapped_column(String(256))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
