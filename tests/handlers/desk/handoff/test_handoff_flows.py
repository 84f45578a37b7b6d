"""A ticket and the flows (bot.handlers.desk.handoff.tickets): asking for a person ends the flow the customer was
in, so what they type next reaches the advisor; a flow started while the ticket is open takes its buttons, and the
text it cannot use goes to the advisor instead of an FAQ answer or "use the buttons"."""

from __future__ import annotations

import pytest

from tests.handlers.desk.handoff.test_handoff import relayed, tickets
from tests.handlers.desk_harness import Desk
from tests.handlers.harness import Customer


async def topic_of(desk: Desk) -> int:
    [ticket] = await tickets(desk)
    assert ticket.topic_id is not None
    return ticket.topic_id


@pytest.mark.parametrize(
    ("language_code", "command", "human", "left", "words", "not_asked"),
    [
        ("zh-hant", "/book", "轉人工", "已離開預約", "我的車在你們店裡修了五天還沒好，很生氣", "請選擇分店"),
        ("zh-hans", "/book", "转人工", "已退出预约", "我的车在你们店里修了五天还没好，很生气", "请选择分店"),
        ("en", "/warranty", "talk to a human", "Left the warranty check",
         "my brakes failed twice already, I want a refund", "Please answer with one of the buttons"),
        ("zh-hans", "/roadside", "人工客服", "已退出道路救援", "车子停在路边了，你们快点", "请"),
        ("en", "/book", "I would like to talk to someone", "Left the booking", "hello?", "Please use the buttons"),
    ],
)
async def test_asking_for_a_person_leaves_the_flow_and_the_next_words_reach_the_advisor(
    desk: Desk, language_code: str, command: str, human: str, left: str, words: str, not_asked: str
) -> None:
    customer = Customer(desk.app, desk.engine, 501, language_code)
    await customer.say(command)
    told = await customer.say(human)
    assert any(left in m["text"] for m in told), told  # which flow was left, with the advisor's message
    topic = await topic_of(desk)
    after = await customer.say(words)
    assert not any(not_asked in m["text"] for m in after), after  # not read as the flow's answer
    assert after == []  # relayed, answered by nobody but the advisor
    assert any(words in m["text"] for m in relayed(desk, topic))


async def test_leaving_roadside_for_a_person_takes_its_location_keyboard_down(desk: Desk) -> None:
    customer = Customer(desk.app, desk.engine, 501, "en")
    await customer.say("/roadside")
    [told] = await customer.say("talk to a human")
    assert told["text"].startswith("Left roadside help; no request was sent.")
    [sent] = [c.params for c in desk.engine.calls("sendMessage") if c.params.get("text") == told["text"]]
    assert "remove_keyboard" in str(sent.get("reply_markup")), sent


async def test_the_menus_advisor_button_leaves_the_flow_too(desk: Desk) -> None:
    customer = Customer(desk.app, desk.engine, 501, "zh-hant")
    welcome = [m for m in await customer.say("/start") if m.get("reply_markup")][-1]
    await customer.press("預約")  # the booking asks which service
    # The menu's button, pressed on the menu shown before (a bare /start inside a flow now leaves it by itself).
    advisor = next(data for label, data in customer.buttons(welcome) if "顧問" in label)
    _, [told] = await customer.press_data(advisor, welcome["message_id"])
    assert told["text"].startswith("已離開預約"), told["text"]
    topic = await topic_of(desk)
    assert await customer.say("請問還要等多久") == []
    assert any("請問還要等多久" in m["text"] for m in relayed(desk, topic))


async def test_a_flow_started_during_a_ticket_takes_its_buttons_and_passes_other_text_on(desk: Desk) -> None:
    customer = Customer(desk.app, desk.engine, 501, "en")
    await customer.say("talk to a human")
    topic = await topic_of(desk)
    await customer.say("/start")
    await customer.press("Book a service")
    for words in ("hello? anyone there?", "how often should I change brake fluid?"):
        [told] = await customer.say(words)
        assert told["text"].startswith("💬 Sent to your advisor."), told["text"]  # no FAQ answer, no re-asked question
        assert any(words in m["text"] for m in relayed(desk, topic))  # the words, not only "asked again"
    assert not any("客戶再次求助" in (m.get("text") or "") for m in desk.group_messages(topic))
    asked = await customer.press("Maintenance")  # the booking still takes its own answers
    assert any("branch" in m["text"].lower() for m in asked), asked


@pytest.mark.parametrize(
    ("language_code", "told"),
    [("zh-hant", "💬 已轉給服務顧問。"), ("zh-hans", "💬 已转给服务顾问。"), ("en", "💬 Sent to your advisor.")],
)
async def test_text_a_warranty_question_cannot_use_goes_to_the_advisor_in_each_language(
    desk: Desk, language_code: str, told: str
) -> None:
    customer = Customer(desk.app, desk.engine, 501, language_code)
    await customer.say("/start advisor")
    topic = await topic_of(desk)
    await customer.say("/warranty")
    [reply] = await customer.say("???")
    assert reply["text"].startswith(told), reply["text"]
    assert any("???" in m["text"] for m in relayed(desk, topic))
