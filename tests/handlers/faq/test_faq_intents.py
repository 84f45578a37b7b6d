"""What a message means before it is an FAQ question, through the real Application (issue 14): danger gets the
emergency numbers at once, in any flow; asking for a person opens a handoff; a short greeting follows Telegram's
language; a tapped suggestion is recorded for `kb learn`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.faq.models import FaqLearned, FaqMiss
from tests.handlers.desk_harness import build_desk
from tests.handlers.harness import Customer


def _texts(messages: list[dict]) -> str:  # type: ignore[type-arg]
    return "\n".join(m["text"] for m in messages)


async def _rows(app_engine: tuple, model: type) -> list:  # type: ignore[type-arg]
    app, _ = app_engine
    async with app.bot_data["services"].sessions() as session:
        return list((await session.execute(select(model))).scalars())


@pytest.mark.parametrize(
    ("text", "language", "words"),
    [
        ("救命", "zh-hant", ["120", "110", "122", "119", "400-800-6600"]),  # the demo dealer is in mainland China
        ("SOS", "en", ["120", "ambulance", "400-800-6600"]),
        ("我車禍了有人受傷", "zh-hant", ["120", "400-800-6600"]),
        ("my car is on fire!!", "en", ["119", "400-800-6600"]),
        ("车着火了", "zh-hans", ["119", "400-800-6600"]),
    ],
)
async def test_danger_gets_the_emergency_numbers_first(
    app_engine: tuple, text: str, language: str, words: list[str]
) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 601, language)
    [reply] = await customer.say(text)
    assert all(word in reply["text"] for word in words), reply["text"]
    assert any(data.startswith("menu:roadside:") for _, data in customer.buttons(reply))  # then the roadside flow
    assert await _rows(app_engine, FaqMiss) == []


async def test_danger_in_the_middle_of_a_booking_comes_first_then_the_question_once_more(app_engine: tuple) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 602, "en")
    [question] = await customer.say("/start book")
    numbers, again = await customer.say("help me someone is injured")
    assert "120" in numbers["text"] and "400-800-6600" in numbers["text"]
    assert again["text"] == question["text"] and customer.buttons(again) == customer.buttons(question)


@pytest.mark.parametrize("language", ["en", "zh-hant", "zh-hans"])
async def test_danger_typed_in_the_warranty_check_repeats_its_question_and_the_check_goes_on(
    app_engine: tuple, language: str
) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 609, language)
    await customer.say("/warranty")
    [question] = await customer.press(customer.buttons(customer.engine.sent_messages(609)[-1])[0][0])  # household
    numbers, again = await customer.say("救命" if language != "en" else "SOS")
    assert "120" in numbers["text"] and "400-800-6600" in numbers["text"]
    assert again["text"] == question["text"]  # the start-date question, once, not taken as its answer
    [after] = await customer.say("2026-01-10" if language == "en" else "2026年1月10日")
    assert after["text"] != question["text"] and ("2026" in after["text"] or "10" in after["text"]), after["text"]
    await customer.say("/cancel")
    [alone] = await customer.say("SOS" if language == "en" else "救命")  # in no flow: the numbers, no question
    assert "400-800-6600" in alone["text"]


async def test_a_car_that_will_not_start_is_no_emergency(app_engine: tuple) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 603, "zh-hans")
    [reply] = await customer.say("车打不着火了怎么办")
    assert "120" not in reply["text"]


@pytest.mark.parametrize(
    ("text", "language"),
    [("我要找真人", "zh-hant"), ("i need a real person", "en"), ("can I talk to someone", "en"),
     ("我想找真人聊", "zh-hans")],
)  # fmt: skip
async def test_asking_for_a_person_opens_a_handoff(app_engine: tuple, text: str, language: str) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 604, language)
    messages = await customer.say(text)
    assert "0755-2888-6600" in _texts(messages)  # without an advisors' group: the hotline, as for 「真人」
    assert await _rows(app_engine, FaqMiss) == []


async def test_a_short_greeting_follows_the_telegram_language_not_the_last_message(app_engine: tuple) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 605, "en")
    [chinese] = await customer.say("三包有效期是多久")
    assert "三包有效期" in chinese["text"] and "Art." not in chinese["text"]
    for greeting in ("hi", "thanks!", "hello"):
        [reply] = await customer.say(greeting)
        assert "Just type your question" in reply["text"], reply["text"]


async def test_a_greeting_from_a_chinese_telegram_stays_chinese(app_engine: tuple) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 606, "zh-hant")
    [reply] = await customer.say("hi")
    assert "Just type" not in reply["text"]


async def test_a_tapped_suggestion_is_recorded_for_review(app_engine: tuple) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 607, "zh-hans")
    [suggestion] = await customer.say("能换车吗")
    title, data = customer.buttons(suggestion)[0]
    entry_id = data.split(":")[2]
    await customer.press(title)
    [pair] = await _rows(app_engine, FaqLearned)
    assert (pair.question, pair.entry_id, pair.source, pair.lang, pair.status) == (
        "能换车吗", entry_id, "suggestion", "zh-Hans", "new")
    await customer.say("能换车吗")
    await customer.press(title)
    [pair] = await _rows(app_engine, FaqLearned)
    assert pair.count == 2


async def test_a_related_button_after_an_answer_is_not_a_pick(app_engine: tuple) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 608, "zh-hant")
    [answer] = await customer.say("三包有效期是多久")
    related = next(label for label, data in customer.buttons(answer) if data.startswith("faq:show:"))
    await customer.press(related)
    assert await _rows(app_engine, FaqLearned) == []


async def test_danger_during_a_handoff_in_a_booking_is_answered_once(tmp_path: Path) -> None:
    """A cry for help typed in a booking while an advisor is on the line: the emergency numbers once (not again
    as the booking's answer to a question) and the advisor sees it; the booking then goes on, and a typed word it
    cannot use at "which service?" goes to the advisor, said in one message (bot.handlers.desk.handoff.tickets)."""
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        customer = Customer(app, engine, 611, "zh-hant")
        await customer.say("轉人工")
        [question] = await customer.say("/book")
        replies = await customer.say("救命")
        assert len(replies) == 2 and "400-800-6600" in replies[0]["text"]
        assert replies[1]["text"] == question["text"]  # the booking's question once more, not an answer to it
        assert any("救命" in m.get("text", "") for m in desk.group_messages()[1:])
        replies = await customer.say("嗯嗯")  # a typed word at "which service?": to the advisor, one message
        assert len(replies) == 1 and "已轉給服務顧問" in replies[0]["text"], replies
        assert any("嗯嗯" in m.get("text", "") for m in desk.group_messages())
