"""While a roadside request is open, what the customer sends goes to the advisors (under the request's alert,
the advisor who claimed it mentioned), not to the FAQ; once it is over, the bot answers again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.roadside.helpers import request_help, share_location, stored, texts
from tests.handlers.desk_harness import ADVISOR_ID, Desk, build_desk
from tests.handlers.harness import Customer

ME = 511


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


async def test_messages_during_an_open_request_reach_the_advisors_not_the_faq(desk_app: tuple) -> None:
    app, engine, desk = desk_app
    me = Customer(app, engine, ME, "en")
    await request_help(me, "en")
    row = await stored(app)
    assert row is not None and row.alert_message_id is not None
    before = len(desk.group_messages())
    [ack] = await me.say("How long will it take? The tyre is completely flat")
    assert f"request #{row.id}" in ack["text"] and "advisors" in ack["text"]
    [relayed] = desk.group_messages()[before:]
    assert f"#{row.id}" in relayed["text"] and "The tyre is completely flat" in relayed["text"]
    assert "尚未有人接手" in relayed["text"]  # staff read the dealer's locale: nobody has claimed it yet
    assert relayed["reply_to_message"]["message_id"] == row.alert_message_id  # attached to the request

    await desk.advisor.press("認領")
    before = len(desk.group_messages())
    *_claimed, ack = await me.say("I'm behind the guardrail now")  # after "Alex has taken your request"
    assert "Alex, who is handling" in ack["text"]
    [relayed] = desk.group_messages()[before:]
    mentions = [e for e in relayed.get("entities", []) if e["type"] in ("text_mention", "text_link")]
    assert any(e.get("user", {}).get("id") == ADVISOR_ID or str(ADVISOR_ID) in e.get("url", "") for e in mentions)
    before = len(desk.group_messages())
    assert texts(await share_location(me)).startswith("📨")  # a new position reaches them too
    assert any("location" in m for m in desk.group_messages()[before:])

    await me.say("/roadside")  # the open request, with its cancel button
    await me.press("❌")  # the customer cancels: the bot answers them itself again
    before = len(desk.group_messages())
    answer = texts(await me.say("How often should I change the oil?"))
    assert "📨" not in answer and answer
    assert [m for m in desk.group_messages()[before:] if m.get("reply_to_message")] == []


async def test_asking_for_a_person_during_an_open_request_opens_a_conversation(desk_app: tuple) -> None:
    app, engine, _desk = desk_app
    me = Customer(app, engine, ME, "en")
    await request_help(me, "en")
    replies = texts(await me.say("talk to a human"))
    assert "📨" not in replies and len(engine.calls("createForumTopic")) == 1  # a handoff topic, then its relay
    await me.say("are you there?")  # the advisor's topic now takes what they send
    assert engine.calls("sendMessage")[-1].params.get("message_thread_id") is not None
