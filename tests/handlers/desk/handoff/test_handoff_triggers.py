"""What a ticket is about, by its trigger (issue 10): the card's headline, the words of /resolve to the customer, and
the dates on the card in the desk's date format; /resolve outside a ticket's topic says how to use it."""

from __future__ import annotations

from typing import Any

import pytest

from bot.handlers.common.context import CareContext
from bot.handlers.desk.handoff.tickets import open_ticket
from tests.handlers.desk.handoff.test_handoff import card, tickets
from tests.handlers.desk_harness import ADVISOR_ID, GROUP_ID, Desk
from tests.handlers.harness import Customer

VISIT = {"no": "RO-7", "date": "2026-11-24", "kind": "repair", "car": "粤B·12345 Toyota Corolla", "advisor": "Wang",
         "stage": 1, "work": "brakes"}  # fmt: skip
INSURANCE = {"car": "粤B·12345 Toyota Corolla", "expires": "2026-12-06"}


@pytest.fixture
async def customer(desk: Desk) -> Customer:
    customer = Customer(desk.app, desk.engine, 501, "zh-hant")
    await customer.say("/start")
    customer._new()
    return customer


async def opened(desk: Desk, customer: Customer, kind: str, trigger: str, facts: dict[str, Any]) -> int:
    context = CareContext(desk.app, chat_id=customer.user.id, user_id=customer.user.id)
    ticket_id = await open_ticket(context, customer.user.id, kind=kind, trigger=trigger, locale="zh-Hant",
                                  facts=facts, notify_customer=False)  # fmt: skip
    assert ticket_id is not None
    [ticket] = await tickets(desk)
    assert ticket.topic_id is not None
    return ticket.topic_id


@pytest.mark.parametrize(
    ("kind", "trigger", "facts", "headline", "told"),
    [
        ("complaint", "follow_up", {"visit": VISIT, "rating": "2/5"}, "⚠️ 回訪低分", "關於您最近一次到店"),
        ("complaint", "follow_up", {"visit": VISIT, "comment": "還是有異響"}, "⚠️ 回訪時的投訴", "關於您最近一次到店"),
        ("complaint", "complaint", {"comment": "等太久"}, "⚠️ 投訴", "關於您的投訴"),
        ("handoff", "insurance_renewal", {"insurance": INSURANCE}, "🛡️ 保險續保申請", "關於您的保險續保"),
        ("handoff", "faq_none", {}, "❓ 常見問題答不了的提問", "關於您的問題"),
        ("handoff", "menu", {}, "🙋 客戶要求轉人工", "關於您的問題"),
    ],
)
async def test_the_card_headline_and_the_resolve_words_follow_the_trigger(
    desk: Desk, customer: Customer, kind: str, trigger: str, facts: dict[str, Any], headline: str, told: str
) -> None:
    topic = await opened(desk, customer, kind, trigger, facts)
    first_line = card(desk, topic)["text"].splitlines()[0]
    assert first_line.startswith(headline), first_line
    assert ("投訴" in first_line) == (headline.endswith("投訴")), first_line  # a complaint only when it is one
    await desk.advisor.say("/resolve 已為您處理好了", thread_id=topic)
    [message] = customer._new()
    assert message["text"].startswith(f"✅ {told}") and "已為您處理好了" in message["text"], message["text"]
    assert ("投訴" in message["text"]) == (trigger == "complaint")


async def test_dates_on_the_card_are_in_the_desks_date_format_never_iso(desk: Desk, customer: Customer) -> None:
    topic = await opened(desk, customer, "complaint", "follow_up", {"visit": VISIT, "insurance": INSURANCE})
    shown = card(desk, topic)["text"]
    assert "2026年11月24日" in shown and "2026年12月6日" in shown, shown
    assert "2026-11-24" not in shown and "2026-12-06" not in shown


async def test_a_retriggered_ticket_names_what_the_customer_asked_for_not_codes(desk: Desk, customer: Customer) -> None:
    topic = await opened(desk, customer, "handoff", "menu", {})
    await opened(desk, customer, "handoff", "insurance_renewal", {"insurance": INSURANCE})
    note = desk.group_messages(topic)[-1]["text"]
    assert "保險續保申請" in note and "2026年12月6日" in note, note
    assert "insurance_renewal" not in note and "{" not in note  # neither a code nor a dict's repr


async def test_resolve_outside_a_tickets_topic_says_where_and_how(desk: Desk, customer: Customer) -> None:
    topic = await opened(desk, customer, "handoff", "menu", {})
    before = len(desk.group_messages(topic))
    await desk.advisor.say("/resolve 修好了")  # the group's general chat
    general = desk.group_messages()[-1]
    assert general.get("message_thread_id") in (None, 0) or general["message_thread_id"] != topic
    assert "/resolve" in general["text"] and "話題" in general["text"], general["text"]
    await desk.advisor.say("/resolve 修好了", private=True)  # the advisor's private chat with the bot
    private = desk.engine.sent_messages(ADVISOR_ID)[-1]["text"]
    assert "/resolve" in private and "話題" in private
    assert customer._new() == [] and len(desk.group_messages(topic)) == before  # nobody was told anything
    [ticket] = await tickets(desk)
    assert ticket.resolved_at is None and desk.group_messages()[-1]["chat"]["id"] == GROUP_ID
