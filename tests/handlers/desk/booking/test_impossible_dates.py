"""A day its month never has ("Feb 30", "2/30", 「2月30日」) typed at "which day?", through the real Application:
the customer is told that month has no such day (it was "I could not read that date"); "31/12" in English is read
day first (no month 31) and gets the usual answer for a day beyond the booking window."""

from __future__ import annotations

import datetime as dt

import pytest
from telegram.ext import Application

from bot.handlers.desk.booking import answers as appointments_answers
from bot.handlers.desk.booking import earlier as appointments_earlier
from bot.handlers.desk.booking import steps as appointments_steps
from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.booking.test_appointments import USER, services_of
from tests.handlers.harness import Customer

FIRST = {"en": ("Repair", "Futian"), "zh-hant": ("維修", "福田"), "zh-hans": ("维修", "福田")}
NO_30TH = {"en": "February has no 30th day", "zh-hant": "2月沒有30日", "zh-hans": "2月没有30日"}
UNREAD = {"en": "could not read", "zh-hant": "看不懂", "zh-hans": "看不懂"}


@pytest.fixture
def evening(app_engine: tuple[Application, BotApiEngine], monkeypatch: pytest.MonkeyPatch) -> dt.datetime:  # type: ignore[type-arg]
    """The dealer's clock on 28 November 2026 (bookings open until 12 December)."""
    now = dt.datetime(2026, 11, 28, 9, 0, tzinfo=services_of(app_engine[0]).settings.tz)
    for module in (appointments_steps, appointments_answers, appointments_earlier):
        monkeypatch.setattr(module, "now_local", lambda context: now)
    return now


async def _at_which_day(app_engine: tuple[Application, BotApiEngine], language: str) -> Customer:  # type: ignore[type-arg]
    customer = Customer(*app_engine, USER, language)
    await customer.say("/book")
    service, branch = FIRST[language]
    await customer.press(service)
    await customer.press(branch)
    await customer.say("粵B 12345")
    return customer


@pytest.mark.parametrize(
    ("language", "typed"),
    [("en", "Feb 30"), ("en", "2/30"), ("zh-hant", "2月30日"), ("zh-hans", "2月30日"), ("zh-hant", "2/30")],
)
async def test_february_30_is_said_to_be_no_day(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
    evening: dt.datetime,
    language: str,
    typed: str,
) -> None:
    customer = await _at_which_day(app_engine, language)
    said, *_ = await customer.say(typed)
    assert NO_30TH[language] in said["text"] and UNREAD[language] not in said["text"], said["text"]


async def test_31_12_is_31_december_beyond_the_window(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
    evening: dt.datetime,
) -> None:
    customer = await _at_which_day(app_engine, "en")
    said, *_ = await customer.say("31/12")
    assert "31 Dec" in said["text"] and "too far ahead" in said["text"], said["text"]
