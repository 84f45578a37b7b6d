"""Tickets (handoffs and complaints) and their event log (migration 0006), and the forum topics tickets had (0017)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.common.base import Base, utcnow

ACTIVE_TICKET = "status IN ('open', 'claimed')"


class Ticket(Base):
    """A customer conversation handed to people: a handoff or a complaint, one forum topic in the advisors' group.

    Status: open (waiting for an advisor) → claimed → closed. `escalate_at` is when an unresolved ticket goes to
    the supervisor (complaints); `escalated_at` says it did. While a ticket is open or claimed the bot does not
    auto-answer that customer.
    """

    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_customer_status", "customer_id", "status"),
        Index("ix_ticket_topic", "topic_id"),
        Index("ix_ticket_status_escalate_at", "status", "escalate_at"),
        # One active ticket per customer, whichever replica handles the update (bot.core.desk.handoff.repo).
        Index(
            "uq_ticket_active_customer",
            "customer_id",
            unique=True,
            sqlite_where=text(ACTIVE_TICKET),
            postgresql_where=text(ACTIVE_TICKET),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE", name="fk_ticket_customer"))
    kind: Mapped[str] = mapped_column(String(16), doc="handoff or complaint")
    trigger: Mapped[str] = mapped_column(String(32), doc="menu, typed, none_of_these, complaint, follow_up, warranty…")
    status: Mapped[str] = mapped_column(String(16), default="open")
    topic_id: Mapped[int | None] = mapped_column(BigInteger, doc="message_thread_id in the advisors' group")
    claimed_by: Mapped[int | None] = mapped_column(BigInteger, doc="staff telegram user id")
    context: Mapped[Any] = mapped_column(JSON, nullable=True, doc="what triggered it: FAQ trail, warranty case…")
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    claimed_at: Mapped[dt.datetime | None] = mapped_column()
    first_response_at: Mapped[dt.datetime | None] = mapped_column()
    escalate_at: Mapped[dt.datetime | None] = mapped_column()
    escalated_at: Mapped[dt.datetime | None] = mapped_column()
    resolved_at: Mapped[dt.datetime | None] = mapped_column(doc="a solution was found (the customer is told)")
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    close_note: Mapped[str | None] = mapped_column(Text)


class TicketEvent(Base):
    """Every contact on a ticket, logged: messages both ways, claims, transfers, escalations, closing."""

    __tablename__ = "ticket_event"
    __table_args__ = (Index("ix_ticket_event_ticket", "ticket_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE", name="fk_ticket_event_ticket"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    actor: Mapped[str] = mapped_column(String(32), doc="customer, staff:{user id}, bot")
    kind: Mapped[str] = mapped_column(String(32), doc="opened, customer_message, staff_reply, claimed, transferred…")
    detail: Mapped[str | None] = mapped_column(Text, doc="a short description, never a phone number or token")


class TicketTopic(Base):
    """A forum topic the bot opened for a ticket. No personal data, so the row outlives its ticket: when the
    ticket goes with its customer (/forget), `ticket_id` becomes None and an advisor who writes in the topic is
    told no conversation is linked to it any more, instead of the message vanishing unsaid. Like
    `Ticket.topic_id`, keyed by the topic's id alone (the group is configuration)."""

    __tablename__ = "ticket_topic"
    __table_args__ = (Index("ix_ticket_topic_ticket", "ticket_id"),)

    topic_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="SET NULL", name="fk_ticket_topic_ticket"),
        doc="None once the ticket went with its customer (/forget)",
    )
