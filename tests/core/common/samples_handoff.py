"""Sample data for the handoff and /staff templates (tests/core/common/test_templates.py renders each in every
locale)."""

from __future__ import annotations

import datetime as dt

from bot.core.desk.handoff.tickets import CardAppointment, CardVehicle, CardVisit, ContextCard
from bot.core.staff.roles import StaffMember

CARD = ContextCard(
    12, "handoff", "faq_none", "Mei <script>", "+8613800138000",
    [CardVehicle("粤B·12345", "Toyota", "Corolla"), CardVehicle(None, "Honda", "Civic")],
    [CardVisit(dt.date(2026, 6, 10), "maintenance", "oil & filter <b>", "粤B·12345")],
    [CardAppointment(dt.date(2026, 12, 3), "09:00", "futian", "maintenance", "requested")],
    [{"q": "保修 <i>", "d": "suggest"}],
    {"warranty": "Three Guarantees (三包) check: may apply Art. 24", "rating": 2,
     "visit": {"no": "RO-1", "date": "2026-11-24", "kind": "repair", "car": "粤B·12345 Toyota Corolla",
               "advisor": "Wang <i>", "stage": 1, "work": "tyre <b>"}},
)  # fmt: skip
EMPTY = ContextCard(13, "complaint", "follow_up", "?", None)
RENEWAL = ContextCard(14, "handoff", "insurance_renewal", "Mei", None,
                      facts={"insurance": {"car": "粤B·12345 Toyota Corolla", "expires": "2026-12-06"}})
NO_EXPIRY = ContextCard(15, "handoff", "insurance_renewal", "Mei", None,
                        facts={"insurance": {"car": "粤B·1", "expires": None}})
ROADSIDE = {"address": "G4 <b>出口</b>", "map": "https://www.google.com/maps/search/?api=1&query=22.5,114.0",
            "latitude": 22.5, "longitude": 114.0, "problem": "flat_tyre", "details": "爆胎 <i>&</i>",
            "plate": "粤B·12345", "phone": "+8613800138000"}  # fmt: skip
LEFT_ROADSIDE = [
    ContextCard(16, "handoff", "typed", "Mei", None, facts={"roadside": ROADSIDE}),
    ContextCard(17, "handoff", "menu", "Mei", None, facts={"roadside": {
        **{key: None for key in ROADSIDE}, "problem": "other", "details": "車頭冒煙"}}),
    ContextCard(18, "handoff", "faq_none", "Mei", None, facts={"roadside": {**ROADSIDE, "address": None}}),
]
MEMBERS = [
    StaffMember(9001, "Ada", frozenset({"admin"})),
    StaffMember(9003, None, frozenset({"advisor", "supervisor"}), on_duty=False),
    StaffMember(9004, "Bo <b>", frozenset({"advisor"}), "futian"),
]
NOTE_EVENTS = ["claimed", "transferred", "transfer_pick", "closed", "ended", "closed_already", "gone", "blocked",
               "retriggered", "resolve_how", "resolve_where", "resolved"]  # fmt: skip
HANDOFF_SAMPLES: dict[str, list[dict[str, object]]] = {
    "handoff_card": [{"card": card} for card in (CARD, EMPTY, RENEWAL, NO_EXPIRY, *LEFT_ROADSIDE)],
    "handoff_relayed": [{"name": "Mei <b>", "ticket_id": 12, "kind": kind, "body": body}
                        for kind, body in (("text", "bot blocked <i>"), ("photo", "scratch &"), ("sticker", ""))],
    "handoff_note": [
        {
            "event": e,
            "name": "Alex <b>",
            "by": "Bo",
            "kind": "complaint",
            "trigger": "follow_up",
            "facts": facts,
            "told": told,
            "where": where,
        }
        for e in NOTE_EVENTS
        for told, where in ((True, None), (False, "Alex <b>"))
        for facts in ({"rating": 2}, {"roadside": ROADSIDE})
    ],
    "handoff_update": [
        {"event": e, "name": "Alex", "note": "我們會免費更換 <b>", "kind": kind, "trigger": trigger}
        for e in ("claimed", "closed", "ended", "busy", "passed_on", "none_open", "resolved")
        for kind, trigger in (("complaint", "follow_up"), ("complaint", "complaint"), ("handoff", "warranty"),
                              ("handoff", "menu"), ("handoff", "insurance_renewal"), ("handoff", "roadside"))
    ],
    "handoff_opened": [
        {"kind": kind, "reused": reused, "opens": opens, "left": left, "carried": carried}
        for kind in ("handoff", "complaint")
        for reused in (False, True)
        for opens in (None, dt.datetime(2026, 11, 29, 9, 0))
        for left in ([], ["booking"], ["roadside"], ["mycar"], ["warranty"], ["followups"])
        for carried in (False, True)
    ],
    "staff_reply": [
        {"event": "list", "members": MEMBERS},
        {"event": "list", "members": []},
        {"event": "added", "member": MEMBERS[1]},
        *({"event": "removed", "user_id": 9003, "outcome": outcome, "group": group}
          for outcome in ("removed", "not_found", "last_admin") for group in (True, False)),
        {"event": "branch", "user_id": 9003, "member": MEMBERS[1]},
        {"event": "branch", "user_id": 9003, "member": MEMBERS[2]},
        {"event": "branch", "user_id": 9003, "member": None},
        {"event": "duty", "on": True},
        {"event": "duty", "on": False},
        {"event": "usage", "error": None},
        {"event": "usage", "error": "unknown role(s) boss"},
    ],
}
