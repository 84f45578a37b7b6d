"""Messages with no words to match, through the real Application: a sticker, a photo or a voice message, or its
placeholder pasted as text ("[Sticker]", 「[貼圖]」), gets a short reply saying what the bot reads, never a "did you
mean" and never an FAQ miss."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.db.faq.models import FaqMiss
from tests.botapi.engine import BotApiEngine
from tests.handlers.harness import Customer

# What the reply says the bot reads, per Telegram language: typed text, the buttons, a location for roadside help.
READS = {"en": ("typed text", "buttons", "location for roadside help"),
         "zh-hant": ("文字", "按鈕", "道路救援", "位置"), "zh-hans": ("文字", "按钮", "道路救援", "位置")}  # fmt: skip
OPENING = {
    "sticker": {"en": "Nice sticker", "zh-hant": "收到您的貼圖", "zh-hans": "收到您的表情"},
    "photo": {"en": "can't open files", "zh-hant": "打不開檔案", "zh-hans": "打不开文件"},
    "voice": {"en": "voice messages", "zh-hant": "語音訊息", "zh-hans": "语音消息"},
}
PASTED = [
    ("en", "[Sticker]", "sticker"), ("zh-hant", "[貼圖]", "sticker"), ("zh-hans", "[动画表情]", "sticker"),
    ("en", "[Photo]", "photo"), ("zh-hant", "【圖片】", "photo"), ("zh-hans", "[图片]", "photo"),
    ("en", "[Voice message]", "voice"), ("zh-hant", "[語音]", "voice"), ("zh-hans", " [语音] ", "voice"),
    ("zh-hant", "[Sticker] 😊", "sticker"),
]  # fmt: skip


async def _misses(app: Application) -> list[FaqMiss]:  # type: ignore[type-arg]
    async with app.bot_data["services"].sessions() as session:
        return list((await session.execute(select(FaqMiss))).scalars())


def _says_what_it_reads(customer: Customer, reply: dict[str, Any], language: str, kind: str) -> None:
    text = reply["text"]
    assert text.startswith(OPENING[kind][language]) or OPENING[kind][language] in text.split("\n")[0], text
    assert all(word in text for word in READS[language]), text
    data = [d for _, d in customer.buttons(reply)]
    assert any(d.startswith("menu:ask:") for d in data) and not any(d.startswith("faq:") for d in data)


@pytest.mark.parametrize(("language", "pasted", "kind"), PASTED)
async def test_a_pasted_placeholder_is_answered_as_the_media(
    app_engine: tuple[Application, BotApiEngine], language: str, pasted: str, kind: str  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 801, language)
    [reply] = await customer.say(pasted)
    _says_what_it_reads(customer, reply, language, kind)
    assert await _misses(app) == []


@pytest.mark.parametrize("language", list(READS))
async def test_the_media_itself_gets_the_same_short_reply(
    app_engine: tuple[Application, BotApiEngine], language: str  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 802, language)
    uid = customer.user.id
    for kind, update in (("sticker", engine.push_sticker(uid)), ("photo", engine.push_photo(uid)),
                         ("voice", engine.push_voice(uid))):  # fmt: skip
        [reply] = await customer.send(update)
        _says_what_it_reads(customer, reply, language, kind)
    assert await _misses(app) == []


async def test_a_placeholder_inside_a_flow_is_not_its_answer(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 803, "en")
    [booking] = await customer.say("/book")
    assert customer.buttons(booking)
    [reply] = await customer.say("[Sticker]")
    _says_what_it_reads(customer, reply, "en", "sticker")
    # the booking still waits for its first answer: a service typed now is taken
    [branch_question] = await customer.say("Maintenance")
    assert "Which branch?" in branch_question["text"]
    assert await _misses(app) == []


# Emoji alone: clearly negative ones get an apology and the advisor button; anything else a plain prompt.
SORRY = {"en": "I'm sorry", "zh-hant": "很抱歉", "zh-hans": "很抱歉"}
PROMPT = {"en": "What can I help you with?", "zh-hant": "請問有什麼可以幫您", "zh-hans": "请问有什么可以帮您"}
ADVISOR = {"en": "Talk to an advisor", "zh-hant": "找服務顧問", "zh-hans": "找服务顾问"}


@pytest.mark.parametrize("language", list(READS))
@pytest.mark.parametrize("angry", ["😡😡😡", "🤬", "👎!!"])
async def test_angry_emoji_get_an_apology_and_an_advisor(
    app_engine: tuple[Application, BotApiEngine], language: str, angry: str  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 804, language)
    [reply] = await customer.say(angry)
    assert reply["text"].startswith(SORRY[language]) and PROMPT[language] not in reply["text"]
    data = [d for _, d in customer.buttons(reply)]
    assert [d.split(":")[:2] for d in data] == [["menu", "advisor"], ["menu", "home"]]
    [advisor] = await customer.press(ADVISOR[language])  # the handoff: here, without an advisors' group, the phones
    assert "0755-2888-6601" in advisor["text"]
    assert await _misses(app) == []


@pytest.mark.parametrize("language", list(READS))
@pytest.mark.parametrize("emoji", ["🙂", "👍🏻", "🚗❓"])
async def test_other_emoji_get_a_plain_prompt(
    app_engine: tuple[Application, BotApiEngine], language: str, emoji: str  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 805, language)
    [reply] = await customer.say(emoji)
    assert reply["text"].startswith(PROMPT[language]) and SORRY[language] not in reply["text"]
    assert any(d.startswith("menu:ask:") for _, d in customer.buttons(reply))
    assert await _misses(app) == []


@pytest.mark.parametrize("language", list(READS))
async def test_an_angry_sticker_gets_the_apology_too(
    app_engine: tuple[Application, BotApiEngine], language: str  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 806, language)
    [reply] = await customer.send(engine.push_sticker(customer.user.id, emoji="😡"))
    assert reply["text"].startswith(SORRY[language])
    assert any(d.startswith("menu:advisor:") for _, d in customer.buttons(reply))
    [happy] = await customer.send(engine.push_sticker(customer.user.id, emoji="😂"))
    _says_what_it_reads(customer, happy, language, "sticker")
