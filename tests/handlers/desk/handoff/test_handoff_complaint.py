"""open_ticket as other features call it (a complaint from a follow-up rating), "solution found" and /resolve."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.core.desk.handoff import repo as ticket_repo
from bot.handlers.common.context import CareContext
from bot.handlers.desk.handoff.tickets import open_ticket
from tests.handlers.desk.handoff.test_handoff import OPEN_HOURS, card, open_by_menu, tickets
from tests.handlers.desk_harness import ADVISOR_ID, Desk
from tests.handlers.harness import Customer, build


@pytest.fixture
async def customer(desk: Desk) -> Customer:
    customer = Customer(desk.app, desk.engine, 501, "zh-hant")
    await customer.say("/start")
    customer._new()
    return customer


async def complain(desk: Desk, customer: Customer, **kwargs: object) -> int | None:
    context = CareContext(desk.app, chat_id=customer.user.id, user_id=customer.user.id)
    escalate = OPEN_HOURS + dt.timedelta(hours=48)
    return await open_ticket(
        context, customer.user.id, kind="complaint", trigger="follow_up", locale="zh-Hant",
        facts={"rating": 2, "comment": "異響還在"}, escalate_at=escalate, **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


async def test_a_complaint_opens_a_topic_with_its_facts_silently_when_asked(desk: Desk, customer: Customer) -> None:
    ticket_id = await complain(desk, customer, notify_customer=False)
    [ticket] = await tickets(desk)
    assert ticket_id == ticket.id and ticket.kind == "complaint"
    assert ticket.escalate_at is not None and ticket.escalate_at.replace(tzinfo=dt.UTC) == OPEN_HOURS + dt.timedelta(
        hours=48
    )
    shown = card(desk, ticket.topic_id)
    assert "回訪低分" in shown["text"] and "評分" in shown["text"] and "異響還在" in shown["text"]
    labels = [b["text"] for row in shown["reply_markup"]["inline_keyboard"] for b in row]
    assert any("解決方案" in label for label in labels)
    assert customer._new() == []  # notify_customer=False: the caller tells the customer itself


async def test_a_complaint_upgrades_an_open_handoff(desk: Desk, customer: Customer) -> None:
    await open_by_menu(customer)
    ticket_id = await complain(desk, customer)
    [ticket] = await tickets(desk)
    assert ticket.id == ticket_id and ticket.kind == "complaint" and ticket.escalate_at is not None
    assert "異響還在" in desk.group_messages(ticket.topic_id)[-1]["text"]  # the new facts reach the topic


async def test_solution_found_then_resolve_tells_the_customer(desk: Desk, customer: Customer) -> None:
    await complain(desk, customer)
    [ticket] = await tickets(desk)
    customer._new()
    await desk.advisor.press("解決方案")
    assert "/resolve" in desk.group_messages(ticket.topic_id)[-1]["text"]
    await desk.advisor.say("/resolve 明天免費更換懸吊襯套", thread_id=ticket.topic_id)
    [told] = customer._new()
    assert "關於您最近一次到店" in told["text"] and "明天免費更換懸吊襯套" in told["text"]  # a follow-up's low rating
    [ticket] = await tickets(desk)
    assert ticket.resolved_at is not None and ticket.status in ("open", "claimed")
    async with desk.app.bot_data["services"].sessions() as session:
        events = await ticket_repo.events(session, ticket.id)
        timings = await ticket_repo.ticket_timings(session, ticket.id)
    assert (f"staff:{ADVISOR_ID}", "resolved") in [(a, k) for a, k, _ in events]
    assert not any("襯套" in (detail or "") for _, _, detail in events)  # issue 12, item 7: never the note itself
    assert timings is not None and timings.resolution == dt.timedelta(0)


async def test_resolve_on_a_question_is_not_called_a_complaint(desk: Desk, customer: Customer) -> None:
    await open_by_menu(customer)  # "talk to an advisor": a question, not a complaint
    [ticket] = await tickets(desk)
    customer._new()
    await desk.advisor.say("/resolve 您的車週五可以取", thread_id=ticket.topic_id)
    [told] = customer._new()
    assert "關於您的問題" in told["text"] and "投訴" not in told["text"] and "週五可以取" in told["text"]


async def test_resolve_without_a_note_explains(desk: Desk, customer: Customer) -> None:
    await complain(desk, customer)
    [ticket] = await tickets(desk)
    await desk.advisor.say("/resolve", thread_id=ticket.topic_id)
    assert "/resolve" in desk.group_messages(ticket.topic_id)[-1]["text"]
    [ticket] = await tickets(desk)
    assert ticket.resolved_at is None


async def test_no_group_configured_means_no_ticket(tmp_path: Path) -> None:
    app, engine = await build(tmp_path)  # no ADVISOR_GROUP_ID
    async with app:
        customer = Customer(app, engine, 501, "zh-hant")
        [told] = await customer.say("轉人工")
        assert "0755-2888-6600" in told["text"]  # the hotline, as before the desk existed
        context = CareContext(app, chat_id=501, user_id=501)
        assert await open_ticket(context, 501, kind="handoff", trigger="menu", locale="zh-Hant") is None
