"""/privacy says what is kept of the customer's questions, for how long and who sees it, in three languages: it
no longer claims they are only counted anonymously while the advisors' card shows the last ones word for word."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.core.desk.handoff.tickets import TRAIL_LENGTH
from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.handoff.test_handoff import card, tickets
from tests.handlers.desk_harness import Desk, build_desk
from tests.handlers.garage.helpers import LOCALES
from tests.handlers.harness import Customer

QUESTIONS = {"zh-hant": "我的船可以停在哪裡", "zh-hans": "我的船可以停在哪里", "en": "where do I park my boat"}
# language code → (what must be said, what was said before and was not true)
SAID = {
    "zh-hant": (("最近的五個問題", "服務顧問會在對話卡片上看到", "連同 Telegram 帳號編號保存", "直到您使用 /forget"),
                "只以不記名方式統計"),
    "zh-hans": (("最近的五个问题", "服务顾问会在对话卡片上看到", "连同 Telegram 账号编号保存", "直到您使用 /forget"),
                "只以匿名方式统计"),
    "en": (("last five questions", "our service advisors see them", "with your Telegram account id",
            "until you use /forget"), "counted anonymously"),
}  # fmt: skip


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


@pytest.mark.parametrize("language", list(LOCALES))
async def test_privacy_says_who_sees_the_questions_and_for_how_long(
    desk_app: tuple[Application, BotApiEngine, Desk], language: str  # type: ignore[type-arg]
) -> None:
    app, engine, desk = desk_app
    customer = Customer(app, engine, 802, language)
    await customer.say(QUESTIONS[language])
    [privacy] = await customer.say("/privacy")
    said, untrue = SAID[language]
    assert TRAIL_LENGTH == 5  # the texts say "five": change them with it
    for part in said:
        assert part in privacy["text"], part
    assert untrue not in privacy["text"]
    [notice] = await customer.say("/mycar")  # the notice before "My car" points there instead of repeating it
    assert untrue.removeprefix("只以").removeprefix("counted ") not in notice["text"] and "/privacy" in notice["text"]
    # What it says is what the advisors get: the question, word for word, on the card.
    await customer.say("talk to a human")
    [ticket] = await tickets(desk)
    assert QUESTIONS[language] in card(desk, ticket.topic_id)["text"]
