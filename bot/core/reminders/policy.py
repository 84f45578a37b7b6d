"""The reminder sweep's policy: its configuration and dependencies, the window and expiry rules, its report.

bot.core.reminders.sweep applies these to every car; see its docstring for the outcomes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from bot.core.common.dealer import Dealer
from bot.core.common.locale import Locale
from bot.core.common.quiet_hours import QuietHours
from bot.core.garage.due import DueItem
from bot.core.garage.inspection import InspectionDue, Region
from bot.core.garage.maintenance import OdometerReading, ServiceVisit, VehicleFacts
from bot.core.garage.schedule import MaintenanceSchedule
from bot.core.reminders import message as reminder_message
from bot.core.reminders.message import CarView
from bot.core.reminders.repo import CarRow
from bot.core.warranty.rules import WarrantyRules

if TYPE_CHECKING:
    from bot.core.common.settings import Settings

Outcome = Literal["later", "stale", "snoozed", "already", "capped", "too_late", "send"]


@dataclass(frozen=True)
class ReminderConfig:
    """The sweep's policy, from settings (see Settings.reminder_*)."""

    windows_days: Mapping[str, int]
    expiry_days: Mapping[str, int]
    overdue_max_days: int
    cap_count: int
    cap_days: int
    quiet: QuietHours
    default_locale: Locale
    region: Region
    batch_size: int = 5000

    @classmethod
    def from_settings(cls, settings: Settings, region: Region) -> ReminderConfig:
        return cls(
            windows_days=dict(settings.reminder_windows_days),
            expiry_days=dict(settings.reminder_expiry_days),
            overdue_max_days=settings.reminder_overdue_max_days,
            cap_count=settings.reminder_cap_count,
            cap_days=settings.reminder_cap_days,
            quiet=settings.quiet_hours,
            default_locale=settings.default_locale,
            region=region,
            batch_size=settings.reminder_batch_size,
        )


class ServicesLike(reminder_message.Renderers, Protocol):
    """The parts of bot.core.services.Services the sweep uses."""

    @property
    def settings(self) -> Settings: ...

    @property
    def dealer(self) -> Dealer: ...

    @property
    def warranty(self) -> WarrantyRules: ...


@dataclass(frozen=True)
class ReminderDeps:
    """Everything a sweep needs besides the database."""

    config: ReminderConfig
    renderers: reminder_message.Renderers
    schedule: MaintenanceSchedule
    rules: WarrantyRules

    @classmethod
    def from_services(cls, services: ServicesLike) -> ReminderDeps:
        settings = services.settings
        schedule = _schedule(settings.knowledge_dir / "maintenance.yaml")
        config = ReminderConfig.from_settings(settings, services.dealer.region)
        return cls(config, services, schedule, services.warranty)


@cache
def _schedule(path: Path) -> MaintenanceSchedule:
    return MaintenanceSchedule.load(path)


@dataclass(frozen=True)
class ItemDecision:
    """What the sweep made of one due item (the dry run prints these)."""

    outcome: Outcome
    customer_id: int
    car: CarView
    item: DueItem
    key: str
    locale: Locale
    not_before: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    quiet_shifted: bool = False
    again: bool = False
    snoozed_until: dt.date | None = None


@dataclass
class SweepReport:
    """Totals of one sweep; `outcomes` counts in-window items by outcome, `not_swept` cars by reason."""

    today: dt.date
    dry_run: bool
    cars: int = 0
    items: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)  # kinds of the reminders enqueued (or to be)
    enqueued: int = 0  # rows actually added (0 in a dry run)
    not_swept: dict[str, int] = field(default_factory=dict)
    skipped: bool = False  # another process was sweeping
    recomputed: dict[str, int] = field(default_factory=dict)  # cars whose due dates were computed first, and why


def facts(car: CarRow, readings: list[tuple[dt.date, int]], services: list[tuple[dt.date, int]]) -> VehicleFacts:
    """The due-date core's view of a car row and its history."""
    return VehicleFacts(
        id=car.id,
        make=car.make,
        model=car.model,
        delivery_date=car.delivery_date,
        registration_date=car.registration_date,
        readings=tuple(OdometerReading(day, km) for day, km in readings),
        visits=tuple(ServiceVisit(day, km) for day, km in services),
        insurance_expiry=car.insurance_expiry,
        use="commercial" if car.use == "commercial" else "household",
    )


def expires_at(item: DueItem, today: dt.date, config: ReminderConfig) -> dt.datetime:
    """The end of the last day (dealer time) the reminder is still useful: its kind's days after the due date
    (the inspection window's end), counted from today for an item found overdue."""
    last = item.detail.window_end if isinstance(item.detail, InspectionDue) else item.due
    day = max(last, today) + dt.timedelta(days=config.expiry_days.get(item.kind, 0) + 1)
    return dt.datetime.combine(day, dt.time(), tzinfo=config.quiet.tz).astimezone(dt.UTC)


def cap_since(today: dt.date, config: ReminderConfig) -> dt.datetime:
    """Where the cap's window starts: calendar days in dealer time, so a reminder on day D counts through
    D + cap_days - 1 and a daily sweep may remind again exactly cap_days days later, whatever the hour."""
    first_day = today - dt.timedelta(days=config.cap_days - 1)
    return dt.datetime.combine(first_day, dt.time(), tzinfo=config.quiet.tz).astimezone(dt.UTC)


def window_outcome(item: DueItem, today: dt.date, config: ReminderConfig) -> Outcome | None:
    """'later' or 'stale' when the item is not to be reminded today, else None."""
    window = config.windows_days.get(item.kind)
    days_left = (item.due - today).days
    if window is None or days_left > window:
        return "later"
    if days_left < -config.overdue_max_days:
        return "stale"
    return None
