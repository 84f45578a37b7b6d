"""The data model (DESIGN.md): evolve it with an Alembic migration in migrations/versions/."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, utcnow

# The service desk's tables (bot.db.models_desk), re-exported: `from bot.db.models import Ticket` works and
# importing this module registers every table on Base.metadata (Alembic, create_all).
from bot.db.models_desk import (
    ACTIVE_TICKET,
    APPOINTMENT_STATUSES,
    ROADSIDE_STATUSES,
    STAFF_ROLES,
    Appointment,
    FollowUp,
    RoadsideRequest,
    SlotUsage,
    Staff,
    Ticket,
    TicketEvent,
)


class Customer(Base):
    """A person who talks to the bot in a private chat, or a dealer's record imported before they ever do.

    An imported customer has a phone and no Telegram ids until they share their contact (bot.core.records).
    """

    __tablename__ = "customer"
    __table_args__ = (UniqueConstraint("phone", name="uq_customer_phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    phone: Mapped[str | None] = mapped_column(String(16), doc="E.164, e.g. +8613800138000")
    name: Mapped[str | None] = mapped_column(String(128), doc="as the dealer's system or the customer gives it")
    external_id: Mapped[str | None] = mapped_column(String(64), index=True, doc="the dealer system's customer id")
    consent_at: Mapped[dt.datetime | None] = mapped_column(doc="agreed to the privacy notice")
    reminders_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    marketing_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    first_name: Mapped[str | None] = mapped_column(String(128))
    language_code: Mapped[str | None] = mapped_column(String(16))
    locale_choice: Mapped[str | None] = mapped_column(String(8), doc="set by /language; wins over everything")
    last_locale: Mapped[str | None] = mapped_column(String(8), doc="the script of the last message written")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    unreachable_at: Mapped[dt.datetime | None] = mapped_column(doc="blocked the bot or deleted the account")


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


class FaqLearned(Base):
    """A (question → entry) pair a customer confirmed: a tapped "did you mean" suggestion, or a question an advisor
    answered after "none of these" (entry_id empty: the reviewer picks it). Candidates for new alternate questions,
    reviewed with `python -m bot kb learn`. Anonymous like faq_miss: no customer id, so /forget has nothing to find.
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
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class ConversationState(Base):
    """Where a customer is in a multi-step flow and what they answered, so a restart loses nothing (decision 3).

    One row per persisted item: `kind` "conversation" (a ConversationHandler's state for one key) or
    "user_data" (one customer's flow answers). Written through by bot.db.persistence.SqlPersistence.
    """

    __tablename__ = "conversation_state"
    __table_args__ = (UniqueConstraint("kind", "name", "key", name="uq_conversation_state_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), doc="conversation or user_data")
    name: Mapped[str] = mapped_column(String(64), doc="the conversation's name; empty for user_data")
    key: Mapped[str] = mapped_column(String(128), doc="the conversation key as a JSON list, or the user id")
    data: Mapped[Any] = mapped_column(JSON, nullable=False, doc="the state, or the user's data (JSON values only)")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class Outbox(Base):
    """One logical message to deliver later, exactly once per idempotency key (DESIGN.md, decisions 1 and 2).

    Life cycle: pending → sending (claimed) → sent | failed | dropped (too late) | unreachable (403).
    A retry puts the row back to pending with a later `next_attempt_at`. Written by bot.core.outbox.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_status_claimed_at", "status", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), doc="e.g. reminder:{vehicle}:{kind}:{due}")
    kind: Mapped[str] = mapped_column(String(32), doc="reminder, follow_up, campaign…: picks the expiry")
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[Any] = mapped_column(JSON, nullable=False, doc="Bot API method and parameters, rendered")
    status: Mapped[str] = mapped_column(String(16), default="pending")
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


# Customer records (migration 0004): vehicles, their odometer history and service visits. Written by
# bot.core.records (chat) and bot.core.importer (the dealer's CSV exports).
VEHICLE_USES = ("household", "commercial")
VISIT_KINDS = ("maintenance", "repair", "bodywork", "warranty", "inspection", "other")


class Vehicle(Base):
    """A car the dealer services; its owner is a customer, or nobody once they say it is no longer theirs."""

    __tablename__ = "vehicle"
    __table_args__ = (
        UniqueConstraint("plate", name="uq_vehicle_plate"),
        UniqueConstraint("vin", name="uq_vehicle_vin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="SET NULL", name="fk_vehicle_customer"), index=True
    )
    plate: Mapped[str | None] = mapped_column(String(16), doc="normalised: 粤B12345, no ·")
    vin: Mapped[str | None] = mapped_column(String(17), doc="17 characters, no I, O or Q")
    make: Mapped[str] = mapped_column(String(64), doc="canonical brand name: Toyota, Honda, Nissan…")
    model: Mapped[str] = mapped_column(String(64))
    delivery_date: Mapped[dt.date | None] = mapped_column(Date)
    use: Mapped[str] = mapped_column(String(16), default="household", server_default="household")
    insurance_expiry: Mapped[dt.date | None] = mapped_column(Date)
    registration_date: Mapped[dt.date | None] = mapped_column(Date)
    released_at: Mapped[dt.datetime | None] = mapped_column(doc="the owner said it is no longer their car")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class OdometerReading(Base):
    """One odometer reading; readings never go down with time (bot.core.records.add_odometer_reading).

    `source` says where it came from: "customer" (typed in the chat), "register", or "visit:{visit_no}" for the
    reading taken at a service visit (so an updated visit replaces its own reading).
    """

    __tablename__ = "odometer_reading"
    __table_args__ = (UniqueConstraint("vehicle_id", "read_on", "km", name="uq_odometer_reading"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id", ondelete="CASCADE", name="fk_odometer_vehicle"))
    read_on: Mapped[dt.date] = mapped_column(Date)
    km: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class ServiceVisit(Base):
    """A workshop visit as the dealer's system records it, keyed by its visit (repair order) number."""

    __tablename__ = "service_visit"
    __table_args__ = (
        UniqueConstraint("visit_no", name="uq_service_visit_visit_no"),
        Index("ix_service_visit_vehicle_date", "vehicle_id", "visit_date"),
        Index("ix_service_visit_date", "visit_date"),  # the follow-up sweep reads the recent visits
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_no: Mapped[str] = mapped_column(String(64))
    vehicle_id: Mapped[int] = mapped_column(
        ForeignKey("vehicle.id", ondelete="CASCADE", name="fk_service_visit_vehicle")
    )
    visit_date: Mapped[dt.date] = mapped_column(Date)
    km: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), doc="one of VISIT_KINDS")
    work_done: Mapped[str | None] = mapped_column(Text)
    advisor: Mapped[str | None] = mapped_column(String(64))
    completed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class ReminderSnooze(Base):
    """ "Remind me later" on a reminder (migration 0005): the sweep holds this car's `kind` until `until`.

    `kind` is a due kind (bot.core.maintenance_due.DueKind). Once `until` has come, the sweep reminds of the
    same due date once more (bot.core.reminders); pressing the button again moves `until`.
    """

    __tablename__ = "reminder_snooze"

    vehicle_id: Mapped[int] = mapped_column(
        ForeignKey("vehicle.id", ondelete="CASCADE", name="fk_reminder_snooze_vehicle"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    until: Mapped[dt.date] = mapped_column(Date, doc="the first day (dealer time) the sweep may remind again")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


__all__ = [
    "ACTIVE_TICKET", "APPOINTMENT_STATUSES", "ROADSIDE_STATUSES", "STAFF_ROLES", "VEHICLE_USES", "VISIT_KINDS",
    "Appointment", "Base", "ChatStatus", "ConversationState", "Customer", "FaqMiss", "FollowUp", "OdometerReading",
    "Outbox", "ReminderSnooze", "RoadsideRequest", "ServiceVisit", "SlotUsage", "Staff", "Ticket", "TicketEvent",
    "Vehicle", "utcnow",
]  # fmt: skip
