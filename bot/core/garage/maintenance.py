"""When a car's next service is due: odometer history, average daily distance, and the service prediction.

Pure functions on plain dataclasses; no database, no telegram, no clock (every function takes `today`).

Conventions:
- Months are added to the calendar day and clamped to the month end (Civil Code Art. 202, as the 三包
  engine counts years): Jan 31 + 1 month = Feb 28 (Feb 29 in a leap year); 2024-02-29 + 12 months =
  2025-02-28. Each due date is counted from its base date, never chained, so Jan 31 + 6 months = Jul 31.
- A car's km history is its odometer readings plus its service visits (each visit records the odometer),
  plus 0 km on the delivery date when nothing was read before. Readings lower than an earlier one (a bad
  import) are ignored here; new readings are refused by `check_new_reading`.
- "Whichever comes first": the due date is the earlier of the time limit and the day the odometer reaches
  the km limit — read from the history when it has already passed it (linear between the two readings
  around it), else predicted from the latest reading at the average daily distance. On a tie the time
  limit is named, as it is certain and the distance only predicted.
- The prediction depends on the car's data only, never on `today`, so the due date (and with it the
  reminder's idempotency key) stays the same from one sweep to the next until new data arrive.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bot.core.garage.schedule import MaintenanceSchedule, ServicePlan

DEFAULT_DAILY_KM = 40.0
MIN_SPAN_DAYS = 14  # a shorter history says more about one trip than about how the car is used

VehicleKind = Literal["small_passenger", "not_exempt"]
VehicleUse = Literal["household", "commercial"]
RateSource = Literal["history", "delivery", "default"]


class OdometerError(ValueError):
    """A reading that cannot be right given the car's other readings; the message gives the numbers."""

    def __init__(self, message: str, km: int, read_on: date) -> None:
        super().__init__(message)
        self.km = km
        self.read_on = read_on


@dataclass(frozen=True)
class OdometerReading:
    """The odometer showed `km` on `read_on`."""

    read_on: date
    km: int


@dataclass(frozen=True)
class ServiceVisit:
    """A maintenance service (not a repair) done on `visited_on` at `km`."""

    visited_on: date
    km: int


@dataclass(frozen=True)
class VehicleFacts:
    """What the due-date core knows of one car.

    `registration_date` drives periodic inspection (the delivery date when not given); `use` commercial
    takes the car out of 三包 (Art. 40); `vehicle_kind` "not_exempt" is a mainland car outside the 2022
    inspection exemption (minivans, illegally modified cars, cars in injury or fatal accidents).
    """

    id: int | str
    make: str
    model: str = ""
    delivery_date: date | None = None
    registration_date: date | None = None
    readings: tuple[OdometerReading, ...] = ()
    visits: tuple[ServiceVisit, ...] = ()
    insurance_expiry: date | None = None
    use: VehicleUse = "household"
    vehicle_kind: VehicleKind = "small_passenger"

    @property
    def last_service(self) -> ServiceVisit | None:
        """The latest service visit, None for a car never serviced."""
        return max(self.visits, key=lambda v: (v.visited_on, v.km), default=None)

    @property
    def km_history(self) -> list[OdometerReading]:
        """Readings and service visits as one list of readings."""
        return [*self.readings, *(OdometerReading(v.visited_on, v.km) for v in self.visits)]


@dataclass(frozen=True)
class OdometerFacts:
    """A car's km history (sorted, never going back) and its average daily distance."""

    points: tuple[OdometerReading, ...]
    daily_km: float
    source: RateSource

    @property
    def latest(self) -> OdometerReading | None:
        """The latest known reading, None when nothing is known."""
        return self.points[-1] if self.points else None

    def km_on(self, day: date) -> int:
        """The odometer estimated on `day` (after the latest reading: at the average daily distance)."""
        latest = self.latest
        if latest is None:
            return 0
        if day <= latest.read_on:
            return max((p.km for p in self.points if p.read_on <= day), default=0)
        return latest.km + round((day - latest.read_on).days * self.daily_km)

    def reaches_on(self, km: int) -> date | None:
        """The first day the odometer shows at least `km`; None when it is never predicted to."""
        latest = self.latest
        if latest is None:
            return None
        if km > latest.km:
            if self.daily_km <= 0:
                return None
            return latest.read_on + timedelta(days=math.ceil((km - latest.km) / self.daily_km))
        index = next(i for i, point in enumerate(self.points) if point.km >= km)
        after = self.points[index]
        if index == 0:
            return after.read_on
        before = self.points[index - 1]
        days = (after.read_on - before.read_on).days
        share = (km - before.km) / (after.km - before.km)
        return before.read_on + timedelta(days=math.ceil(days * share))


@dataclass(frozen=True)
class ServiceDue:
    """The next service: when (`due`, by time or distance), at what km, and what it is counted from.

    `stage` "first" is the first service after delivery; `time_due` and `distance_due` are both limits
    (`distance_due` None when the schedule has no km limit or the car is not predicted to reach it).
    """

    due: date
    due_km: int | None
    by: Literal["time", "distance"]
    stage: Literal["first", "regular"]
    overdue: bool
    time_due: date
    distance_due: date | None
    base_date: date
    base_km: int
    estimated_km: int
    daily_km: float
    plan: ServicePlan


