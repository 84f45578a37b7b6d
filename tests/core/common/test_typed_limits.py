"""Issue 12, item 13: every reader of typed values refuses text longer than any value at once, before a
regular expression or a numeral conversion runs, and never raises on long or odd input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from bot.core.common import dates, identifiers, numbers
from bot.core.common.identifiers import RecordError
from bot.core.desk.booking import dates as booking_dates

TODAY = dt.date(2026, 12, 3)
LONG = ["1" * 4096, "三" * 5000, "1 " * 2048, "12月" * 1365, "3天" * 2048, "1," * 2048, "9" * 4097 + "km",
        "١٢" * 2048, "\u200b" * 4096, "a" * 4096]  # fmt: skip
READERS: dict[str, Callable[[str], Any]] = {
    "read_date": lambda text: dates.read_date(text, TODAY),
    "parse_date": lambda text: dates.parse_date(text, TODAY),
    "parse_km": dates.parse_km,
    "parse_days": dates.parse_days,
    "parse_price": numbers.parse_price,
    "parse_coefficient": lambda text: numbers.parse_coefficient(text, numbers.Decimal("0.01")),
    "read_day": lambda text: booking_dates.read_day(text, TODAY, TODAY + dt.timedelta(days=14)),
    "read_time": booking_dates.read_time,
}
IDENTIFIERS: dict[str, Callable[[str], str]] = {
    "plate": identifiers.normalise_plate,
    "phone": identifiers.normalise_phone,
    "vin": identifiers.normalise_vin,
}


@pytest.mark.parametrize("name", READERS)
@pytest.mark.parametrize("text", LONG, ids=lambda t: f"{t[:3]!r}x{len(t)}")
def test_long_text_is_no_value_and_never_an_error(name: str, text: str) -> None:
    assert READERS[name](text) is None


@pytest.mark.parametrize("name", IDENTIFIERS)
@pytest.mark.parametrize("text", LONG, ids=lambda t: f"{t[:3]!r}x{len(t)}")
def test_long_identifiers_are_refused_with_a_short_reason(name: str, text: str) -> None:
    with pytest.raises(RecordError) as refused:
        IDENTIFIERS[name](text)
    assert len(str(refused.value)) < 200


@pytest.mark.parametrize("name", READERS)
def test_long_text_is_refused_before_any_parsing(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_run(text: str) -> str:
        raise AssertionError("normalise ran on text longer than any value")

    for module in (numbers, dates, booking_dates):
        monkeypatch.setattr(module, "normalise", must_not_run)
    assert READERS[name]("2024年3月1日" + "x" * numbers.TYPED_LIMIT) is None


def test_values_at_the_limit_are_still_read() -> None:
    padded = "2024-03-01".center(numbers.TYPED_LIMIT)
    assert dates.parse_date(padded, TODAY) == dt.date(2024, 3, 1)
    assert dates.parse_km("12,000 km".ljust(numbers.TYPED_LIMIT)) == 12000
    assert numbers.chinese_numeral("二〇二四") == 2024
