"""Booking days as customers type them, looking forward (no telegram import).

bot.core.common.dates reads dates in the past (a delivery date, the last service); a booking is in the future, so
a date without a year is the next such date (today included) unless it was at most RECENT_DAYS ago (then it is
that recent day, which the flow says has passed), and weekdays name the coming ones:
- 今天/today, 明天/tomorrow, 後天/day after tomorrow, 大後天, "3天後", "in 3 days" (and 昨天/yesterday,
  前天, so the flow can say that day has passed);
- 週一…週日, 星期一, 禮拜天, "Monday", "this Friday": the next such day (today when it is that day);
  下週一, 下禮拜二, "next Monday": that day of next week (weeks start on Monday);
- "12/3", "12-3", "12月3日", "12月3號": month first, the Chinese order; when that day is not in the booking
  window but the day-first reading is, the day-first reading ("3/12" in Hong Kong) wins;
- "3 Dec", "Dec 3rd", "December 3": the next such date; dates with a year as bot.core.common.dates reads them;
- a day its month never has ("Feb 30", "2/30") is no day (`no_such_day` names it for the flow to say so).
A part of the day may come along: 上午/早上/morning/am → "am", 下午/晚上/afternoon/evening/pm → "pm".
The flow repeats the day it understood, so a misreading shows at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bot.core.common.dates import _MONTHS, read_date
from bot.core.common.numbers import normalise, too_long

DayPart = Literal["am", "pm"]
RECENT_DAYS = 183  # a month and day without a year this recent is read as passed, not as next year's


@dataclass(frozen=True)
class DayChoice:
    """A typed day, and the part of the day when the text named one."""

    day: date
    part: DayPart | None = None


_WEEKDAY_CN = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6, "日": 6, "天": 6}
_WEEKDAY_EN = {
    name: index
    for index, names in enumerate(
        (("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "wednesday"), ("thu", "thur", "thurs", "thursday"),
         ("fri", "friday"), ("sat", "saturday"), ("sun", "sunday"))
    )
    for name in names
}  # fmt: skip
_EN_DAYS = "|".join(sorted(_WEEKDAY_EN, key=len, reverse=True))
_EN_MONTHS = "|".join(sorted(_MONTHS, key=len, reverse=True))
_AM = re.compile(r"上午|早上|早晨|morning|\bam\b|a\.m\.")
_PM = re.compile(r"下午|晚上|傍晚|afternoon|evening|\bpm\b|p\.m\.")


def _upcoming(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _next_week(today: date, weekday: int) -> date:
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    return monday + timedelta(days=weekday)


def _next_month_day(today: date, month: int, day: int) -> date | None:
    """The first (month, day) at most RECENT_DAYS ago or later, within two years ("11/1" typed on 28 November
    is the 1st of this November, passed, not next year's); None when no such date exists."""
    earliest = today - timedelta(days=RECENT_DAYS)
    for year in (today.year - 1, today.year, today.year + 1, today.year + 2):
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found >= earliest:
            return found
    return None


def _month_day(today: date, first: int, second: int, window_end: date | None) -> date | None:
    """Month first; day first when month first is no date ("31/12" is 31 December), or when day first lands
    inside the booking window and month first does not."""
    month_first = _next_month_day(today, first, second)
    day_first = _next_month_day(today, second, first)
    if month_first is None:
        return day_first
    if window_end is None or today <= month_first <= window_end:
        return month_first
    return day_first if day_first is not None and today <= day_first <= window_end else month_first


Finder = Callable[[re.Match[str], date, date | None], date | None]
_FINDERS: tuple[tuple[re.Pattern[str], Finder], ...] = tuple(
    (re.compile(pattern), finder)
    for pattern, finder in (
        (r"(?<!\d)\d{4}\s*(?:[-/.]|年)\s*\d{1,2}\s*(?:[-/.]|月)\s*\d{1,2}(?!\d)", lambda m, t, w: _with_year(m[0], t)),
        (r"(?<!\d)\d{1,2}[-/.]\d{1,2}[-/.]\d{4}(?!\d)", lambda m, t, w: _with_year(m[0], t)),
        (r"(?<!\d)(\d{1,2})\s*[月/\-.]\s*(\d{1,2})(?!\d)", lambda m, t, w: _month_day(t, int(m[1]), int(m[2]), w)),
        (
            rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?\b({_EN_MONTHS})\b",
            lambda m, t, w: _next_month_day(t, _MONTHS[m[2]], int(m[1])),
        ),
        (
            rf"\b({_EN_MONTHS})\b\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?!\d)",
            lambda m, t, w: _next_month_day(t, _MONTHS[m[1]], int(m[2])),
        ),
        (r"大后天", lambda m, t, w: t + timedelta(days=3)),
        (r"后天|day after tomorrow", lambda m, t, w: t + timedelta(days=2)),
        (r"明天|明日|tomorrow", lambda m, t, w: t + timedelta(days=1)),
        (r"今天|今日|\btoday\b", lambda m, t, w: t),
        (r"前天|day before yesterday", lambda m, t, w: t - timedelta(days=2)),
        (r"昨天|昨日|yesterday", lambda m, t, w: t - timedelta(days=1)),
        (r"(\d{1,2})\s*(?:天|日)\s*(?:之|以)?后", lambda m, t, w: t + timedelta(days=int(m[1]))),
        (r"\bin\s+(\d{1,2})\s+days?\b", lambda m, t, w: t + timedelta(days=int(m[1]))),
        (r"下下个?(?:周|星期|礼拜)([1-7日天])", lambda m, t, w: _next_week(t, _WEEKDAY_CN[m[1]]) + timedelta(days=7)),
        (r"下个?(?:周|星期|礼拜)([1-7日天])", lambda m, t, w: _next_week(t, _WEEKDAY_CN[m[1]])),
        (r"(?:周|星期|礼拜)([1-7日天])", lambda m, t, w: _upcoming(t, _WEEKDAY_CN[m[1]])),
        (rf"\bnext\s+({_EN_DAYS})\b", lambda m, t, w: _next_week(t, _WEEKDAY_EN[m[1]])),
        (rf"\b({_EN_DAYS})\b", lambda m, t, w: _upcoming(t, _WEEKDAY_EN[m[1]])),
    )
)


def _with_year(text: str, today: date) -> date | None:
    reading = read_date(text, today)
    return reading.value if reading is not None and reading.precision == "day" else None


def read_day(text: str, today: date, window_end: date | None = None) -> DayChoice | None:
    """The day `text` names (it may be in the past or beyond the window: the caller says why it is refused),
    or None when it names no day. `window_end` (the last bookable day) settles "3/12" against "12/3"."""
    if too_long(text):
        return None
    cleaned = normalise(text).strip(" .。!！?？,，~")
    part: DayPart | None = "am" if _AM.search(cleaned) else "pm" if _PM.search(cleaned) else None
    for pattern, finder in _FINDERS:
        match = pattern.search(cleaned)
        if match is not None:
            found = finder(match, today, window_end)
            return DayChoice(found, part) if found is not None else None
    return None


_MONTH_DAY_TYPED = (
    (re.compile(r"(?<!\d)(\d{1,2})\s*[月/\-.]\s*(\d{1,2})(?!\d)"), 1, 2),
    (re.compile(rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?\b({_EN_MONTHS})\b"), 2, 1),
    (re.compile(rf"\b({_EN_MONTHS})\b\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?!\d)"), 1, 2),
)


def no_such_day(text: str) -> tuple[int, int] | None:
    """(month, day) when `text` names a day its month never has ("Feb 30", "2/30", 「2月30日」, "31 April"), so
    the customer is told that rather than "could not read"; None otherwise (29 February exists)."""
    if too_long(text):
        return None
    cleaned = normalise(text)
    for pattern, month_at, day_at in _MONTH_DAY_TYPED:
        match = pattern.search(cleaned)
        if match is None:
            continue
        month_text, day = match[month_at], int(match[day_at])
        month = _MONTHS[month_text] if month_text in _MONTHS else int(month_text)
        if not (1 <= month <= 12 and 1 <= day <= 31) or _exists(month, day):
            return None
        if month_at == 1 and day_at == 2 and month_text.isdigit() and _exists(day, month):
            return None  # the day-first reading is a date ("2/30" is not, "12/31" is)
        return month, day
    return None


def _exists(month: int, day: int) -> bool:
    try:
        date(2024, month, day)  # a leap year: 29 February exists
    except ValueError:
        return False
    return True


_PM_CLOCK = re.compile(r"pm|p\.m\.|下午|晚上|傍晚")
_TIME = re.compile(r"(?<!\d)(\d{1,2})\s*(?:[:：.点时]\s*(\d{2})?\s*分?)?\s*(?:半)?")


def read_time(text: str) -> str | None:
    """A typed time of day as "HH:MM": "10:30", "9.30", "10点", "10點半", "2pm", "下午2點", "14"; None otherwise."""
    if too_long(text):
        return None
    cleaned = normalise(text).replace(" ", "")
    match = _TIME.search(cleaned)
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2] or 0)
    if "半" in match[0] and match[2] is None:
        minute = 30
    if _PM_CLOCK.search(cleaned) and hour < 12:
        hour += 12
    leftover = cleaned.replace(match[0], "", 1)
    leftover = re.sub(r"上午|下午|早上|晚上|傍晚|am|pm|a\.m\.|p\.m\.|[:：]", "", leftover)
    if leftover or hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"