def add_months(start: date, months: int) -> date:
    """The same day `months` later (or earlier), or that month's last day when it has no such day."""
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    return date(year, month + 1, min(start.day, calendar.monthrange(year, month + 1)[1]))


def _sorted(readings: Iterable[OdometerReading]) -> list[OdometerReading]:
    """Oldest first, dropping readings below an earlier one (an odometer never goes back)."""
    kept: list[OdometerReading] = []
    for reading in sorted(readings, key=lambda r: (r.read_on, r.km)):
        if not kept or reading.km >= kept[-1].km:
            kept.append(reading)
    return kept


def _rate(points: Sequence[OdometerReading], delivery_date: date | None, default: float) -> tuple[float, RateSource]:
    if points:
        first, last = points[0], points[-1]
        span = (last.read_on - first.read_on).days
        if span >= MIN_SPAN_DAYS:
            return (last.km - first.km) / span, "history"
        if delivery_date is not None and (last.read_on - delivery_date).days >= MIN_SPAN_DAYS:
            return last.km / (last.read_on - delivery_date).days, "delivery"
    return default, "default"


def average_daily_km(
    readings: Sequence[OdometerReading], delivery_date: date | None, default: float = DEFAULT_DAILY_KM
) -> float:
    """km a day: over the readings when they span 14 days or more, else from delivery (0 km) to the latest
    reading when that spans 14 days or more, else `default`. A parked car's rate is 0."""
    return _rate(_sorted(readings), delivery_date, default)[0]


def odometer_facts(
    readings: Iterable[OdometerReading], delivery_date: date | None, default_daily_km: float = DEFAULT_DAILY_KM
) -> OdometerFacts:
    """The km history with 0 km on the delivery date (unless a reading precedes it) and the daily rate."""
    points = _sorted(readings)
    daily_km, source = _rate(points, delivery_date, default_daily_km)
    if delivery_date is not None and not any(p.read_on <= delivery_date for p in points):
        points.insert(0, OdometerReading(delivery_date, 0))
    return OdometerFacts(tuple(points), daily_km, source)


def check_new_reading(previous: Sequence[OdometerReading], km: int, read_on: date) -> None:
    """Raise OdometerError when `km` on `read_on` contradicts the earlier readings; return None when it fits.

    An odometer only goes up: a reading may not be lower than one taken on or before its date, nor higher
    than one taken after it (a late entry of an older reading is checked the same way).
    """
    if km < 0:
        raise OdometerError(f"{km:,} km is not an odometer reading: it cannot be negative", km, read_on)
    lower_than = [r for r in previous if r.read_on <= read_on and r.km > km]
    if lower_than:
        worst = max(lower_than, key=lambda r: r.km)
        raise OdometerError(
            f"{km:,} km on {read_on.isoformat()} is lower than the {worst.km:,} km read on "
            f"{worst.read_on.isoformat()}; an odometer never goes back, please check the reading",
            km,
            read_on,
        )
    higher_than = [r for r in previous if r.read_on > read_on and r.km < km]
    if higher_than:
        worst = min(higher_than, key=lambda r: r.km)
        raise OdometerError(
            f"{km:,} km on {read_on.isoformat()} is higher than the {worst.km:,} km read later, on "
            f"{worst.read_on.isoformat()}; please check the reading and its date",
            km,
            read_on,
        )


def next_service(vehicle: VehicleFacts, schedule: MaintenanceSchedule, today: date) -> ServiceDue | None:
    """The next service of `vehicle` by its make's schedule; None when neither a service visit nor the
    delivery date is known (nothing to count from)."""
    plan = schedule.plan_for(vehicle.make, vehicle.model)
    last = vehicle.last_service
    stage: Literal["first", "regular"]
    if last is not None:
        base_date, base_km, stage = last.visited_on, last.km, "regular"
    elif vehicle.delivery_date is not None:
        base_date, base_km, stage = vehicle.delivery_date, 0, "first"
    else:
        return None
    limits = plan.limits(first=stage == "first")
    odometer = odometer_facts(vehicle.km_history, vehicle.delivery_date, schedule.default_daily_km)
    time_due = add_months(base_date, limits.months)
    due_km = None if limits.km is None else base_km + limits.km
    distance_due = None if due_km is None else odometer.reaches_on(due_km)
    if distance_due is not None:
        distance_due = max(distance_due, base_date)
    by_distance = distance_due is not None and distance_due < time_due
    due = distance_due if by_distance and distance_due is not None else time_due
    return ServiceDue(
        due=due,
        due_km=due_km,
        by="distance" if by_distance else "time",
        stage=stage,
        overdue=due < today,
        time_due=time_due,
        distance_due=distance_due,
        base_date=base_date,
        base_km=base_km,
        estimated_km=odometer.km_on(today),
        daily_km=odometer.daily_km,
        plan=plan,
    )
