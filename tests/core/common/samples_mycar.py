"""Sample data for the /mycar, settings and privacy templates (tests/core/common/test_templates.py renders them all).

The car views are computed by the real due-date core from plain rows, so every branch of the car summary
shows up: running and ended 三包 periods, a service due by distance and overdue, commercial use, no
delivery date, no plate, and a customer-typed value that must come out escaped.
"""

from __future__ import annotations

from datetime import date

from bot.core.garage import cars as garage
from bot.core.garage.cars import CarView, DueRules, Garage, LastReading, OdometerOutcome
from bot.core.garage.maintenance import OdometerReading, ServiceVisit
from bot.core.garage.records import Reading
from bot.core.garage.registration import REGISTER_STEPS, CarDraft
from bot.core.garage.schedule import default_schedule
from bot.core.privacy.service import ForgetReport, Pending, Preferences, StoredData
from bot.core.warranty.rules import default_rules
from bot.db.garage.models import Vehicle

TODAY = date(2026, 11, 28)
DUE = DueRules(default_schedule(), "CN", default_rules())


def _car(vehicle_id: int, readings: list[OdometerReading], visits: list[ServiceVisit], **row: object) -> CarView:
    values: dict[str, object] = {"plate": "粤B12345", "make": "Toyota", "model": "Corolla", "use": "household"}
    return garage.car_view(Vehicle(id=vehicle_id, **(values | row)), readings, visits, TODAY, DUE)


CARS = [
    _car(1, [OdometerReading(date(2026, 10, 1), 23_000)], [ServiceVisit(date(2025, 12, 1), 9_000)],
         delivery_date=date(2025, 9, 4), insurance_expiry=date(2027, 9, 4)),
    _car(2, [OdometerReading(date(2026, 1, 1), 70_000)], [], delivery_date=date(2023, 1, 5),
         insurance_expiry=date(2026, 1, 5), plate=None, model="<script>alert(1)</script>"),
    _car(3, [], [], use="commercial", delivery_date=date(2024, 2, 29), make="Honda", model="Odyssey"),
    _car(4, [], [], delivery_date=None, plate="AB1234"),
]  # fmt: skip
GARAGES = [Garage(True, True, tuple(CARS)), Garage(True, True, ()), Garage(True, False, ())]
ON_FILE = LastReading(23_846, date(2026, 10, 31))
DRAFT = CarDraft("粤B12345", "Toyota", "<b>Corolla</b>", date(2024, 3, 1), 12_000)
STORED = [
    StoredData(known=False),
    StoredData(known=False, forgotten=True, preferences=Preferences(True, False)),
    StoredData(known=True, first_name="Ann <script>"),
    StoredData(
        known=True, first_name="Mei", name="陳志強", phone="+86138****4417", dealer_id=True, language="zh-Hans",
        consent_on=TODAY, preferences=Preferences(False, True), plates=("粤B·A7453", "粤B·F58938"), readings=10,
        visits=9, messages_pending=1, messages_sent=4, saved_steps=1,
    ),
]  # fmt: skip
PROBLEMS = ("", "plate_unclear", "plate_province", "make_unclear", "make_unknown", "model_unclear", "date_unclear",
            "date_future", "date_need_month", "date_too_old", "km_unclear", "km_negative", "km_too_high",
            "km_conflict")  # fmt: skip

MYCAR_SAMPLES: dict[str, list[dict[str, object]]] = {
    "garage": [
        {"g": g, "notice": notice, "subject": "粤B·12345", "km": 23_900}
        for g in GARAGES
        for notice in ("", "registered", "released", "odometer")
    ],
    "link_result": [
        {"status": status, "count": count}
        for status in ("linked", "already_linked", "no_record", "phone_taken", "invalid", "not_own")
        for count in (0, 1, 2)
    ],
    "car_gone_confirm": [{"car": car} for car in CARS],
    "odometer_ask": [{"car": car} for car in CARS],
    "odometer_retry": [
        {"problem": "km_unclear", "o": None},
        {"problem": "km_negative", "o": None},
        {"problem": "km_too_high", "o": None},
        {"problem": "lower", "o": OdometerOutcome("lower", 20_000, ON_FILE, "20,000 km on 2026-11-28 is lower than "
                                                   "the 23,846 km read on 2026-10-31; please check the reading")},
        {"problem": "higher", "o": OdometerOutcome("higher", 30_000, ON_FILE, "30,000 km on 2026-11-28 is higher "
                                                    "than the 23,846 km read later, on 2026-10-31")},
        {"problem": "implausible", "o": OdometerOutcome("implausible", 500_000, ON_FILE)},
    ],
    "register_ask": [
        {"step": step, "d": DRAFT, "problem": problem} for step in REGISTER_STEPS for problem in PROBLEMS
    ],
    "register_refused": [
        {"problem": p, "plate": "粤B·12345"} for p in ("plate_taken", "plate_yours", "claim_desk", "refused")
    ],
    "settings": [{"p": Preferences(a, b)} for a in (True, False) for b in (True, False)],
    "stopped": [{"p": Preferences(a, False)} for a in (True, False)],
    "privacy": [{"s": s} for s in STORED],
    "forget_done": [{"r": ForgetReport(True, 2, 1, 1, 9)}, {"r": ForgetReport(False, 0, 0, 0, 0)},
                    {"r": ForgetReport(True, 1, 2, 0, 1)},
                    {"r": ForgetReport(True, 2, 0, 0, 3, record_kept=True, cars_kept=1)},
                    {"r": ForgetReport(True, 0, 0, 0, 0, record_kept=True)},
                    {"r": ForgetReport(True, 0, 0, 0, 0, withdrawn=(3,), rescues=(7,))},
                    {"r": ForgetReport(True, 0, 0, 0, 0, rescues=(7, 8))}],
    "forget_confirm": [{"p": Pending()}, {"p": Pending(rescue=7)}, {"p": Pending(appointments=(3, 4))}],
    "forgotten_card": [{}],
    "forgotten_desk_note": [{"withdrawn": w, "rescues": r} for w in ((), (12,), (12, 15)) for r in ((), (7,), (7, 8))],
    "warranty_prefilled": [
        {"car": car, "a": garage.warranty_answers(car, TODAY)} for car in CARS
    ],
    "odometer_staff": [
        {"event": event, "plate": "粤B·12345", "km": 24_000, "on_file_km": 30_000, "on_file_day": TODAY,
         "readings": [Reading(TODAY, 24_000, "staff:9003"), Reading(date(2026, 10, 1), 23_000, "visit:CB-A7"),
                      Reading(date(2026, 9, 1), 20_000, "customer"), Reading(date(2026, 8, 1), 9_000, "import:dms")],
         "corrected": event == "recorded", "error": "'<b>' is not a licence plate" if event == "usage" else None}
        for event in ("readings", "recorded", "on_file", "lower", "implausible", "later_visit", "km_unclear",
                      "km_negative", "km_too_high", "unknown_plate", "usage")
    ] + [{"event": "readings", "plate": "AB1234", "readings": []}, {"event": "unknown_plate", "plate": ""}],
}
