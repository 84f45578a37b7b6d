"""The data model (DESIGN.md): evolve it with an Alembic migration in migrations/versions/."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """All tables; times are stored in UTC (DESIGN.md, decision 8)."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: DateTime(timezone=True)}


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


# The service desk (migration 0006): staff, tickets (handoffs and complaints), appointments and their slot
# capacity, roadside requests, follow-ups after a visit. Timers (escalations, follow-ups, the day-before
# reminder) are columns here, acted on by the desk tick (scheduler/), never only in-memory jobs (decision 1).
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
