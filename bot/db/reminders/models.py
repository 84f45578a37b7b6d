"""Reminders a customer asked to hear about later; what falls due per car, kept for the daily sweep."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.common.base import Base, utcnow


class ReminderSnooze(Base):
    """ "Remind me later" on a reminder (migration 0005): the sweep holds this car's `kind` until `until`.

    `kind` is a due kind (bot.core.garage.due.DueKind). Once `until` has come, the sweep reminds of the
    same due date once more (bot.core.reminders.sweep); pressing the button again moves `until`.
    """

    __tablename__ = "reminder_snooze"

    vehicle_id: Mapped[int] = mapped_column(
        ForeignKey("vehicle.id", ondelete="CASCADE", name="fk_reminder_snooze_vehicle"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    until: Mapped[dt.date] = mapped_column(Date, doc="the first day (dealer time) the sweep may remind again")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class VehicleDue(Base):
    """What falls due for a car, one row per (car, kind), kept so the daily sweep reads only what is near (0010).

    A cache of bot.core.garage.due.due_items, recomputed by bot.core.reminders.due_store: for a car marked in
    vehicle_due_stale (database triggers mark every change to its vehicle row, readings or visits), for every car
    when the rules' hash in vehicle_due_state differs, and for a car whose row does not answer the sweep's day
    (`valid_from`..`valid_until`, None meaning open: the inspection after a window closes, a 三包 period ended).
    `detail` holds the item's facts that do not depend on the day; `odometer_on`, `odometer_km` and `daily_km`
    (the latest km point and the average daily distance) give the odometer estimate on any later day.
    """

    __tablename__ = "vehicle_due"
    __table_args__ = (
        Index("ix_vehicle_due_sweep", "due_on", "kind_order", "vehicle_id"),
        *(
            Index(f"ix_vehicle_due_{column}", column, sqlite_where=text(f"{column} IS NOT NULL"),
                  postgresql_where=text(f"{column} IS NOT NULL"))
            for column in ("valid_until", "valid_from")
        ),
    )

    vehicle_id: Mapped[int] = mapped_column(
        ForeignKey("vehicle.id", ondelete="CASCADE", name="fk_vehicle_due_vehicle"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True, doc="a DueKind")
    kind_order: Mapped[int] = mapped_column(SmallInteger, doc="the kind's place in DUE_KINDS (the sweep's order)")
    due_on: Mapped[dt.date] = mapped_column(Date)
    valid_from: Mapped[dt.date | None] = mapped_column(Date, doc="the first sweep day this row answers")
    valid_until: Mapped[dt.date | None] = mapped_column(Date, doc="the last sweep day this row answers")
    odometer_on: Mapped[dt.date | None] = mapped_column(Date)
    odometer_km: Mapped[int | None] = mapped_column(Integer)
    daily_km: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class VehicleDueStale(Base):
    """Cars whose vehicle_due rows must be recomputed before the next sweep reads them (0010).

    Filled by triggers on vehicle, odometer_reading and service_visit (migration 0010), whatever writes them
    (the chat, the importer, the desk, a fix by hand); emptied by bot.core.reminders.due_store.
    """

    __tablename__ = "vehicle_due_stale"

    vehicle_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class VehicleDueState(Base):
    """Name → value; "rules": the hash of what vehicle_due was computed with (schedules, 三包 rules, region)."""

    __tablename__ = "vehicle_due_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
