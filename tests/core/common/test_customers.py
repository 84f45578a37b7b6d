"""How staff cards name a customer: one rule for booking, roadside and ticket cards."""

from __future__ import annotations

import pytest

from bot.core.common.customers import display_name


@pytest.mark.parametrize(
    ("record", "telegram", "shown"),
    [
        ("陳志強", "志強", "陳志強 / Telegram 志強"),  # the name on record first, the Telegram name beside it
        ("陳志強", "陳志強", "陳志強"),  # the same name once
        (None, "Mei", "Mei"),  # not on record (a customer who only chatted)
        ("黃美玲", None, "黃美玲"),  # imported, never on Telegram
        (" ", "", ""),
    ],
)
def test_the_name_on_record_comes_first_with_the_telegram_name_beside_it(
    record: str | None, telegram: str | None, shown: str
) -> None:
    assert display_name(record, telegram) == shown
