"""Tokens and phone numbers never reach the log."""

from __future__ import annotations

import logging

import pytest

from bot.cli.logging_setup import RedactingFormatter, redact

TOKEN = "1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"POST https://api.telegram.org/bot{TOKEN}/sendMessage",
            "POST https://api.telegram.org/bot[token]/sendMessage",
        ),
        ("customer phone +86 138 0013 8000 linked", "customer phone [phone] linked"),
        ("call 0755-2888-6600 now", "call [phone] now"),
        ("13800138000", "[phone]"),
        ("update 12345 at 2026-11-28 07:00:00", "update 12345 at 2026-11-28 07:00:00"),  # ids and dates stay
        ("odometer 123456 km", "odometer 123456 km"),
        # Issue 12, item 7: dots, no-break and thin spaces, dashes between the digits.
        ("call 138.2651.4417", "call [phone]"),
        ("call 138\u00a02651\u00a04417", "call [phone]"),
        ("call 138\u20092651\u20094417", "call [phone]"),
        ("call 138\u202f2651\u202f4417", "call [phone]"),
        ("call +86\u00a0138\u20132651\u20134417", "call [phone]"),
        ("call 138/2651/4417", "call [phone]"),
        ("on 2026.11.28 07:00", "on 2026.11.28 07:00"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_formatter_redacts_arguments_and_tracebacks() -> None:
    formatter = RedactingFormatter("%(asctime)s %(message)s")
    try:
        raise RuntimeError(f"token {TOKEN} rejected for +852 9123 4567")
    except RuntimeError:
        import sys

        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "user %s", ("+86 13800138000",), sys.exc_info())
    line = formatter.format(record)
    assert TOKEN not in line and "13800138000" not in line and "9123 4567" not in line
    assert "[token]" in line and line.count("[phone]") >= 2


def test_json_lines_parse_and_are_redacted() -> None:
    import json

    from bot.cli.logging_setup import JsonFormatter

    try:
        raise RuntimeError(f"token {TOKEN} rejected")
    except RuntimeError:
        import sys

        phone = ("+86 13800138000",)
        record = logging.LogRecord("bot.x", logging.ERROR, __file__, 1, "phone %s", phone, sys.exc_info())
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "bot.x" and entry["message"] == "phone [phone]"
    assert "RuntimeError" in entry["exc"] and TOKEN not in line and "13800138000" not in line
    assert "\n" not in line
