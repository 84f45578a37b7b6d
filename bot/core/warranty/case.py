"""The input of the 三包 engine — one car, one day, its repair history — and how its dates are counted.

The counting conventions are stated and justified in the docstring of `bot.core.warranty.engine`; this module holds
the plain data and the three calendar functions that implement them.
"""

from __future__ import annotations

import calendar
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from bot.core.warranty.rules import (
    Art32Exclusion,
    PeriodRule,
    PowertrainPart,
    ReplacementKind,
    SafetyFailure,
    VehicleSystem,
    VehicleUse,
)


@dataclass(frozen=True)
class PartReplacementEvent:
    """Today (at `as_of`) a main part of this assembly has to be replaced because of a quality problem."""

    part: PowertrainPart


@dataclass(frozen=True)
class SafetyFailureEvent:
    """Today (at `as_of`) this failure occurred because of a quality problem (Art. 23's list)."""

    failure: SafetyFailure


WarrantyEvent = PartReplacementEvent | SafetyFailureEvent


def _as_datetime(value: date) -> datetime:
    """A bare date stands for 00:00 of that day; a datetime is kept as given (naive, dealer-local)."""
    return value if isinstance(value, datetime) else datetime.combine(value, time())


@dataclass(frozen=True)
class RepairRecord:
    """One repair visit for a quality problem.

    `start`/`end` may be dates (read as 00:00) or naive datetimes; `end` None means still in the workshop.
    `resolved` False means the fault was still there after this repair. `part` names the main part replaced
    (used to recognise "the same main part", Art. 24 (3)).
    """

    start: date
    end: date | None
    problem: str
    system: VehicleSystem
    replaced: ReplacementKind | None = None
    part: str | None = None
    serious_safety: bool = False
    resolved: bool = True

    def __post_init__(self) -> None:
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise ValueError(f"repair ends ({self.end}) before it starts ({self.start})")

    @property
    def started_at(self) -> datetime:
        """When the repair was agreed (Art. 40), as a datetime."""
        return _as_datetime(self.start)

    @property
    def ended_at(self) -> datetime | None:
        """When the repair was completed, as a datetime; None while the car is still in the workshop."""
        return None if self.end is None else _as_datetime(self.end)

    @property
    def problem_key(self) -> str:
        """The problem text as compared for "the same problem": NFKC, case-folded, whitespace collapsed."""
        return normalise_label(self.problem)

    @property
    def part_key(self) -> str:
        """The replaced part as compared for "the same main part"; the problem text when no part is named."""
        return normalise_label(self.part) if self.part else self.problem_key


@dataclass(frozen=True)
class WarrantyCase:
    """Everything `assess` needs.

    `start_date` is the invoice date, or the delivery date if different (Art. 18); after a replacement car
    (Art. 29) it is the replacement date. `price` is in yuan; `usage_coefficient` is the maker's n as a
    fraction (0.005 = 0.5%). `exclusions` are the Art. 32 grounds the dealer has established.
    """

    start_date: date
    as_of: date
    odometer_km: int
    use: VehicleUse = "household"
    price: Decimal | None = None
    usage_coefficient: Decimal | None = None
    event: WarrantyEvent | None = None
    history: tuple[RepairRecord, ...] = ()
    exclusions: tuple[Art32Exclusion, ...] = ()

    def __post_init__(self) -> None:
        if self.as_of < self.start_date:
            raise ValueError(f"as_of {self.as_of} is before start_date {self.start_date}")
        if self.odometer_km < 0:
            raise ValueError(f"odometer_km must not be negative (got {self.odometer_km})")

    @property
    def day(self) -> int:
        """Which day of the periods `as_of` is: the start date is day 0 (Civil Code Art. 201)."""
        return (self.as_of - self.start_date).days


def normalise_label(text: str) -> str:
    """Fold free text for comparison: NFKC (full-width → half-width), case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def add_years(start: date, years: int) -> date:
    """The corresponding day `years` later, or the month's last day if there is none (Civil Code Art. 202)."""
    year = start.year + years
    last_day = calendar.monthrange(year, start.month)[1]
    return date(year, start.month, min(start.day, last_day))


def period_last_day(start: date, rule: PeriodRule) -> date:
    """The last day on which a period still runs (inclusive), the start date itself not counted."""
    if rule.years is not None:
        return add_years(start, rule.years)
    assert rule.days is not None  # guaranteed by PeriodRule's validator
    return start + timedelta(days=rule.days)


def repair_days(record: RepairRecord, as_of: date, hours_per_day: int) -> int:
    """Art. 40 单次修理时间 in days: each full `hours_per_day` hours is a day, a remainder is a day.

    A repair still open counts up to 00:00 of `as_of`; every repair counts at least one day, since it did
    take some time even when it started and ended on the same date.
    """
    end = record.ended_at or _as_datetime(as_of)
    full_days, remainder = divmod(end - record.started_at, timedelta(hours=hours_per_day))
    days = full_days + (1 if remainder else 0)
    return max(1, days)
