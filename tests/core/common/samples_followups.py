"""Sample data for the follow-up and complaint templates (tests/core/common/test_templates.py renders each in every
locale)."""

from __future__ import annotations

from datetime import date, datetime

CAR = {"plate": "粤B·12345", "make": "Toyota", "model": "Corolla"}
SUPERVISORS = [{"id": 9002, "name": "Sam <b>"}, {"id": 9001, "name": "#9001"}]
FOLLOWUP_SAMPLES: dict[str, list[dict[str, object]]] = {
    "followup_ask": [
        {"stage": stage, "name": name, "car": car, "visit_date": date(2026, 11, 20), "visit_kind": kind}
        for stage in (1, 2)
        for name, car, kind in (
            ("Mei <script>", CAR, "maintenance"),
            ("", {"plate": "", "make": "Honda", "model": ""}, "bodywork"),
            ("", CAR, "unknown"),
        )
    ],
    "followup_thanks": [
        {"rating": rating, "alert": alert, "ticket": ticket, "ask_comment": ask}
        for rating, alert, ticket, ask in (
            (5, False, None, True),
            (4, False, None, False),
            (2, True, 17, False),
            (1, True, None, True),
        )
    ],
    "followup_again": [{"rating": 5}, {"rating": 4}],
    "followup_comment": [
        {"skipped": skipped, "complaint": complaint, "ticket": ticket}
        for skipped, complaint, ticket in (
            (True, False, None),
            (False, True, 17),
            (False, True, None),
            (False, False, None),
        )
    ],
    "complaint_ack": [{"ticket": 17, "hours": 48}, {"ticket": None, "hours": 48}],
    "complaint_escalated": [
        {"ticket": 17, "supervisors": s, "opened": datetime(2026, 11, 26, 9, 5), "hours": 48} for s in (SUPERVISORS, [])
    ],
    "followup_alert": [
        {
            "rating": rating,
            "comment": comment,
            "car": "粤B·12345 Toyota Corolla",
            "visit_no": "RO-1",
            "advisor": advisor,
            "supervisors": s,
        }
        for rating, comment, advisor, s in (
            (2, None, "Wang <i>", SUPERVISORS),
            (5, "太差了 <script>", None, []),
            (None, "still not fixed", "Li", SUPERVISORS),
        )
    ],
}
