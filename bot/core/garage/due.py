"""Everything that falls due for one car: service, insurance renewal, periodic inspection, 三包 periods ending.

`due_items` is the stable input of the reminder sweep: one `DueItem` per kind, each with its due date, the
facts behind it (`detail`, and `details` as JSON-safe data for the outbox payload and the templates) and
the outbox idempotency key `reminder:{vehicle}:{kind}:{due}`. When to remind (lead times, quiet hours)
is the sweep's decision, not this module's.

三包 periods. 包修期 and 三包有效期 (Art. 18) come from the warranty rules (knowledge/warranty.yaml) through
the engine's own `period_last_day`, so both count days the same way (bot.core.warranty.engine: the start date is
day 0, the last day is inclusive, and the km limit itself is still inside: 60,000 km is in, 60,001 out).
The start is the delivery date (Art. 18: the invoice date, or the delivery date when the two differ). The
period ends on the earlier of its last day and the last day the odometer is predicted to be within the km
limit. A maker may promise longer periods than the legal minimums in the rules file. Commercial-use cars
are outside 三包 (Art. 40) and get no warranty items.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import date, timedelta
from typing import Literal, get_args

from pydantic import BaseModel

from bot.core.garage.inspection import InspectionDue, Region, inspection_due
from bot.core.garage.maintenance import (
    OdometerFacts,
    ServiceDue,
    VehicleFacts,
    next_service,
    odometer_facts,
)
from bot.core.garage.schedule import MaintenanceSchedule
from bot.core.warranty.case import period_last_day
from bot.core.warranty.rules import WarrantyRules

DueKind = Literal["service", "insurance", "inspection", "warranty_repair", "warranty_three_guarantees"]
WarrantyCode = Literal["repair_warranty", "three_guarantees"]
DUE_KINDS: tuple[DueKind, ...] = get_args(DueKind)

WARRANTY_KINDS: dict[WarrantyCode, DueKind] = {
    "repair_warranty": "warranty_repair",
    "three_guarantees": "warranty_three_guarantees",
}


@dataclass(frozen=True)
class InsuranceDue:
    """The policy (e.g. 交强险, a 1-year policy) expires on `expires_on`, its last covered day."""

    expires_on: date
    days_left: int
    expired: bool


@dataclass(frozen=True)
class WarrantyEnding:
    """When a 三包 period is predicted to end: the earlier of its last day and the last day within its km.

    `ends_on` is the last day the period runs (inclusive); `ended` is True once `today` is past it.
    `distance_ends_on` is None when the car is not predicted to reach the km limit.
    """

    code: WarrantyCode
    article: int
    ends_on: date
    by: Literal["time", "distance"]
    time_ends_on: date
    distance_ends_on: date | None
    km_limit: int | None
    estimated_km: int
    ended: bool


Detail = ServiceDue | InsuranceDue | InspectionDue | WarrantyEnding


@dataclass(frozen=True)
class DueItem:
    """One thing due for one car, as the reminder sweep consumes it."""

    vehicle_id: int | str
    kind: DueKind
    due: date
    overdue: bool
    detail: Detail

    @property
    def idempotency_key(self) -> str:
        """The outbox key of this reminder: the same car, kind and due date is one message, ever."""
        return f"reminder:{self.vehicle_id}:{self.kind}:{self.due.isoformat()}"

    @property
    def details(self) -> dict[str, object]:
        """`detail` as JSON-safe data: dates as ISO strings, nested records as dicts."""
        plain = _plain(self.detail)
        assert isinstance(plain, dict)
        return plain


def _plain(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: _plain(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def insurance_due(policy_expiry: date | None, today: date) -> InsuranceDue | None:
    """The renewal of a policy expiring on `policy_expiry` (its last day); None when the expiry is unknown."""
    if policy_expiry is None:
        return None
    return InsuranceDue(policy_expiry, (policy_expiry - today).days, policy_expiry < today)


def warranty_ending(
    delivery_date: date, odometer: OdometerFacts, today: date, rules: WarrantyRules
) -> list[WarrantyEnding]:
    """包修期 and 三包有效期 for a car delivered on `delivery_date`, with its km history (`odometer_facts`)."""
    endings: list[WarrantyEnding] = []
    for code in WARRANTY_KINDS:
        rule = rules.periods.get(code)
        time_ends_on = period_last_day(delivery_date, rule)
        distance_ends_on = None
        if rule.km is not None:
            over = odometer.reaches_on(rule.km + 1)
            distance_ends_on = None if over is None else max(over - timedelta(days=1), delivery_date)
        by_distance = distance_ends_on is not None and distance_ends_on < time_ends_on
        ends_on = distance_ends_on if by_distance and distance_ends_on is not None else time_ends_on
        endings.append(
            WarrantyEnding(
                code=code,
                article=rule.article,
                ends_on=ends_on,
                by="distance" if by_distance else "time",
                time_ends_on=time_ends_on,
                distance_ends_on=distance_ends_on,
                km_limit=rule.km,
                estimated_km=odometer.km_on(today),
                ended=today > ends_on,
            )
        )
    return endings


def due_items(
    vehicle: VehicleFacts, schedule: MaintenanceSchedule, region: Region, today: date, rules: WarrantyRules
) -> list[DueItem]:
    """Everything due for `vehicle`, soonest first.

    - service: the next service (overdue ones included, flagged), when a service or the delivery is known;
    - insurance: the policy's renewal, when its expiry is known (expired ones included, flagged);
    - inspection: the next inspection whose window is still open, by `region`'s rules;
    - warranty_repair / warranty_three_guarantees: 包修期 / 三包有效期 ending, household cars only, while the
      period still runs (an ended period has nothing left to remind of).
    """
    items: list[DueItem] = []
    service = next_service(vehicle, schedule, today)
    if service is not None:
        items.append(DueItem(vehicle.id, "service", service.due, service.overdue, service))
    insurance = insurance_due(vehicle.insurance_expiry, today)
    if insurance is not None:
        items.append(DueItem(vehicle.id, "insurance", insurance.expires_on, insurance.expired, insurance))
    registered = vehicle.registration_date or vehicle.delivery_date
    inspection = inspection_due(registered, region, today, vehicle.vehicle_kind)
    if inspection is not None:
        items.append(DueItem(vehicle.id, "inspection", inspection.due, inspection.overdue(today), inspection))
    if vehicle.use == "household" and vehicle.delivery_date is not None:
        odometer = odometer_facts(vehicle.km_history, vehicle.delivery_date, schedule.default_daily_km)
        for ending in warranty_ending(vehicle.delivery_date, odometer, today, rules):
            if not ending.ended:
                items.append(DueItem(vehicle.id, WARRANTY_KINDS[ending.code], ending.ends_on, False, ending))
    return sorted(items, key=lambda item: (item.due, DUE_KINDS.index(item.kind)))
