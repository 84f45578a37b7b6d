"""Table tests for lenient dates, odometer readings and numbers (bot.core.common.dates, bot.core.common.numbers)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.core.common.dates import DateReading, parse_date, parse_days, parse_km, read_date
from bot.core.common.numbers import chinese_numeral, normalise, parse_coefficient, parse_price

TODAY = date(2026, 11, 28)  # a Saturday; "today" in every case below


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # year first, the Chinese order
        ("2024-03-01", date(2024, 3, 1)),
        ("2024/3/1", date(2024, 3, 1)),
        ("2024.3.1", date(2024, 3, 1)),
        ("2024 / 03 / 01", date(2024, 3, 1)),
        ("20240301", date(2024, 3, 1)),
        ("2024年3月1日", date(2024, 3, 1)),
        ("2024年3月1號", date(2024, 3, 1)),
        ("2024年3月1号", date(2024, 3, 1)),
        ("２０２４／３／１", date(2024, 3, 1)),  # full-width digits
        ("２０２４年３月１日", date(2024, 3, 1)),
        ("二〇二四年三月一日", date(2024, 3, 1)),
        ("二零二四年十二月三十一日", date(2024, 12, 31)),
        ("民國113年3月1日", date(2024, 3, 1)),
        ("民国113年3月1日", date(2024, 3, 1)),
        ("我是2024年3月1日提車的", date(2024, 3, 1)),
        ("交车日期：2024-03-01。", date(2024, 3, 1)),
        # year last: day first, month first only when day first is impossible
        ("1/3/2024", date(2024, 3, 1)),
        ("01.03.2024", date(2024, 3, 1)),
        ("3/15/2024", date(2024, 3, 15)),
        ("15-3-2024", date(2024, 3, 15)),
        # English month names
        ("1 March 2024", date(2024, 3, 1)),
        ("1st of March 2024", date(2024, 3, 1)),
        ("March 1, 2024", date(2024, 3, 1)),
        ("mar 1st 2024", date(2024, 3, 1)),
        ("March 2024", date(2024, 3, 1)),
        ("Sept 2025", date(2025, 9, 1)),
        ("last March", date(2026, 3, 1)),  # the latest March before this month
        ("last December", date(2025, 12, 1)),  # December has not come yet this year
        ("March last year", date(2025, 3, 1)),
        ("25 December", date(2025, 12, 25)),  # no year: the latest one not in the future
        ("November 1", date(2026, 11, 1)),
        # month precision in Chinese
        ("2024年3月", date(2024, 3, 1)),
        ("2024-03", date(2024, 3, 1)),
        ("去年三月", date(2025, 3, 1)),
        ("去年3月", date(2025, 3, 1)),
        ("去年3月15日", date(2025, 3, 15)),
        ("前年十二月", date(2024, 12, 1)),
        ("大前年6月", date(2023, 6, 1)),
        ("今年一月", date(2026, 1, 1)),
        ("今年1月份", date(2026, 1, 1)),
        ("3月1日", date(2026, 3, 1)),
        ("12月25日", date(2025, 12, 25)),
        ("十二月", date(2025, 12, 1)),
        ("三月", date(2026, 3, 1)),
        # relative
        ("今天", TODAY),
        ("today", TODAY),
        ("昨天", date(2026, 11, 27)),
        ("yesterday", date(2026, 11, 27)),
        ("前天", date(2026, 11, 26)),
        ("三天前", date(2026, 11, 25)),
        ("3 days ago", date(2026, 11, 25)),
        ("兩週前", date(2026, 11, 14)),
        ("两周前", date(2026, 11, 14)),
        ("2個星期前", date(2026, 11, 14)),
        ("two weeks ago", date(2026, 11, 14)),
        ("a week ago", date(2026, 11, 21)),
        ("上週", date(2026, 11, 21)),
        ("上個月", date(2026, 10, 1)),
        ("上个月", date(2026, 10, 1)),
        ("last month", date(2026, 10, 1)),
        ("3個月前", date(2026, 8, 28)),
        ("半年前", date(2026, 5, 28)),
        ("2年前", date(2024, 11, 28)),
        ("2 years ago", date(2024, 11, 28)),
        ("前年", date(2024, 1, 1)),  # a year alone: 1 January, precision "year"
        ("去年", date(2025, 1, 1)),
        ("2024", date(2024, 1, 1)),
        ("2024年", date(2024, 1, 1)),
    ],
)
def test_dates_customers_type(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "不知道",
        "asdf 2024",
        "12000",
        "3/1",  # no year and no 月/日: 1 March or 3 January?
        "24/3/1",  # two-digit years are refused
        "2024/2/30",  # impossible dates are not "corrected"
        "2023-02-29",
        "2024-13-01",
        "32/1/2024",
        "13/13/2024",
        "1969-12-31",  # before 1970
        "明天",  # future
        "tomorrow",
        "2027-01-01",
        "this December",
        "2026年12月",
    ],
)
def test_nonsense_impossible_and_future_dates_are_refused(text: str) -> None:
    assert parse_date(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01", DateReading(date(2024, 3, 1), "day")),
        ("2024年3月", DateReading(date(2024, 3, 1), "month")),
        ("去年三月", DateReading(date(2025, 3, 1), "month")),
        ("上個月", DateReading(date(2026, 10, 1), "month")),
        ("3 months ago", DateReading(date(2026, 8, 28), "month")),
        ("前年", DateReading(date(2024, 1, 1), "year")),
        ("last year", DateReading(date(2025, 1, 1), "year")),
        ("明天", DateReading(date(2026, 11, 29), "day")),  # read, so the flow can say "that is in the future"
        ("2027-01-01", DateReading(date(2027, 1, 1), "day")),
    ],
)
def test_read_date_says_how_precise_and_keeps_future_dates(text: str, expected: DateReading) -> None:
    assert read_date(text, TODAY) == expected


def test_month_ends_are_kept_when_counting_months_back() -> None:
    assert parse_date("1個月前", date(2026, 3, 31)) == date(2026, 2, 28)
    assert parse_date("2月29日", date(2026, 3, 1)) == date(2024, 2, 29)  # the latest 29 February


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12000", 12000),
        ("12,000", 12000),
        ("12,000 km", 12000),
        ("12 000 km", 12000),
        ("12000公里", 12000),
        ("12000 kilometres", 12000),
        ("1.2萬公里", 12000),
        ("1.2萬", 12000),
        ("1.2万", 12000),
        ("1.2w", 12000),
        ("12k", 12000),
        ("12K km", 12000),
        ("3千", 3000),
        ("三千", 3000),
        ("三千五", 3500),
        ("一萬二", 12000),
        ("一万两千公里", 12000),
        ("1万2", 12000),
        ("1万2千", 12000),
        ("約1萬2", 12000),
        ("大概 5000 左右", 5000),
        ("１２０００", 12000),
        ("12.345", 12345),  # a dot before three digits, no multiplier: a thousands separator
        ("3千米", 3),  # 千米 is a kilometre
        ("0", 0),
        ("150", 150),
    ],
)
def test_odometer_readings(text: str, expected: int) -> None:
    assert parse_km(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "-5", "12 miles", "a lot", "3000000", "1.2.3", "2024/3/1"])
def test_odometer_nonsense_is_refused(text: str) -> None:
    assert parse_km(text) is None


@pytest.mark.parametrize(
    ("text", "expected"), [("12", 12), ("12天", 12), ("十二日", 12), ("12 days", 12), ("1 day", 1), ("0", 0)]
)
def test_repair_days(text: str, expected: int) -> None:
    assert parse_days(text) == expected


@pytest.mark.parametrize("text", ["1.5", "abc", "-3", "99999"])
def test_repair_days_nonsense(text: str) -> None:
    assert parse_days(text) is None


@pytest.mark.parametrize(
    ("run", "value"),
    [
        ("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("三十一", 31), ("一百五", 150), ("一百零五", 105),
        ("一千零五", 1005), ("三千五", 3500), ("一万二", 12000), ("一万两千", 12000), ("两万", 20000),
        ("十二万", 120000), ("二〇二四", 2024), ("二零二四", 2024),
    ],
)  # fmt: skip
def test_chinese_numerals(run: str, value: int) -> None:
    assert chinese_numeral(run) == value


def test_normalise_folds_traditional_and_numerals() -> None:
    assert normalise("兩週前") == "2周前"
    assert normalise("上個月") == "上个月"
    assert normalise("１.２萬") == "1.2万"  # a bare unit after digits stays a unit
    assert normalise("12,000 km") == "12000 km"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("200000", 200000), ("¥200,000", 200000), ("￥200000元", 200000), ("20萬", 200000), ("20万元", 200000),
     ("200k", 200000), ("RMB 150000", 150000), ("15.8万", 158000)],
)  # fmt: skip
def test_prices(text: str, expected: int) -> None:
    assert parse_price(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "free", "0", "-1", "999999999999"])
def test_price_nonsense(text: str) -> None:
    assert parse_price(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.5%", "0.005"),
        ("0.5 %", "0.005"),
        ("n=0.4%", "0.004"),
        ("千分之五", "0.005"),
        ("5‰", "0.005"),
        ("百分之零點五", "0.005"),
        ("0.005", "0.005"),  # already a fraction
        ("0.5", "0.005"),  # above the maximum as a fraction, so a percentage
        ("0.8%", "0.008"),  # read as written; the flow then refuses it as over the maximum
    ],
)
def test_usage_coefficients(text: str, expected: str) -> None:
    assert parse_coefficient(text, Decimal("0.005")) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "half", "n", "0.5%%"])
def test_usage_coefficient_nonsense(text: str) -> None:
    assert parse_coefficient(text, Decimal("0.005")) is None
