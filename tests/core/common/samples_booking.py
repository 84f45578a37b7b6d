"""Sample data for the booking templates (tests/core/common/test_templates.py renders every template with these)."""

from __future__ import annotations

from datetime import date

from bot.core.desk.booking.slots import STEPS

_FULL = {
    "id": 12, "service": "maintenance", "branch": "Futian <b>", "address": "6008 Shennan Avenue",
    "several_branches": True, "day": date(2026, 12, 3), "slot": "09:00", "mode": "waiting", "plate": "粤B·12345",
    "notes": "noise <script>", "phone": "+8613800138000", "status": "requested", "reason": None, "name": "Mei <script>",
    "moved_from": None,
}  # fmt: skip
_BARE = {**_FULL, "id": None, "branch": None, "several_branches": False, "slot": None, "mode": None, "plate": None,
         "notes": None, "phone": None, "status": None, "name": None}  # fmt: skip
_MOVED = {**_FULL, "moved_from": (date(2026, 12, 1), "14:00")}
_CANCELLED = {**_FULL, "status": "cancelled", "reason": "time <i>"}
_PROBLEMS = ("plate_unclear", "plate_province", "plate_changed",
             "day_unclear", "past", "too_far", "closed", "day_over", "full", "slot_unclear",
             "slot_taken", "phone_unclear", "notes_too_long", "gone", "limit_customer", "limit_car",
             "limit_car_day", "same_time", "no_such_day")  # fmt: skip
_SERVICES = ("maintenance", "repair", "bodywork", "warranty", "inspection", "other")

BOOKING_SAMPLES: dict[str, list[dict[str, object]]] = {
    "booking_ask": [
        {"step": step, "a": a, "reminder": reminder, "note": note, "example": date(2026, 12, 7)}
        for step in STEPS
        if step != "confirm"
        for a in (_FULL, _BARE)
        for reminder in (False, True)
        for note in ("", "part_none")
    ],
    "booking_retry": [
        {"problem": p, "day": day, "last_day": last, "this_year": 2026, "limit": 3, "example": date(2026, 12, 7),
         "plate": "粤B·12345", "month_day": month_day}
        for p in _PROBLEMS
        for day, last in ((date(2026, 12, 3), date(2026, 12, 12)), (date(2027, 11, 1), date(2027, 1, 4)))
        for month_day in ((2, 30), (4, 31))
    ],
    "booking_summary": [{"a": a, "others": []} for a in (_FULL, _BARE, _MOVED)]
    + [{"a": {**_FULL, "service": s}, "others": [date(2026, 12, 1), date(2027, 1, 5)]} for s in _SERVICES],
    "booking_done": [{"a": {**a, "status": s}} for s in ("requested", "confirmed") for a in (_FULL, _MOVED)],
    "appointment_list": [{"items": []}, {"items": [_FULL, {**_FULL, "status": "confirmed", "plate": None}]},
                         {"items": [_FULL], "car_gone": True}, {"items": [_FULL], "missing": 7},
                         {"items": [], "missing": 7}],
    "appointment_notice": [
        {"event": e, "a": _FULL} for e in ("confirmed", "reminder", "cancelled", "coming", "no_show")
    ],
    "appointment_card": [
        {"event": e, "a": a, "staff": staff, "visit": visit}
        for e in ("new", "rescheduled", "cancelled", "coming", "update", "outdated")
        for a in (_FULL, _CANCELLED, {**_FULL, "status": "done"}, _MOVED)
        for staff, visit in (("", None), ("Alex <b>", True), ("Alex", False))
    ] + [{"event": "new", "a": _FULL, "staff": "", "visit": None,
          "advisors": [{"id": 9004, "name": "Bo <b>"}, {"id": 9005, "name": "Cy"}]}],
    "visit_entry": [
        {"id": 12, "plate": "粤B·12345 <b>", "step": step, "problem": None, "km": km, "work": work}
        for step in ("km", "work", "recorded") for km in (None, 24000) for work in (None, "oil <b>")
    ] + [
        {"id": 12, "plate": "粤B·12345", "step": None, "problem": p, "km": 24000, "on_file_km": 500000,
         "on_file_day": date(2026, 11, 1)}
        for p in ("km_unclear", "km_negative", "km_too_high", "lower", "implausible", "later_visit", "work_too_long")
    ],
}
