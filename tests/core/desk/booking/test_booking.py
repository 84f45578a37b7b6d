"""Booking's pure rules: typed future days, slots per branch and day, places left, the flow's next question."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.common.config_files import ConfigError
from bot.core.common.dealer import Capacity, Dealer
from bot.core.common.settings import ROOT
from bot.core.desk.booking.dates import DayChoice, read_day, read_time
from bot.core.desk.booking.slots import (
    Counter,
    day_problem,
    in_part,
    next_step,
    no_show_too_early,
    open_days,
    places_left,
    slot_offers,
    slot_times,
    too_early,
)

DEALER = Dealer.load(ROOT / "knowledge" / "dealer.yaml")
FUTIAN, NANSHAN = DEALER.branches
TODAY = dt.date(2026, 11, 28)  # a Saturday
SHENZHEN = ZoneInfo("Asia/Shanghai")
WINDOW_END = TODAY + dt.timedelta(days=14)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天下午", DayChoice(dt.date(2026, 11, 29), "pm")),
        ("後天", DayChoice(dt.date(2026, 11, 30))),
        ("后天上午", DayChoice(dt.date(2026, 11, 30), "am")),
        ("大後天", DayChoice(dt.date(2026, 12, 1))),
        ("3天後", DayChoice(dt.date(2026, 12, 1))),
        ("in 3 days", DayChoice(dt.date(2026, 12, 1))),
        ("12/3", DayChoice(dt.date(2026, 12, 3))),
        ("3/12", DayChoice(dt.date(2026, 12, 3))),  # March 12 is out of the window, 3 December is in it
        ("12月3日", DayChoice(dt.date(2026, 12, 3))),
        ("十二月三號 早上", DayChoice(dt.date(2026, 12, 3), "am")),
        ("１２/５", DayChoice(dt.date(2026, 12, 5))),
        ("next Monday", DayChoice(dt.date(2026, 11, 30))),
        ("next monday afternoon", DayChoice(dt.date(2026, 11, 30), "pm")),
        ("下週一", DayChoice(dt.date(2026, 11, 30))),
        ("下周一", DayChoice(dt.date(2026, 11, 30))),
        ("下禮拜二", DayChoice(dt.date(2026, 12, 1))),
        ("下下週三", DayChoice(dt.date(2026, 12, 9))),
        ("週六", DayChoice(TODAY)),
        ("星期天", DayChoice(dt.date(2026, 11, 29))),
        ("Friday", DayChoice(dt.date(2026, 12, 4))),
        ("fri pm", DayChoice(dt.date(2026, 12, 4), "pm")),
        ("Dec 5", DayChoice(dt.date(2026, 12, 5))),
        ("3rd December", DayChoice(dt.date(2026, 12, 3))),
        ("2026-12-10", DayChoice(dt.date(2026, 12, 10))),
        ("today", DayChoice(TODAY)),
        ("tomorrow morning", DayChoice(dt.date(2026, 11, 29), "am")),
        ("昨天", DayChoice(dt.date(2026, 11, 27))),
        ("11/20", DayChoice(dt.date(2026, 11, 20))),  # a recent day without a year: passed, said so by day_problem
        ("11/1", DayChoice(dt.date(2026, 11, 1))),  # not 1 November 2027
        ("Nov 1", DayChoice(dt.date(2026, 11, 1))),
        ("11/12", DayChoice(dt.date(2026, 12, 11))),  # 12 November has passed, 11 December is in the window
        ("5/1", DayChoice(dt.date(2027, 5, 1))),  # more than six months ago: the next 1 May (too far)
        ("banana", None),
        ("香蕉", None),
        ("2/30", None),
        ("", None),
    ],
)
def test_typed_days_look_forward(text: str, expected: DayChoice | None) -> None:
    assert read_day(text, TODAY, WINDOW_END) == expected


def test_slots_follow_hours_breaks_and_explicit_times() -> None:
    monday, saturday, sunday = dt.date(2026, 11, 30), dt.date(2026, 12, 5), dt.date(2026, 12, 6)
    assert slot_times(FUTIAN, monday) == ["08:30", "09:30", "10:30", "13:30", "14:30", "15:30", "16:30"]
    assert slot_times(FUTIAN, saturday) == ["09:00", "10:00", "11:00", "13:00", "14:00", "15:00", "16:00"]
    assert slot_times(FUTIAN, sunday) == []  # closed on Sundays
    assert slot_times(FUTIAN, dt.date(2027, 1, 1)) == []  # a holiday
    assert slot_times(NANSHAN, monday) == ["08:30", "10:00", "13:30", "15:00"]
    assert slot_times(NANSHAN, sunday) == ["10:00", "13:30", "15:00"]  # opens at 09:00 on Sundays


@pytest.mark.parametrize(
    ("day", "problem"),
    [
        (TODAY - dt.timedelta(days=1), "past"),
        (TODAY + dt.timedelta(days=15), "too_far"),
        (dt.date(2026, 11, 29), "closed"),  # Futian, Sunday
        (dt.date(2027, 1, 1), "too_far"),
        (dt.date(2026, 12, 1), None),
        (TODAY + dt.timedelta(days=14), None),  # the window's last day
    ],
)
def test_day_problems(day: dt.date, problem: str | None) -> None:
    assert day_problem(FUTIAN, day, TODAY, 14) == problem


def test_today_after_its_last_slot_is_over_not_full() -> None:
    evening, morning = dt.datetime(2026, 11, 28, 19, 0), dt.datetime(2026, 11, 28, 10, 0)
    assert day_problem(FUTIAN, TODAY, TODAY, 14, evening) == "day_over"  # Saturday's last slot is 16:00
    assert day_problem(FUTIAN, TODAY, TODAY, 14, dt.datetime(2026, 11, 28, 15, 1)) == "day_over"  # too soon
    assert day_problem(FUTIAN, TODAY, TODAY, 14, morning) is None
    assert day_problem(FUTIAN, dt.date(2026, 11, 30), TODAY, 14, evening) is None  # another day: not the clock's


@pytest.mark.parametrize(
    ("action", "day", "early"),
    [
        ("confirm", TODAY + dt.timedelta(days=3), False),  # confirming ahead is the point of confirming
        ("arrived", TODAY + dt.timedelta(days=3), True),
        ("noshow", TODAY + dt.timedelta(days=1), True),
        ("done", TODAY + dt.timedelta(days=1), True),
        ("arrived", TODAY, False),
        ("noshow", TODAY, False),
        ("done", TODAY - dt.timedelta(days=2), False),  # marked late
    ],
)
def test_advisors_mark_arrival_no_show_and_done_from_the_day_on(action: str, day: dt.date, early: bool) -> None:
    assert too_early(action, day, TODAY) is early


def test_open_days_skip_closed_days() -> None:
    days = open_days(FUTIAN, TODAY, 14)
    assert days[0] == TODAY and dt.date(2026, 11, 29) not in days and dt.date(2026, 12, 6) not in days
    assert days[-1] == dt.date(2026, 12, 12) and len(days) == 13


@pytest.mark.parametrize(
    ("counters", "mode", "left"),
    [
        ({}, None, 3),  # drop-off has 3 of the 4 bays
        ({}, "waiting", 2),
        ({("09:30", "drop_off"): Counter(3, 3), ("09:30", "*"): Counter(4, 3)}, None, 1),  # one bay left: waiting
        ({("09:30", "drop_off"): Counter(3, 3)}, "drop_off", 0),
        ({("09:30", "*"): Counter(4, 4)}, "waiting", 0),  # the bays are taken
        ({("*", "*"): Counter(24, 23)}, None, 1),  # the day's cap
        ({("*", "*"): Counter(24, 24)}, "waiting", 0),
        ({("09:30", "waiting"): Counter(5, 1)}, "waiting", 4),  # a counter's own capacity wins over the config
    ],
)
def test_places_left(counters: dict[tuple[str, str], Counter], mode: str | None, left: int) -> None:
    assert places_left(FUTIAN.capacity, counters, "09:30", mode) == left


def test_full_slots_and_slots_starting_too_soon_are_not_offered() -> None:
    monday = dt.date(2026, 11, 30)
    full = {("08:30", "*"): Counter(4, 4)}
    now = dt.datetime(2026, 11, 30, 9, 45, tzinfo=dt.UTC)  # 10:30 starts within the hour
    offered = [o.slot for o in slot_offers(FUTIAN, monday, full, now)]
    assert offered == ["13:30", "14:30", "15:30", "16:30"]
    earlier = dt.datetime(2026, 11, 29, 20, 0, tzinfo=dt.UTC)
    offers = slot_offers(FUTIAN, monday, full, earlier)
    assert (offers[0].slot, offers[0].left) == ("09:30", 3)


def test_parts_of_the_day() -> None:
    assert in_part("11:30", "am") and not in_part("11:30", "pm") and in_part("13:30", "pm") and in_part("08:00", None)


def test_next_question() -> None:
    assert next_step({}) == "service"
    assert next_step({"service": "repair"}) == "branch"
    assert next_step({"service": "repair", "branch": "futian", "car_name": "粤B·12345"}) == "day"
    full = {"service": "repair", "branch": "futian", "car_name": "x", "day": "2026-12-01", "slot": "09:30",
            "mode": "waiting", "notes": "", "phone": "+8613800138000"}  # fmt: skip
    assert next_step(full) == "confirm"
    assert next_step({**full, "cancel": 3}) == "reason"
    assert next_step({"cancel": 3, "why": "other"}) == "reason_text"  # "another reason": typed next
    assert next_step({k: v for k, v in full.items() if k != "slot"}) == "slot"


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"waiting_per_slot": 5, "bays_per_slot": 3}, "cannot exceed bays_per_slot"),
        ({"waiting_per_slot": 0, "drop_off_per_slot": 0}, "cannot both be 0"),
        ({"slots": ["9:00"]}, "expected start times"),
        ({"breaks": ["13:00-12:00"]}, "start before end"),
        ({"daily_cap": 0}, "greater than or equal to 1"),
    ],
)
def test_capacity_is_validated(values: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Capacity(**values)  # type: ignore[arg-type]


def test_capacity_error_names_the_file_and_field(tmp_path: Path) -> None:
    text = (ROOT / "knowledge" / "dealer.yaml").read_text(encoding="utf-8")
    path = tmp_path / "dealer.yaml"
    path.write_text(text.replace("daily_cap: 24", "daily_cap: -1", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        Dealer.load(path)
    assert str(path) in str(error.value) and "branches.0.capacity.daily_cap" in str(error.value)


def test_capacity_defaults_when_a_branch_has_none(tmp_path: Path) -> None:
    text = (ROOT / "knowledge" / "dealer.yaml").read_text(encoding="utf-8")
    start = text.index("    capacity: {slots:")
    end = text.index("daily_cap: 7}") + len("daily_cap: 7}")
    path = tmp_path / "dealer.yaml"
    path.write_text(text[:start] + text[end:].lstrip("\n"), encoding="utf-8")
    assert Dealer.load(path).branches[1].capacity == Capacity()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:30", "10:30"), ("9.30", "09:30"), ("10點", "10:00"), ("十點半", "10:30"), ("2pm", "14:00"),
        ("下午2點", "14:00"), ("下午 3:30", "15:30"), ("14", "14:00"), ("9:00 am", "09:00"), ("3 p.m.", "15:00"),
        ("banana", None), ("25", None), ("10:75", None), ("10 bananas", None),
    ],
)  # fmt: skip
def test_typed_times(text: str, expected: str | None) -> None:
    assert read_time(text) == expected


@pytest.mark.parametrize(
    ("action", "now", "early"),
    [
        ("noshow", dt.datetime(2026, 11, 28, 8, 29), True),  # the day, before its 08:30: maybe on the way
        ("noshow", dt.datetime(2026, 11, 28, 8, 30), False),
        ("noshow", dt.datetime(2026, 11, 29, 7, 0), False),  # marked the next morning
        ("arrived", dt.datetime(2026, 11, 28, 7, 0), False),  # early arrivals are welcome
        ("done", dt.datetime(2026, 11, 28, 8, 0), False),
    ],
)
def test_a_no_show_waits_for_the_appointments_time(action: str, now: dt.datetime, early: bool) -> None:
    assert no_show_too_early(action, dt.date(2026, 11, 28), "08:30", now.replace(tzinfo=SHENZHEN)) is early
