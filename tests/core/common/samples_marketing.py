"""Sample data for the campaign, event and KPI templates (tests/core/common/test_templates.py renders each)."""

from __future__ import annotations

import datetime as dt

from bot.core.campaigns.service import Progress
from bot.core.events.service import Attendee
from bot.core.events.view import EventView
from bot.core.kpis.compute import Figure
from bot.core.kpis.definitions import KPIS

NOW = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
EVENT = EventView(4, "Toyota winter check <1>", "30 items & tea", "Main", "No. 1", "2026-12-20 09:00", "17:00",
                  dt.datetime(2026, 12, 20, 9, tzinfo=SHANGHAI), dt.datetime(2026, 12, 20, 17, tzinfo=SHANGHAI),
                  "inspection_week", 30, 12)  # fmt: skip
FULL = EventView(5, "Owners' evening", "", "Main", "Hall & bar", "2026-12-21 18:00", "2026-12-22 01:00",
                 dt.datetime(2026, 12, 21, 18, tzinfo=SHANGHAI), dt.datetime(2026, 12, 22, 1, tzinfo=SHANGHAI),
                 None, 2, 2)  # fmt: skip
PROGRESS = Progress(7, "Toyota <winter>", "event", "sending", NOW, 1000, 400, 3, 12, 5, 580, 2)
DONE = Progress(8, "Service month", "broadcast", "done", NOW, 10, 9, 0, 1, 0, 0, 0)
SCHEDULED = Progress(9, "Owners <evening>", "event", "scheduled", NOW, 0, 0, 0, 0, 0, 0, 0)
ATTENDEES = [Attendee(1, "Mei <b>", "+8613800138000", "going", True), Attendee(2, None, None, "waiting", False)]

SAMPLE_VALUES = {"rate": Figure("x", 0.8, 4, 5), "count": Figure("x", 1234), "mean": Figure("x", 3.2, 16, 5),
                 "minutes": Figure("x", 6.0, None, 5), "hours": Figure("x", 13.5, None, 4)}  # fmt: skip
ROWS = [(k.code, k.code.replace("_", " "), k.unit, SAMPLE_VALUES[k.unit]) for k in KPIS]
EMPTY = [(k.code, k.code, k.unit, Figure(k.code, None)) for k in KPIS]
KPI_REPORT = {"start": dt.date(2026, 11, 1), "end": dt.date(2026, 11, 30), "branch": None,
              "distribution": {1: 1, 2: 1, 3: 0, 4: 2, 5: 1}}  # fmt: skip

WIZARD = {"count": 0, "filters": [], "language": "English", "optional": False, "when": "2026-12-06 10:00",
          "shifted": False, "id": 7, "problem": "<what?>", "reason": None, "example": dt.date(2026, 12, 20)}
EDIT = {"step": None, "reason": None, "problem": "<soon>", "id": 7, "name": "Winter <check>",
        "when": "2026-12-06 10:00", "shifted": False, "event": False, "example": dt.date(2026, 12, 20),
        "language": "English", "current": "Winter <8折> & more", "length": 3600, "most": 3500}
WIZARD_STEPS = ("kind", "event", "event_branch", "audience", "text", "button", "when", "confirm", "created",
                "test_sent", "cancelled", "problem")

VISIT = {"visit_no": "RO-1", "comeback": True, "promised": "2026-12-05 17:00", "ready": None}

MARKETING_SAMPLES: dict[str, list[dict[str, object]]] = {
    "visit_reply": [{"event": "recorded", "what": "ready", "v": VISIT, "visit_no": "RO-1"},
                    {"event": "usage", "what": "ready", "v": None, "visit_no": ""},
                    {"event": "unknown", "what": "ready", "v": None, "visit_no": "RO-<9>"},
                    {"event": "recorded", "what": "comeback", "v": {**VISIT, "comeback": False}, "visit_no": "RO-1"}],
    "campaign_wizard": [{**WIZARD, "step": step} for step in WIZARD_STEPS]
    + [{**WIZARD, "step": "audience", "count": 12, "filters": ["Toyota", "nv"]},
       {**WIZARD, "step": "text", "optional": True}, {**WIZARD, "step": "confirm", "shifted": True, "count": 3},
       {**WIZARD, "step": "title", "first": "繁體中文", "title": "車主之夜 <VIP> & 茶點"}]
    + [{**WIZARD, "step": "problem", "reason": r} for r in ("shape", "day", "past", "time", "order", "capacity")]
    + [{**WIZARD, "step": "problem", "reason": "when"}],
    "kpi_report": [{**KPI_REPORT, "rows": EMPTY, "misses": []},
                   {**KPI_REPORT, "rows": ROWS, "misses": [("洗車 <b>", 3)], "branch": "futian"}],
    "campaign_message": [{"body": "Winter <8折>", "event": None}, {"body": "Come & see", "event": EVENT},
                         {"body": "冬季保養", "event": FULL}],
    "campaign_progress": [{"p": PROGRESS, "final": False, "eta": "14:30", "at": PROGRESS.send_at},
                          {"p": DONE, "final": True, "eta": None, "at": DONE.send_at},
                          {"p": SCHEDULED, "final": False, "eta": None, "at": SCHEDULED.send_at}],
    "campaign_list": [{"items": []}, {"items": [PROGRESS, DONE]}],
    "campaign_edit": [{**EDIT, "step": "ask", "event": True}, {**EDIT, "step": "ask"}, {**EDIT, "step": "which"},
                      {**EDIT, "step": "text"}, {**EDIT, "step": "retexted"},
                      {**EDIT, "step": "done", "shifted": True}, {**EDIT, "step": "kept"}]
    + [{**EDIT, "reason": r} for r in ("started", "missing", "when_past", "when_late", "empty", "empty_text",
                                       "too_long", "when")],
    "campaign_reply": [{"event": e, "id": 7, "status": "paused", "reason": "campaign #7 is done"}
                       for e in ("stopped", "changed", "refused", "attributed", "usage")],
    "event_reminder": [{"e": EVENT}, {"e": FULL}],
    "event_promoted": [{"e": EVENT}],
    "event_card": [{"e": EVENT, "mine": None}, {"e": FULL, "mine": "maybe"}, {"e": FULL, "mine": "going"}],
    "event_reply": [{"event": e, "answer_given": a} for e, a in
                    (("none", None), ("closed", None), ("answered", "going"), ("answered", "waiting"),
                     ("answered", "no"), ("answered", "maybe"))],
    "event_attendees": [{"e": EVENT, "attendees": ATTENDEES, "checked": "Mei"}, {"e": FULL, "attendees": [],
                                                                                "checked": None}],
    "event_staff_reply": [{"events": [EVENT, FULL]}, {"events": []}],
}
