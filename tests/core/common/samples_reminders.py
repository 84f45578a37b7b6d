"""Sample data for the reminder templates (tests/core/common/test_templates.py renders each in every locale).

Every kind and variant the sweep can produce: a service due and one overdue (first and regular), insurance
running and lapsed, each inspection kind (CN online decal and on-site, TW, HK examination), both 三包 periods
ending by time and by distance, with and without a plate, a name and "again".
"""

from __future__ import annotations

from datetime import date

from bot.core.garage.due import DueItem, due_items
from bot.core.garage.inspection import Region
from bot.core.garage.maintenance import OdometerReading, ServiceVisit, VehicleFacts
from bot.core.garage.schedule import default_schedule
from bot.core.reminders.message import CarView, template_data
from bot.core.warranty.rules import default_rules

TODAY = date(2026, 11, 28)
CARS: list[tuple[VehicleFacts, Region]] = [
    (VehicleFacts(1, "Toyota", "Corolla", date(2024, 12, 1), insurance_expiry=date(2026, 12, 20),
                  readings=(OdometerReading(date(2025, 6, 1), 8000),)), "CN"),
    (VehicleFacts(2, "Honda", "Civic", date(2020, 12, 15), visits=(ServiceVisit(date(2026, 6, 10), 60_000),),
                  insurance_expiry=date(2026, 11, 1)), "CN"),
    (VehicleFacts(3, "Nissan", "", date(2021, 12, 10), registration_date=date(2021, 12, 10)), "TW"),
    (VehicleFacts(4, "Volkswagen", "Golf", date(2019, 12, 10)), "HK"),
    (VehicleFacts(5, "Toyota", "Camry", date(2025, 6, 1), readings=(OdometerReading(date(2026, 6, 1), 30_000),)),
     "CN"),
    (VehicleFacts(6, "Toyota", "Yaris", visits=(ServiceVisit(date(2026, 6, 5), 20_000),),
                  readings=(OdometerReading(date(2026, 9, 13), 20_600),)), "CN"),
]  # fmt: skip


def _items() -> list[tuple[VehicleFacts, DueItem]]:
    return [(car, item) for car, region in CARS
            for item in due_items(car, default_schedule(), region, TODAY, default_rules())]  # fmt: skip


def _view(car: VehicleFacts, with_plate: bool) -> CarView:
    return CarView(int(car.id), "粤B12345" if with_plate else None, car.make, car.model)


REMINDER_SAMPLES: dict[str, list[dict[str, object]]] = {
    "reminder": [
        template_data(_view(car, n % 2 == 0), item, TODAY, "Mei <script>" if n % 3 == 0 else None, n % 4 == 1)
        for n, (car, item) in enumerate(_items())
    ],
    "reminder_reply": [
        {"step": "snoozed", "vehicle": _view(CARS[0][0], True), "kind": kind, "until": date(2026, 12, 5)}
        for kind in ("service", "insurance", "inspection", "warranty_repair", "warranty_three_guarantees")
    ]
    + [{"step": "insurance_requested", "vehicle": _view(CARS[0][0], True), "desk": desk} for desk in (True, False)]
    + [{"step": step, "vehicle": _view(CARS[0][0], plate)} for step in ("gone_ask", "gone_done", "gone_kept")
       for plate in (True, False)],
}  # fmt: skip

