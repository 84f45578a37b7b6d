"""Reminders a customer asked to hear about later."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    ForeignKey,
    String,
    func,
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
