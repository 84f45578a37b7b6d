"""Appointments and the places they take per slot (migrations 0006, 0008)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
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

APPOINTMENT_STATUSES = ("requested", "confirmed", "arrived", "no_show", "done", "cancelled")


class Appointment(Base):
    """A service booking. `slot` is the start time in dealer time ("09:00"); capacity lives in slot_usage."""

    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_customer", "customer_id", "status"),
        Index("ix_appointment_day", "day", "status"),
        UniqueConstraint("draft_key", name="uq_appointment_draft_key"),
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
    draft_key: Mapped[str | None] = mapped_column(
        String(40), doc="the flow's draft it was made from: a second confirm of one draft finds this row (0008)"
    )
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
