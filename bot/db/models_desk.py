"""The service desk's tables (migration 0006): staff, tickets and their event log, appointments and their slot
capacity, roadside requests, follow-ups after a visit. Timers (escalations, follow-ups, the day-before
reminder) are columns here, acted on by the desk tick (scheduler/desk.py), never only in-memory jobs
(DESIGN.md, decision 1). Re-exported by bot.db.models, so `from bot.db.models import Ticket` works."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, utcnow

STAFF_ROLES = ("advisor", "supervisor", "marketing", "admin")


class Staff(Base):
    """A member of staff, by Telegram user id; bootstrapped from settings, managed with /staff."""

    __tablename__ = "staff"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str | None] = mapped_column(String(128))
    roles: Mapped[str] = mapped_column(String(64), doc="comma-separated STAFF_ROLES, e.g. 'advisor,supervisor'")
    branch: Mapped[str | None] = mapped_column(String(32), doc="a branch id from dealer.yaml; None: all branches")
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


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
        # One active ticket per customer, whichever replica handles the update (bot.db.ticket_repo).
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


APPOINTMENT_STATUSES = ("requested", "confirmed", "arrived", "no_show", "done", "cancelled")


class Appointment(Base):
    """A service booking. `slot` is the start time in dealer time ("09:00"); capacity lives in slot_usage."""

    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_customer", "customer_id", "status"),
        Index("ix_appointment_day", "day", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE", name="fk_appointment_customer")
    )
    vehicle_id: Mapped[int | None] = mapped_column(
        ForeignKey("vehicle.id", ondelete="SET NULL", name="fk_appointment_vehicle")
    )
    plate: Mapped[str | None] = mapped_column(String(16))
    branch: Mapped[str] = mapped_column(String(32))
    service_type: Mapped[str] = mapped_column(String(32))
    day: Mapped[dt.date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(5))
    mode: Mapped[str] = mapped_column(String(16), doc="waiting or drop_off")
    status: Mapped[str] = mapped_column(String(16), default="requested")
    notes: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(16), doc="E.164")
    source: Mapped[str] = mapped_column(String(16), default="chat", doc="chat, reminder, advisor")
    confirmed_by: Mapped[int | None] = mapped_column(BigInteger)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class SlotUsage(Base):
    """Places taken, per (branch, day, slot, mode); slot "*" with mode "*" is the day's cap.

    Taking a place is `UPDATE … SET used = used + 1 WHERE used < capacity`, and the CHECK keeps it true even
    against a writer that forgets: two customers can never take the last place (DESIGN.md, booking capacity).
    """

    __tablename__ = "slot_usage"
    __table_args__ = (
        UniqueConstraint("branch", "day", "slot", "mode", name="uq_slot_usage"),
        CheckConstraint("used >= 0 AND used <= capacity", name="ck_slot_usage_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch: Mapped[str] = mapped_column(String(32))
    day: Mapped[dt.date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(5))
    mode: Mapped[str] = mapped_column(String(16))
    capacity: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer, default=0)


ROADSIDE_STATUSES = ("new", "claimed", "on_the_way", "arrived", "done", "escalated", "cancelled")


class RoadsideRequest(Base):
    """A call for roadside help. Unclaimed at `escalate_at`, it goes to the supervisor and the customer is told
    to call the rescue line."""

    __tablename__ = "roadside_request"
    __table_args__ = (
        Index("ix_roadside_customer", "customer_id", "status"),
        Index("ix_roadside_status_escalate_at", "status", "escalate_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE", name="fk_roadside_customer"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(Text, doc="typed by the customer when no location was shared")
    problem: Mapped[str] = mapped_column(String(32))
    plate: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(16), doc="E.164")
    status: Mapped[str] = mapped_column(String(16), default="new")
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    eta_minutes: Mapped[int | None] = mapped_column(Integer)
    alert_message_id: Mapped[int | None] = mapped_column(BigInteger, doc="the alert in the advisors' group")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    escalate_at: Mapped[dt.datetime | None] = mapped_column()
    claimed_at: Mapped[dt.datetime | None] = mapped_column()
    escalated_at: Mapped[dt.datetime | None] = mapped_column()
    done_at: Mapped[dt.datetime | None] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


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
