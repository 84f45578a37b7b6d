"""Every staff action on a ticket checks the role, the advisors' group and the data: outsiders, marketing,
customers with forged data, buttons pressed in a private chat, stale buttons, other customers' tickets."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.db.desk.handoff.models import Ticket
from tests.botapi.recording import process
from tests.handlers.desk.handoff.test_handoff import card, open_by_menu, tickets
from tests.handlers.desk_harness import ADVISOR_ID, GROUP_ID, Desk, StaffUser
from tests.handlers.harness import Customer


@pytest.fixture
async def opened(desk: Desk) -> tuple[Customer, Ticket, dict[str, Any]]:
    customer = Customer(desk.app, desk.engine, 501, "zh-hant")
    await open_by_menu(customer)
    [ticket] = await tickets(desk)
    return customer, ticket, card(desk, ticket.topic_id)


def data_of(message: dict[str, Any], label: str) -> str:
    rows = message["reply_markup"]["inline_keyboard"]
    return str(next(b["callback_data"] for row in rows for b in row if label in b["text"]))


def last_answer(desk: Desk) -> dict[str, Any]:
    return dict(desk.engine.calls("answerCallbackQuery")[-1].params)


async def unchanged(desk: Desk) -> Ticket:
    [ticket] = await tickets(desk)
    assert (ticket.status, ticket.claimed_by, ticket.closed_at) == ("open", None, None)
    return ticket


@pytest.mark.parametrize("who", ["outsider", "marketing"])
@pytest.mark.parametrize("label", ["認領", "轉交", "結束"])
async def test_non_advisors_cannot_press_ticket_buttons(desk: Desk, opened: tuple, who: str, label: str) -> None:
    user: StaffUser = getattr(desk, who)
    await user.press(label, message=opened[2])
    expected = "只限" if who == "outsider" else "需要「服務顧問」權限"  # staff hear which role it takes
    assert last_answer(desk).get("show_alert") and expected in last_answer(desk)["text"]
    await unchanged(desk)


async def test_a_customer_pressing_desk_data_in_private_is_refused(desk: Desk, opened: tuple) -> None:
    customer, _ticket, shown = opened
    query_id, _ = await customer.press_data(data_of(shown, "結束"))
    assert desk.engine.callback_answer(query_id)["show_alert"]  # type: ignore[index]
    await unchanged(desk)


async def test_an_advisor_pressing_in_a_private_chat_is_sent_to_the_group(desk: Desk, opened: tuple) -> None:
    shown = opened[2]
    update = desk.engine.push_callback(ADVISOR_ID, shown["message_id"], data_of(shown, "結束"), force=True)
    await process(desk.app, update)
    assert "群組" in last_answer(desk)["text"]
    await unchanged(desk)


async def test_forged_data_in_the_group_is_refused(desk: Desk, opened: tuple) -> None:
    shown = opened[2]
    genuine = data_of(shown, "結束")
    forged = genuine.replace(f":{opened[1].id}:", ":99:")  # another ticket, old signature
    await desk.advisor.press_data(forged, shown["message_id"])
    assert "失效" in last_answer(desk)["text"]
    await desk.advisor.press_data("ho:close:1:AAAAAAAA", shown["message_id"])
    assert "失效" in last_answer(desk)["text"]
    await unchanged(desk)


async def test_a_stale_button_after_closing_changes_nothing(desk: Desk, opened: tuple) -> None:
    customer, ticket, shown = opened
    await desk.advisor.press("結束", message=shown)
    told = len(desk.engine.sent_messages(customer.user.id))
    await desk.advisor2.press("認領", message=shown)
    assert "已經結束" in last_answer(desk)["text"]
    [ticket] = await tickets(desk)
    assert ticket.status == "closed" and ticket.claimed_by is None
    assert len(desk.engine.sent_messages(customer.user.id)) == told


@pytest.mark.parametrize("who", ["outsider", "marketing"])
async def test_non_advisors_in_the_topic_do_not_reach_the_customer(desk: Desk, opened: tuple, who: str) -> None:
    customer, ticket, _ = opened
    before = len(desk.engine.sent_messages(customer.user.id))
    await getattr(desk, who).say("我是誰", thread_id=ticket.topic_id)
    await getattr(desk, who).say("/resolve 送你一台新車", thread_id=ticket.topic_id)
    assert len(desk.engine.sent_messages(customer.user.id)) == before
    ticket = await unchanged(desk)
    assert ticket.first_response_at is None and ticket.resolved_at is None


async def test_each_customer_reaches_only_their_own_topic(desk: Desk, opened: tuple) -> None:
    mei, mei_ticket, _ = opened
    other = Customer(desk.app, desk.engine, 502, "en")
    await other.say("talk to a human")
    async with desk.app.bot_data["services"].sessions() as session:
        theirs = (await session.scalars(select(Ticket).where(Ticket.id != mei_ticket.id))).one()
    await other.say("my secret question")
    [relayed] = [m for m in desk.group_messages() if "my secret question" in m.get("text", "")]
    assert relayed["message_thread_id"] == theirs.topic_id != mei_ticket.topic_id
    await desk.advisor.say("hello", thread_id=theirs.topic_id)
    assert desk.engine.calls("copyMessage")[-1].params["chat_id"] == other.user.id
    await other.say("/end")  # ends only their own conversation
    [mei_now] = [t for t in await tickets(desk) if t.id == mei_ticket.id]
    assert mei_now.status == "open"
    assert all(m.get("chat", {}).get("id") != GROUP_ID for m in mei._new())
