"""Issue 12, item 13 through the handlers: a 4,096-character answer at any typed step of booking and roadside
help is refused at once with the step's own re-prompt (one reply, no apology), and the flow goes on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.roadside.helpers import label, share_location
from tests.handlers.harness import Customer, build

USER = 771
LONG = ["1" * 4096, "三" * 4096, "下週二" * 1365, "粵B 12345 " * 409]


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine]]:  # type: ignore[type-arg]
    application, engine = await build(tmp_path)
    async with application:
        yield application, engine


def no_apology(replies: list[dict[str, Any]]) -> bool:
    return not any("Sorry, something went wrong" in m.get("text", "") for m in replies)


async def refused_each(customer: Customer, *expected: str) -> None:
    """Each long answer gets the step's re-prompt (in English, or in Chinese after a Chinese message)."""
    for text in LONG:
        replies = await customer.say(text)
        assert replies and no_apology(replies), [m.get("text") for m in replies]
        assert any(e in replies[0]["text"] for e in expected), replies[0]["text"]


async def test_long_answers_in_the_booking_flow(app: tuple[Application, BotApiEngine]) -> None:  # type: ignore[type-arg]
    customer = Customer(*app, USER, "en")
    await customer.say("/book")
    await customer.press("Repair")
    await customer.press("Nanshan")
    await refused_each(customer, "could not read that plate", "看不懂這個車牌")
    await customer.say("粤B12345")
    await refused_each(customer, "could not read that date", "看不懂這個日期")
    await customer.say("next Tuesday")
    await refused_each(customer, "tap one of the times", "請點選一個時段")
    await customer.press("08:30")
    await customer.press("🪑")  # the labels may be in Chinese now: the customer wrote Chinese
    replies = await customer.say("n" * 4096)  # notes: longer than a note may be
    assert ("too long" in replies[0]["text"] or "太長" in replies[0]["text"]) and no_apology(replies)
    await customer.press("⏭️")
    await refused_each(customer, "could not read that phone", "看不懂這個電話")
    [summary] = await customer.say("13800138000")
    assert "#" not in summary["text"] and summary.get("reply_markup")  # the summary with its confirm button


async def test_long_answers_in_roadside_help(app: tuple[Application, BotApiEngine]) -> None:  # type: ignore[type-arg]
    customer = Customer(*app, USER, "en")
    await customer.say("/roadside")
    await share_location(customer)
    await customer.press(label(customer.app, "en", "rsd_problem_flat_tyre"))
    for text in LONG:
        replies = await customer.say(text)
        assert replies and no_apology(replies)
    await customer.say("粵B 12345")
    for text in LONG:
        replies = await customer.say(text)
        assert replies and no_apology(replies)
    replies = await customer.say("138 0013 8000")
    assert no_apology(replies)
