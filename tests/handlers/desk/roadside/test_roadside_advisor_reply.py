"""An advisor answers a roadside customer through the bot as a ticket's topic does: a reply, in the advisors' group,
to the request's alert, to the location under it, to a message the customer sent under it or to a colleague's answer
is copied to the customer as written. Only advisors; a request that is over, a customer who blocked the bot or who
had their data removed is said under the reply, and nothing is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.outbox.models import ChatStatus
from tests.botapi.engine import BotApiEngine
from tests.botapi.recording import process
from tests.handlers.desk.roadside.helpers import LOCALES, label, request_help, services, stored, texts
from tests.handlers.desk_harness import ADVISOR_ID, GROUP_ID, Desk, StaffUser, build_desk
from tests.handlers.harness import Customer

ME = 512
WORDS = "<b>10</b> minutes & we're close – stay behind the guardrail"  # markup-looking text stays text


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    app, _engine, desk = await build_desk(tmp_path)
    async with app:
        yield desk


async def reply(desk: Desk, who: StaffUser, text: str, to: int | None) -> int:
    """`who` replies in the group's General chat to the group's message `to` (None: writes there); its id."""
    update = desk.engine.push_text(who.id, text, chat_id=GROUP_ID, reply_to_message_id=to)
    await process(desk.app, update)
    return int(update["message"]["message_id"])


def copies_to(engine: BotApiEngine, chat_id: int) -> list[dict[str, Any]]:
    return [c.params for c in engine.calls("copyMessage") if str(c.params.get("chat_id")) == str(chat_id)]


def last_in_group(desk: Desk) -> dict[str, Any]:
    return desk.engine.sent_messages(GROUP_ID)[-1]


async def open_request(desk: Desk, language_code: str = "en") -> tuple[Customer, int]:
    """A customer's request, and its alert's message id."""
    customer = Customer(desk.app, desk.engine, ME, language_code)
    await request_help(customer, LOCALES[language_code])
    row = await stored(desk.app)
    assert row is not None and row.alert_message_id is not None
    return customer, row.alert_message_id


@pytest.mark.parametrize("language_code", ["zh-hant", "zh-hans", "en"])
async def test_a_reply_to_the_alert_or_under_it_reaches_the_customer_as_written(
    desk: Desk, language_code: str
) -> None:
    customer, alert = await open_request(desk, language_code)
    shown = next(m for m in desk.engine.sent_messages(GROUP_ID) if m["message_id"] == alert)
    assert "↩️ 回覆這則訊息" in shown["text"]  # the alert says how (the desk reads zh-Hant)

    await reply(desk, desk.advisor, WORDS, alert)
    [copied] = copies_to(desk.engine, ME)
    assert copied["from_chat_id"] == GROUP_ID
    assert desk.engine.sent_messages(ME)[-1]["text"] == WORDS  # copied, never parsed: exactly as typed

    # The customer answers (relayed under the alert, acknowledged in their language); the advisor replies to that.
    words, passed = {"zh-hant": ("我在護欄後面", "📨 已轉給"), "zh-hans": ("我在护栏后面", "📨 已转给"),
                     "en": ("I'm behind the guardrail", "📨 Passed on")}[language_code]  # fmt: skip
    *_, ack = await customer.say(words)
    assert ack["text"].startswith(passed)
    relayed = last_in_group(desk)
    await reply(desk, desk.advisor, "收到", relayed["message_id"])
    assert desk.engine.sent_messages(ME)[-1]["text"] == "收到"

    # The native location under the alert, and a colleague's answer, take a reply too.
    location = next(m for m in desk.engine.sent_messages(GROUP_ID) if "location" in m)
    answer = await reply(desk, desk.advisor2, "Tow truck booked", location["message_id"])
    assert desk.engine.sent_messages(ME)[-1]["text"] == "Tow truck booked"
    await reply(desk, desk.supervisor, "I'll call you now", answer)
    assert desk.engine.sent_messages(ME)[-1]["text"] == "I'll call you now"
    assert len(copies_to(desk.engine, ME)) == 4


async def test_only_advisors_reply_through_the_bot(desk: Desk) -> None:
    _customer, alert = await open_request(desk)
    for who, refusal in ((desk.outsider, "staff_only"), (desk.marketing, "staff_role_needed")):
        await reply(desk, who, "hello from me", alert)
        told = last_in_group(desk)
        assert told["reply_to_message"]["from"]["id"] == who.id, told  # the refusal answers them
        if refusal == "staff_only":
            assert told["text"] == label(desk.app, "zh-Hant", "staff_only")
    assert copies_to(desk.engine, ME) == []


async def test_other_replies_in_the_group_stay_there(desk: Desk) -> None:
    await open_request(desk)
    question = await reply(desk, desk.advisor2, "anyone free for a tow?", None)
    before = len(desk.engine.sent_messages(GROUP_ID))
    await reply(desk, desk.advisor, "I am", question)
    assert copies_to(desk.engine, ME) == []
    assert len(desk.engine.sent_messages(GROUP_ID)) == before  # and the bot said nothing about it


@pytest.mark.parametrize("ending", ["done", "cancelled"])
async def test_a_request_that_is_over_says_so_under_the_reply(desk: Desk, ending: str) -> None:
    customer, alert = await open_request(desk, "zh-hant")
    if ending == "done":
        await desk.advisor.press(label(desk.app, "zh-Hant", "rsd_claim"))
        await desk.advisor.press(label(desk.app, "zh-Hant", "rsd_done"))
    else:
        await customer.say("/roadside")
        await customer.press("❌")
    before = len(desk.engine.sent_messages(ME))
    await reply(desk, desk.advisor, "還需要幫忙嗎？", alert)
    assert copies_to(desk.engine, ME) == [] and len(desk.engine.sent_messages(ME)) == before
    told = last_in_group(desk)
    row = await stored(desk.app)
    assert row is not None and row.status == ending
    assert told["reply_to_message"]["from"]["id"] == ADVISOR_ID
    assert f"未送出：道路救援 #{row.id} {'已完成' if ending == 'done' else '已由客戶取消'}" in told["text"]


async def test_a_customer_who_blocked_the_bot_is_marked_and_the_advisor_told(desk: Desk) -> None:
    _customer, alert = await open_request(desk)
    desk.engine.get_chat(ME).blocked = True  # blocked meanwhile; Telegram has not told the bot yet
    await reply(desk, desk.advisor, "We are nearly there", alert)
    told = last_in_group(desk)
    assert "客戶已封鎖機器人" in told["text"] and "+8613800138000" in told["text"]
    async with services(desk.app).sessions() as session:
        status = (await session.scalars(select(ChatStatus).where(ChatStatus.chat_id == ME))).one()
    assert status.unreachable_at is not None


async def test_a_reply_after_the_customer_removed_their_data_says_the_request_is_gone(desk: Desk) -> None:
    customer, alert = await open_request(desk)
    await customer.say("/forget")
    await customer.press(label(desk.app, "en", "forget_yes"))
    assert await stored(desk.app) is None  # the request went with the customer
    await reply(desk, desk.advisor, "Are you still there?", alert)
    assert copies_to(desk.engine, ME) == []
    told = last_in_group(desk)
    assert told["reply_to_message"]["from"]["id"] == ADVISOR_ID  # under the advisor's message
    assert "未送出：這筆道路救援的客戶已刪除自己的資料" in texts([told]) and "已沒有對應的對話" in told["text"]
    await reply(desk, desk.advisor2, "Hello?", told["message_id"])  # a reply to that notice goes nowhere either
    assert copies_to(desk.engine, ME) == []
