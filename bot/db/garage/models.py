"""Customers and their cars: vehicles, odometer readings, service visits (migration 0004)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
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

from bot.db.common.base import Base, utcnow


class Customer(Base):
    """A person who talks to the bot in a private chat, or a dealer's record imported before they ever do.

    An imported customer has a phone and no Telegram ids until they share their contact (bot.core.garage.records).
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
    forgotten_at: Mapped[dt.datetime | None] = mapped_column(
        doc="/forget: the row keeps only the Telegram id and opt-outs until the privacy notice is accepted again (0008)"
    )


# Customer records (migration 0004): vehicles, their odometer history and service visits. Written by
# bot.core.garage.records (chat) and bot.core.imports.importer (the dealer's CSV exports).
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
    owner_since: Mapped[dt.date | None] = mapped_column(
        Date, doc="claimed in the chat from no owner: visits before this day are an earlier owner's, never shown (0008)"
    )
    owner_imported: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(),
        doc="the owner link is the dealer's (vehicles.csv, by the owner's phone), not a claim made in the chat: "
        "/forget leaves the car on the dealer's customer record (0015)",
    )  # fmt: skip
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class OdometerReading(Base):
    """One odometer reading; readings never go down with time (bot.core.garage.records.add_odometer_reading).

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
    # The KPIs' on-time delivery and first-time fix (migration 0009, docs/import.md).
    promised_at: Mapped[dt.datetime | None] = mapped_column(doc="when the car was promised ready at check-in")
    ready_at: Mapped[dt.datetime | None] = mapped_column(doc="when the car was ready")
    comeback: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), doc="back for the same concern as an earlier visit"
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
