"""A car's due items as vehicle_due rows and back: the recompute function and its exact inverse for a sweep day.

`compute` is the per-car computation the sweep used to run for every car every day (bot.core.garage.due), now run
when a car's facts or the rules change. `decode` rebuilds the `DueItem` that `due_items` would return on the
sweep's day from the stored row, so the sweep decides and writes exactly as before:

- the due dates do not depend on the day (bot.core.garage.maintenance: predictions use the car's data only);
- what does is recomputed here: `overdue`, the odometer estimate (from the latest km point and the average daily
  distance, stored), a 三包 period's `ended`;
- an inspection row answers from the day it was computed to its window's end (then the next inspection is due),
  a 三包 row until its last day (then there is nothing left to remind of): `valid_from`/`valid_until`. A row
  that does not answer the day is recomputed first (bot.core.reminders.due_store);
- a day before the latest km point (a sweep `--today` in the past) cannot be estimated from the stored point:
  `decode` returns None and the caller computes that car from its history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from bot.core.garage.due import DUE_KINDS, DueItem, InsuranceDue, WarrantyEnding, due_items
from bot.core.garage.inspection import InspectionDue, Region
from bot.core.garage.maintenance import OdometerFacts, ServiceDue, VehicleFacts, odometer_facts
from bot.core.garage.schedule import MaintenanceSchedule, ServicePlan
from bot.core.warranty.rules import WarrantyRules

# Bump when due.py, maintenance.py or inspection.py change what they compute, or this row format changes:
# the hash changes with it and the next sweep recomputes every car.
FORMAT = "vehicle_due 1"
KIND_ORDER = {kind: order for order, kind in enumerate(DUE_KINDS)}


def rules_hash(schedule: MaintenanceSchedule, rules: WarrantyRules, region: Region) -> str:
    """What the stored rows were computed with: the maintenance schedules, the 三包 rules and the region."""
    digest = hashlib.sha256()
    for part in (FORMAT, schedule.model_dump_json(), rules.model_dump_json(), region):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _day(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def compute(
    vehicle: VehicleFacts, schedule: MaintenanceSchedule, region: Region, today: dt.date, rules: WarrantyRules
) -> list[dict[str, Any]]:
    """The vehicle_due rows of one car as on `today` (the reference computation, stored)."""
    items = due_items(vehicle, schedule, region, today, rules)
    odometer: OdometerFacts | None = None
    if any(item.kind == "service" or item.kind.startswith("warranty") for item in items):
        odometer = odometer_facts(vehicle.km_history, vehicle.delivery_date, schedule.default_daily_km)
    return [encode(item, today, odometer) for item in items]


def encode(item: DueItem, today: dt.date, odometer: OdometerFacts | None) -> dict[str, Any]:
    """One row; `odometer` is the car's km history (needed for service and 三包 items)."""
    detail, valid_from, valid_until = _detail(item, today)
    latest = None if odometer is None else odometer.latest
    estimates = isinstance(item.detail, ServiceDue | WarrantyEnding)
    return {
        "vehicle_id": item.vehicle_id,
        "kind": item.kind,
        "kind_order": KIND_ORDER[item.kind],
        "due_on": item.due,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "odometer_on": latest.read_on if estimates and latest else None,
        "odometer_km": latest.km if estimates and latest else None,
        "daily_km": odometer.daily_km if estimates and odometer else None,
        "detail": detail,
    }


def _detail(item: DueItem, today: dt.date) -> tuple[dict[str, Any], dt.date | None, dt.date | None]:
    """The day-independent facts as JSON, and the days the row answers."""
    d = item.detail
    if isinstance(d, ServiceDue):
        service = {"due_km": d.due_km, "by": d.by, "stage": d.stage, "time_due": _iso(d.time_due),
                   "distance_due": _iso(d.distance_due), "base_date": _iso(d.base_date),
                   "base_km": d.base_km}  # fmt: skip
        return service, None, None
    if isinstance(d, InspectionDue):
        # Valid from the day computed (the previous inspection's window may have closed long before: a later
        # day's computation gives the same row), until its own window closes.
        return {"kind": d.kind, "window_start": _iso(d.window_start), "window_end": _iso(d.window_end),
                "region": d.region, "age_months": d.age_months, "rule": d.rule}, today, d.window_end  # fmt: skip
    if isinstance(d, WarrantyEnding):
        return {"code": d.code, "article": d.article, "by": d.by, "time_ends_on": _iso(d.time_ends_on),
                "distance_ends_on": _iso(d.distance_ends_on), "km_limit": d.km_limit}, None, d.ends_on  # fmt: skip
    return {}, None, None  # insurance: the expiry is all


def estimated_km(row: Any, today: dt.date) -> int | None:
    """OdometerFacts.km_on(today) from the stored latest point; None for a day before it (history needed)."""
    if row.odometer_on is None:
        return 0
    if today < row.odometer_on:
        return None
    return int(row.odometer_km) + round((today - row.odometer_on).days * row.daily_km)


def decode(
    row: Any, make: str, model: str, plan_for: Callable[[str, str], ServicePlan], today: dt.date
) -> DueItem | None:
    """The DueItem `due_items` gives on `today` for this row (valid on `today`); None when the history is needed.

    `row` has the vehicle_due columns as attributes; `plan_for` is the schedule's (MaintenanceSchedule.plan_for).
    """
    kind, due, d = row.kind, row.due_on, row.detail
    if kind == "insurance":
        return DueItem(row.vehicle_id, kind, due, due < today, InsuranceDue(due, (due - today).days, due < today))
    if kind == "inspection":
        detail = InspectionDue(due, d["kind"], _day(d["window_start"]), _day(d["window_end"]), d["region"],  # type: ignore[arg-type]
                               d["age_months"], d["rule"])  # fmt: skip
        return DueItem(row.vehicle_id, kind, due, detail.overdue(today), detail)
    km = estimated_km(row, today)
    if km is None:
        return None
    if kind == "service":
        service = ServiceDue(
            due=due, due_km=d["due_km"], by=d["by"], stage=d["stage"], overdue=due < today,
            time_due=_day(d["time_due"]), distance_due=_day(d["distance_due"]), base_date=_day(d["base_date"]),  # type: ignore[arg-type]
            base_km=d["base_km"], estimated_km=km, daily_km=row.daily_km, plan=plan_for(make, model),
        )  # fmt: skip
        return DueItem(row.vehicle_id, kind, due, service.overdue, service)
    ending = WarrantyEnding(
        code=d["code"], article=d["article"], ends_on=due, by=d["by"], time_ends_on=_day(d["time_ends_on"]),  # type: ignore[arg-type]
        distance_ends_on=_day(d["distance_ends_on"]), km_limit=d["km_limit"], estimated_km=km, ended=today > due,
    )  # fmt: skip
    return DueItem(row.vehicle_id, kind, due, False, ending)
