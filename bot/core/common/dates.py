"""Dates, odometer readings and day counts as customers type them (no telegram import).

How a date is read (`read_date`), after `bot.core.common.numbers.normalise` (full-width digits, Chinese numerals):
- Year first is the Chinese order and always wins: 2024-03-01, 2024/3/1, 2024.3.1, 20240301, 2024年3月1日,
  二〇二四年三月一日, 民國113年3月1日 (ROC year + 1911).
- Year last (1/3/2024) is read day first, as Hong Kong, Macau and Europe write it; only when the day-first
  reading is impossible and the month-first one is valid (3/15/2024) is it read month first. The flow
  repeats the date it understood, so a misreading shows at once. Two-digit years are refused: 24/3/1 could
  be three different dates.
- English month names: "1 March 2024", "March 1, 2024", "March 2024", "last March", "March last year".
- Without a year ("3月1日", "1 March", "三月"): the latest such date that is not in the future.
- "last March" is the latest March before the current month; "去年三月" is March of last year.
- Relative: 今天/today, 昨天/yesterday, 前天, 三天前/3 days ago, 兩週前/2 weeks ago, 3個月前/3 months ago,
  半年前, 2年前/2 years ago, 上週/last week, 上個月/last month, 去年/last year, 前年, 今年一月.
- Precision: a month without a day is its 1st ("month"); a year alone is 1 January ("year"); "N months ago"
  and "N years ago" are that day but only approximate ("month"). The warranty flow asks again for a bare year.
- Nothing before 1970; impossible dates (2024-02-30) are not "corrected" into another reading.
`parse_date` also refuses dates after `today`; `read_date` returns them so the caller can say why.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from bot.core.common.numbers import normalise, read_quantity, too_long

Precision = Literal["day", "month", "year"]
EARLIEST = date(1970, 1, 1)
MAX_KM = 2_000_000


@dataclass(frozen=True)
class DateReading:
    """A date read from text, and how much of it the text actually gave."""

    value: date
    precision: Precision


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_M = r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?"
_ORD = r"(?:st|nd|rd|th)?"
_WORD_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_RELATIVE_YEARS = {"今年": 0, "去年": 1, "前年": 2, "大前年": 3, "this year": 0, "last year": 1}


def _make(year: int, month: int, day: int, precision: Precision = "day") -> DateReading | None:
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    return DateReading(value, precision) if value >= EARLIEST else None


def _months_back(today: date, months: int) -> date:
    """The same day `months` months earlier, or that month's last day (Civil Code Art. 202's convention)."""
    index = today.year * 12 + today.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(today.day, calendar.monthrange(year, month + 1)[1]))


def _latest(today: date, month: int, day: int | None) -> DateReading | None:
    """The latest (month, day) not after today; without a day, the 1st of the latest such month."""
    if not 1 <= month <= 12:
        return None
    for year in range(today.year, today.year - 8, -1):
        reading = _make(year, month, day or 1, "day" if day else "month")
        if reading is not None and reading.value <= today:
            return reading
    return None


def _ymd(m: re.Match[str], today: date) -> DateReading | None:
    return _make(int(m[1]), int(m[2]), int(m[3]))


def _year_last(m: re.Match[str], today: date) -> DateReading | None:
    first, second, year = int(m[1]), int(m[2]), int(m[3])
    return _make(year, second, first) or _make(year, first, second)


def _en_dmy(m: re.Match[str], today: date) -> DateReading | None:
    return _make(int(m[3]), _MONTHS[m[2]], int(m[1]))


def _en_mdy(m: re.Match[str], today: date) -> DateReading | None:
    return _make(int(m[3]), _MONTHS[m[1]], int(m[2]))


def _en_my(m: re.Match[str], today: date) -> DateReading | None:
    return _make(int(m[2]), _MONTHS[m[1]], 1, "month")


def _ym(m: re.Match[str], today: date) -> DateReading | None:
    return _make(int(m[1]), int(m[2]), 1, "month")


def _relative_year_month(m: re.Match[str], today: date) -> DateReading | None:
    year = today.year - _RELATIVE_YEARS[m[1]]
    return _make(year, int(m[2]), int(m[3]), "day") if m[3] else _make(year, int(m[2]), 1, "month")


def _last_or_this_month(m: re.Match[str], today: date) -> DateReading | None:
    word, month = (m[1], _MONTHS[m[2]]) if m[1] in ("last", "this") else (m[2], _MONTHS[m[1]])
    if word == "this":
        return _make(today.year, month, 1, "month")
    if m[1] in ("last", "this"):  # "last March": the latest March before this month
        return _make(today.year if month < today.month else today.year - 1, month, 1, "month")
    return _make(today.year - 1, month, 1, "month")  # "March last year"


def _cn_month_day(m: re.Match[str], today: date) -> DateReading | None:
    return _latest(today, int(m[1]), int(m[2]))


def _en_day_month(m: re.Match[str], today: date) -> DateReading | None:
    return _latest(today, _MONTHS[m[2]], int(m[1]))


def _en_month_day(m: re.Match[str], today: date) -> DateReading | None:
    return _latest(today, _MONTHS[m[1]], int(m[2]))


def _days_back(days: int) -> Callable[[re.Match[str], date], DateReading | None]:
    return lambda m, today: DateReading(today - timedelta(days=days), "day")


def _ago(m: re.Match[str], today: date) -> DateReading | None:
    count_text, unit = m[1], m[2]
    if count_text in ("半", "half a"):  # 半年前 / half a year ago, 半個月前 / half a month ago
        if unit in ("年", "year"):
            return DateReading(_months_back(today, 6), "month")
        return DateReading(today - timedelta(days=15), "month") if unit in ("月", "month") else None
    count = int(count_text) if count_text.isdigit() else _WORD_NUMBERS[count_text]
    if unit in ("天", "日", "day"):
        return DateReading(today - timedelta(days=count), "day")
    if unit in ("周", "星期", "礼拜", "week"):
        return DateReading(today - timedelta(weeks=count), "day")
    months = count * (12 if unit in ("年", "year") else 1)
    if months > 12 * 60:
        return None
    return DateReading(_months_back(today, months), "month")


def _last_month(m: re.Match[str], today: date) -> DateReading | None:
    first = _months_back(today.replace(day=1), 1)
    return DateReading(first, "month")


def _relative_year(m: re.Match[str], today: date) -> DateReading | None:
    return _make(today.year - _RELATIVE_YEARS[m[1]], 1, 1, "year")


def _month_alone(m: re.Match[str], today: date) -> DateReading | None:
    return _latest(today, _MONTHS[m[1]] if m[1] in _MONTHS else int(m[1]), None)


def _year_alone(m: re.Match[str], today: date) -> DateReading | None:
    return _make(int(m[1]), 1, 1, "year")


_COUNT = r"(\d+|半|half a|" + "|".join(_WORD_NUMBERS) + ")"
Reader = tuple[re.Pattern[str], Callable[[re.Match[str], date], DateReading | None]]
# The first pattern found decides: an impossible date is None, never re-read by a later, looser pattern.
_READERS: tuple[Reader, ...] = tuple(
    (re.compile(pattern), reader)
    for pattern, reader in (
        (r"(?<!\d)(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)", _ymd),
        (r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)", _ymd),
        (r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?!\d)", _year_last),
        (rf"(?<!\d)(\d{{1,2}}){_ORD}\s+(?:of\s+)?{_M},?\s+(\d{{4}})(?!\d)", _en_dmy),
        (rf"{_M}\s+(\d{{1,2}}){_ORD},?\s+(\d{{4}})(?!\d)", _en_mdy),
        (rf"{_M},?\s+(\d{{4}})(?!\d)", _en_my),
        (r"(?<!\d)(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})(?![\d.])\s*(?:月份?)?", _ym),
        (r"(大前年|前年|去年|今年)\s*(\d{1,2})\s*月份?(?:\s*(\d{1,2})\s*[日号])?", _relative_year_month),
        (rf"\b(last|this)\s+{_M}", _last_or_this_month),
        (rf"{_M}\s+(last|this)\s+year", _last_or_this_month),
        (r"(?<!\d)(\d{1,2})\s*[月/]\s*(\d{1,2})\s*[日号]", _cn_month_day),
        (rf"(?<!\d)(\d{{1,2}}){_ORD}\s+(?:of\s+)?{_M}", _en_day_month),
        (rf"{_M}\s+(\d{{1,2}}){_ORD}(?!\d)", _en_month_day),
        (r"今天|今日|\btoday\b", _days_back(0)),
        (r"大前天|the day before the day before yesterday", _days_back(3)),
        (r"前天|day before yesterday", _days_back(2)),
        (r"昨天|昨日|yesterday", _days_back(1)),
        (r"明天|明日|tomorrow", _days_back(-1)),
        (rf"(?<!\d){_COUNT}\s*个?\s*(天|日|周|星期|礼拜|月|年)\s*(?:之|以)?前", _ago),
        (rf"\b{_COUNT}\s+(day|week|month|year)s?\s+ago\b", _ago),
        (r"上周|上星期|上礼拜|上个?礼拜|\blast week\b", _days_back(7)),
        (r"上个?月|\blast month\b", _last_month),
        (r"^(大前年|前年|去年|今年|last year|this year)$", _relative_year),
        (r"^(\d{1,2})\s*月份?$", _month_alone),
        (rf"^{_M}$", _month_alone),
        (r"^(\d{4})\s*年?$", _year_alone),
    )
)


def read_date(text: str, today: date) -> DateReading | None:
    """The date `text` names (it may lie after `today`), or None when it is not a date or an impossible one
    (or longer than any date is written)."""
    if too_long(text):
        return None
    cleaned = normalise(text)
    cleaned = re.sub(r"民国\s*(\d{1,3})\s*年", lambda m: f"{int(m[1]) + 1911}年", cleaned)
    cleaned = cleaned.strip(" .。!！?？,，~")
    for pattern, reader in _READERS:
        match = pattern.search(cleaned)
        if match is not None:
            return reader(match, today)
    return None


def parse_date(text: str, today: date) -> date | None:
    """The date `text` names if it is not after `today`; None for nonsense, impossible or future dates."""
    reading = read_date(text, today)
    return reading.value if reading is not None and reading.value <= today else None


def _whole(value: Decimal | None, ceiling: int) -> int | None:
    if value is None or value > ceiling:  # before rounding: quantize fails on numbers beyond its precision
        return None
    whole = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return whole if 0 <= whole <= ceiling else None


def parse_km(text: str) -> int | None:
    """An odometer reading in km: "12000", "12,000 km", "1.2萬公里", "1.2万", "12k", "3千", "三千"."""
    units = r"km|kms|k\.m\.|公里|千米|kilometers?|kilometres?|里"
    if too_long(text):
        return None
    if not re.search(r"\d\s*(k(?!m)|千(?!米)|万|萬|w)", text, re.IGNORECASE):
        text = re.sub(r"(?<=\d)\.(?=\d{3}(?!\d))", "", text)  # "12.345" without a multiplier is 12,345 km
    return _whole(read_quantity(text, units), MAX_KM)


_SIGNED = re.compile(r"^\s*(?:[-−－]|负|負|minus\b)")
_OLD_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def km_problem(text: str) -> str:
    """Why `text` is not an odometer reading, as a template's problem code: "km_negative" (a minus sign),
    "km_too_high" (over MAX_KM), else "km_unclear"."""
    if _SIGNED.match(normalise(text)):
        return "km_negative"
    amount = read_quantity(text, r"km|kms|公里|千米|kilometers?|kilometres?|里")
    return "km_too_high" if amount is not None and amount > MAX_KM else "km_unclear"


def date_problem(text: str) -> str:
    """Why read_date found no date in `text`: "date_too_old" when it names a year before EARLIEST (the form
    was fine, the age is not), else "date_unclear"."""
    years = [int(year) for year in _OLD_YEAR.findall(normalise(text))]
    return "date_too_old" if any(year < EARLIEST.year for year in years) else "date_unclear"


def parse_days(text: str, ceiling: int = 3650) -> int | None:
    """A whole number of days: "12", "12天", "十二日", "12 days"."""
    value = read_quantity(text, r"天|日|days?|d")
    if value is None or value != value.to_integral_value():
        return None
    return _whole(value, ceiling)
