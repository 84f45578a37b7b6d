"""Quiet hours in the dealer's time zone: across midnight, within a day, none at all."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.core.common.quiet_hours import QuietHours, parse_clock, shift_out_of_quiet_hours
from tests.conftest import make_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT = QuietHours.parse("21:00", "08:30", SHANGHAI)
LUNCH = QuietHours.parse("12:00", "13:30", SHANGHAI)


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (local(10, 20, 59), local(10, 20, 59)),  # just before the window
        (local(10, 21, 0), local(11, 8, 30)),  # the window starts: next morning
        (local(10, 23, 45), local(11, 8, 30)),
        (local(11, 0, 0), local(11, 8, 30)),  # after midnight: this morning
        (local(11, 8, 29), local(11, 8, 30)),
        (local(11, 8, 30), local(11, 8, 30)),  # the end is not quiet any more
        (local(11, 14, 0), local(11, 14, 0)),
        (local(31, 22, 0), dt.datetime(2026, 4, 1, 8, 30, tzinfo=SHANGHAI)),  # across a month end
    ],
)
def test_night_window_across_midnight(when: dt.datetime, expected: dt.datetime) -> None:
    shifted = shift_out_of_quiet_hours(when, NIGHT)
    assert shifted == expected
    assert shifted.tzinfo == dt.UTC  # stored in UTC (DESIGN.md, decision 8)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (local(10, 11, 59), local(10, 11, 59)),
        (local(10, 12, 0), local(10, 13, 30)),
        (local(10, 13, 0), local(10, 13, 30)),
        (local(10, 13, 30), local(10, 13, 30)),
        (local(10, 23, 0), local(10, 23, 0)),
    ],
)
def test_window_within_one_day(when: dt.datetime, expected: dt.datetime) -> None:
    assert LUNCH.shift(when) == expected


def test_utc_input_is_judged_in_the_dealer_zone() -> None:
    # 14:00 UTC is 22:00 in Shanghai: quiet until 08:30 Shanghai, which is 00:30 UTC.
    when = dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)
    assert NIGHT.shift(when) == dt.datetime(2026, 3, 11, 0, 30, tzinfo=dt.UTC)


def test_equal_start_and_end_means_no_quiet_hours() -> None:
    always = QuietHours.parse("00:00", "00:00", "Asia/Shanghai")
    assert always.shift(local(10, 3, 0)) == local(10, 3, 0)


def test_a_dst_zone_lands_on_the_local_end_time() -> None:
    berlin = QuietHours.parse("22:00", "07:00", "Europe/Berlin")
    # The night of the spring change (29 March 2026): 07:00 is CEST, UTC+2.
    when = dt.datetime(2026, 3, 28, 23, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert berlin.shift(when) == dt.datetime(2026, 3, 29, 5, 0, tzinfo=dt.UTC)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        NIGHT.shift(dt.datetime(2026, 3, 10, 22, 0))


@pytest.mark.parametrize("text", ["24:00", "9h", "7:5", "", "12:60"])
def test_bad_clock_times(text: str) -> None:
    with pytest.raises(ValueError, match="time of day"):
        parse_clock(text)


def test_settings_validate_and_build_the_quiet_hours(tmp_path: object) -> None:
    settings = make_settings(tmp_path, quiet_hours_start="22:15", quiet_hours_end="7:45")  # type: ignore[arg-type]
    assert settings.quiet_hours == QuietHours(dt.time(22, 15), dt.time(7, 45), SHANGHAI)
    with pytest.raises(ValueError, match="time of day"):
        make_settings(tmp_path, quiet_hours_end="25:00")  # type: ignore[arg-type]
