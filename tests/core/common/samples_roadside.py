"""Sample data for the roadside templates (tests/core/common/test_templates.py renders each in every locale).

Every status and event, a shared location and a typed address, with and without a plate, a caller's card and
a last visit, every region of the safety steps, and a caller name that must be escaped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.core.desk.roadside.requests import PROBLEMS, CustomerCard, RoadsideView, VisitLine
from bot.core.staff.roles import StaffMember

NOW = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)


def _view(
    status: str = "new", problem: str = "battery", point: bool = True, address: str | None = None,
    details: str | None = None,
) -> RoadsideView:
    return RoadsideView(
        id=12, customer_id=3, status=status, problem=problem,  # type: ignore[arg-type]
        latitude=22.5431 if point else None, longitude=114.0579 if point else None, address=address,
        plate="粤B12345", phone="+8613826514417", claimed_by=9003 if status not in ("new", "escalated") else None,
        eta_minutes=30 if status == "on_the_way" else None, alert_message_id=5, created_at=NOW,
        escalate_at=NOW + dt.timedelta(minutes=5), details=details,
    )  # fmt: skip


CARD = CustomerCard(3, 501, "Ann <script>", "+8613900000001", ("粤B12345 Toyota Corolla",),
                    VisitLine(dt.date(2026, 10, 1), "maintenance", "粤B12345"), "en")  # fmt: skip
BARE = CustomerCard(4, 502, "", None)
MAP = "https://uri.amap.com/marker?position=114.057900,22.543100&coordinate=wgs84"
STATUSES = ("new", "escalated", "claimed", "on_the_way", "arrived", "done", "cancelled")
SUPERVISORS = [StaffMember(9002, "Sam <b>", frozenset({"supervisor"})), StaffMember(9001, None, frozenset({"admin"}))]


def _alert(view: RoadsideView, card: CustomerCard | None, map_url: str | None) -> dict[str, object]:
    return {"r": view, "plate": "粤B·12345" if view.plate else None, "card": card, "map_url": map_url, "region": "CN"}


ROADSIDE_SAMPLES: dict[str, list[dict[str, object]]] = {
    "roadside_safety": [{"region": region} for region in ("CN", "TW", "HK")],
    "roadside_ask": [
        {"step": step, "reminder": reminder, "cars": cars, "phone": phone, "noted": reminder and step == "location"}
        for step in ("location", "problem", "plate", "phone")
        for reminder in (False, True)
        for cars, phone in ((True, "+8613900000001"), (False, None))
    ],
    "roadside_retry": [{"problem": p} for p in ("address", "problem", "plate", "phone")],
    "roadside_located": [{"point": True, "address": None}, {"point": False, "address": "G4 京港澳高速 <b>"}],
    "roadside_confirmed": [{"r": _view(problem=p), "plate": "粤B·12345", "desk": p != "other"} for p in PROBLEMS]
    + [{"r": _view(point=False, address="深南大道 <i>"), "plate": None, "desk": False}],
    "roadside_open": [{"r": _view(s), "staff": staff} for s in STATUSES[:5] for staff in ("", "Alex <b>")],
    "roadside_update": [
        {"event": e, "r": _view(e if e != "claimed" else "claimed"), "staff": "Alex <b>"}
        for e in ("claimed", "on_the_way", "arrived", "done", "cancelled")
    ]
    + [{"event": "relayed", "r": _view(s), "staff": staff} for s in ("new", "claimed") for staff in ("", "Alex <b>")],
    "roadside_relayed": [
        {"r": _view(s), "name": "志強 <b>", "staff": staff, "kind": kind, "body": body}
        for s, staff in (("new", ""), ("claimed", "Alex <b>"))
        for kind, body in (("text", "還要多久？"), ("photo", ""), ("location", ""), ("photo", "caption"))
    ],
    "roadside_alert": [
        {**_alert(_view(s), card, map_url), "staff": "Alex"}
        for s in STATUSES
        for card, map_url in ((CARD, MAP), (BARE, None), (None, None))
    ]
    + [{**_alert(_view(problem="other", details="車頭冒煙 <b>&"), CARD, MAP), "staff": None}],
    "roadside_escalated_desk": [
        {**_alert(_view("escalated"), CARD, MAP), "supervisors": SUPERVISORS},
        {**_alert(_view("escalated", point=False, address="x"), None, None), "supervisors": []},
    ],
    "roadside_escalated_customer": [{"r": _view("escalated")}],
    "roadside_desk_note": [
        {"event": "cancelled", "r": _view("cancelled")},
        *({"event": "closed", "r": _view(s)} for s in ("done", "cancelled")),
        {"event": "gone", "r": None},
        {"event": "blocked", "r": _view("claimed")},
        {"event": "blocked", "r": dataclasses.replace(_view("claimed"), phone=None)},
    ],
}
