"""The handoff's domain: timings for the KPI reader, the FAQ trail, topic names, business hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.core.common.dealer import Dealer
from bot.core.common.settings import ROOT
from bot.core.desk.handoff.tickets import (
    TOPIC_NAME_MAX,
    TRAIL_LENGTH,
    Timings,
    add_to_trail,
    next_opening,
    timings,
    topic_name,
)

DEALER = Dealer.load(ROOT / "knowledge" / "dealer.yaml")
TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)  # type: ignore[misc]


def test_timings_are_first_reply_and_resolution_else_closing() -> None:
    minutes = dt.timedelta(minutes=1)
    assert timings(T0, None, None, None) == Timings(None, None)
    done = timings(T0, T0 + 5 * minutes, None, T0 + 60 * minutes)
    assert (done.first_response, done.resolution) == (5 * minutes, 60 * minutes)
    solved = timings(T0, T0 + 5 * minutes, T0 + 30 * minutes, T0 + 60 * minutes)
    assert solved.resolution == 30 * minutes  # a complaint counts until its solution


def test_the_trail_keeps_the_last_questions_short_and_json() -> None:
    trail: list[dict[str, str]] = []
    for n in range(TRAIL_LENGTH + 2):
        trail = add_to_trail(trail, f"question {n}   " + "x" * 300, "suggest")
    assert len(trail) == TRAIL_LENGTH and trail[-1]["q"].startswith("question 6 x")
    assert all(len(item["q"]) <= 120 for item in trail)
    assert add_to_trail(["junk", {"bad": 1}], "q", "answer") == [{"q": "q", "d": "answer"}]


def test_topic_names_keep_the_ticket_number_within_telegrams_limit() -> None:
    assert topic_name("Mei", "粤B·12345", 12) == "Mei · 粤B·12345 · #12"
    assert topic_name(None, None, 3) == "? · #3"
    long = topic_name("M" * 300, None, 123456)
    assert len(long) == TOPIC_NAME_MAX and long.endswith(" · #123456")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(2026, 11, 26, 10, 0), None),  # Thursday, open
        (local(2026, 11, 26, 17, 45), None),  # Futian still open until 18:00
        (local(2026, 11, 26, 19, 0), local(2026, 11, 27, 8, 30)),  # evening: tomorrow morning
        (local(2026, 11, 28, 22, 0), local(2026, 11, 29, 9, 0)),  # Saturday night: Nanshan opens Sunday 09:00
        (local(2026, 11, 29, 7, 0), local(2026, 11, 29, 9, 0)),  # Sunday early: Futian closed all day
        (local(2026, 12, 31, 20, 0), local(2027, 1, 2, 8, 30)),  # New Year's Day is closed at both; Nanshan first
    ],
)
def test_next_opening(now: dt.datetime, expected: dt.datetime | None) -> None:
    assert next_opening(DEALER, now.astimezone(dt.UTC), TZ) == expected
