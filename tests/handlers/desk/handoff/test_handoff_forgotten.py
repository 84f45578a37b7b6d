"""An advisor who writes in the topic of a customer who used /forget is told, in that topic and in the group's
language, that nothing was sent because no conversation is linked to the topic any more (as a closed ticket's
topic says it is closed), without naming anybody and without keeping anything about the customer. Ordinary chat
in General and in topics that never were a ticket's stays unanswered, and bots are never answered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.desk.handoff.models import Ticket, TicketTopic
from bot.handlers.desk.handoff.advisors import CLOCK
from tests.botapi.recording import process
from tests.handlers.desk.handoff.test_handoff import open_by_menu, tickets
from tests.handlers.desk.roadside.helpers import label
from tests.handlers.desk_harness import GROUP_ID, OPEN_HOURS, Desk, build_desk
from tests.handlers.harness import Customer

ME = 601
GONE = {"zh-Hant": "↩️ 未送出：這個話題已沒有對應的對話", "en": "↩️ Not sent: no conversation is linked to this topic"}
# /forget closes the topic, and a closed topic refuses the bot (TOPIC_CLOSED): then it is said in General, by name.
GONE_IN_GENERAL = "↩️ Alex，您在已關閉話題的訊息未送出：該話題已沒有對應的對話"


@pytest.fixture
def customer(desk: Desk) -> Customer:
    return Customer(desk.app, desk.engine, ME, "zh-hant")


async def forget(customer: Customer, desk: Desk) -> None:
    await customer.say("/forget")
    await customer.press(label(desk.app, "zh-Hant", "forget_yes"))


async def ticket_then_forget(desk: Desk, customer: Customer, *, closed_first: bool = False) -> int:
    """A ticket's topic (closed first when asked), then /forget; the topic's id."""
    await open_by_menu(customer)
    [ticket] = await tickets(desk)
    assert ticket.topic_id is not None
    if closed_first:
        await desk.advisor.press("結束")
    await forget(customer, desk)
    assert await tickets(desk) == []  # the ticket went with the customer
    customer._new()
    return ticket.topic_id


def copies(desk: Desk) -> list[dict[str, Any]]:
    return [c.params for c in desk.engine.calls("copyMessage")]


def said_since(desk: Desk, before: int) -> list[dict[str, Any]]:
    return desk.group_messages()[before:]


@pytest.mark.parametrize("closed_first", [False, True], ids=["open", "closed"])
async def test_writing_in_a_forgotten_customers_topic_says_nothing_was_sent(
    desk: Desk, customer: Customer, closed_first: bool
) -> None:
    topic = await ticket_then_forget(desk, customer, closed_first=closed_first)
    before = len(desk.group_messages())
    await desk.advisor.say("您好，還在嗎？", thread_id=topic)
    assert copies(desk) == [] and customer._new() == []  # nothing reaches anyone
    [note] = said_since(desk, before)
    assert "message_thread_id" not in note and note["text"].startswith(GONE_IN_GENERAL), note
    assert "/forget" in note["text"] and "客戶再次求助時會開新話題" in note["text"]
    assert "Mei" not in note["text"] and str(ME) not in note["text"]  # the customer is not named
    # Where the topic takes the bot's message (reopened by an admin), it is said there.
    await desk.app.bot.reopen_forum_topic(GROUP_ID, topic)
    await desk.advisor2.say("hello?", thread_id=topic)
    [_, there] = said_since(desk, before)
    assert there["message_thread_id"] == topic and there["text"].startswith(GONE["zh-Hant"]), there
    assert copies(desk) == []
    # What is kept is the topic's id alone, linked to nothing.
    async with desk.app.bot_data["services"].sessions() as session:
        rows = (await session.execute(select(TicketTopic.topic_id, TicketTopic.ticket_id))).all()
    assert [tuple(row) for row in rows] == [(topic, None)]


async def test_a_closed_tickets_topic_still_says_it_is_closed(desk: Desk, customer: Customer) -> None:
    await open_by_menu(customer)
    [ticket] = await tickets(desk)
    await desk.advisor.press("結束")
    before = len(desk.group_messages())
    await desk.advisor.say("還有一件事", thread_id=ticket.topic_id)  # the topic is closed: said in General
    [note] = said_since(desk, before)
    assert note["text"].startswith("↩️ Alex，您在已關閉話題的訊息未送出：該對話已結束，客戶沒有收到"), note
    await desk.app.bot.reopen_forum_topic(GROUP_ID, ticket.topic_id)
    await desk.advisor.say("再一件事", thread_id=ticket.topic_id)
    [_, there] = said_since(desk, before)
    assert there["message_thread_id"] == ticket.topic_id and there["text"].startswith("這個對話已結束")
    assert copies(desk) == []


async def test_only_advisors_are_told_others_get_the_usual_refusal(desk: Desk, customer: Customer) -> None:
    topic = await ticket_then_forget(desk, customer)
    await desk.app.bot.reopen_forum_topic(GROUP_ID, topic)  # a closed topic takes only its admins' messages
    before = len(desk.group_messages())
    await desk.outsider.say("hi", thread_id=topic)
    [told] = said_since(desk, before)
    assert told["text"] == label(desk.app, "zh-Hant", "staff_only")  # as in any ticket's topic


async def test_resolve_in_a_forgotten_customers_topic_says_the_same(desk: Desk, customer: Customer) -> None:
    topic = await ticket_then_forget(desk, customer)
    before = len(desk.group_messages())
    await desk.advisor.say("/resolve 零件週五到", thread_id=topic)
    [note] = said_since(desk, before)
    assert note["text"].startswith(GONE_IN_GENERAL), note


async def test_the_customer_who_comes_back_gets_a_new_topic_and_the_old_one_stays_gone(
    desk: Desk, customer: Customer
) -> None:
    old = await ticket_then_forget(desk, customer)
    await customer.say("我要找真人")
    [ticket] = await tickets(desk)
    assert ticket.topic_id is not None and ticket.topic_id != old
    await desk.advisor.say("您好", thread_id=ticket.topic_id)
    assert [c["chat_id"] for c in copies(desk)] == [ME]  # the new topic reaches them
    before = len(desk.group_messages())
    await desk.advisor.say("舊的話題", thread_id=old)
    [note] = said_since(desk, before)
    assert note["text"].startswith(GONE_IN_GENERAL) and len(copies(desk)) == 1


async def test_general_and_other_topics_stay_unanswered(desk: Desk, customer: Customer) -> None:
    await ticket_then_forget(desk, customer)
    parts = await desk.app.bot.create_forum_topic(GROUP_ID, "Parts orders")  # a topic people use, never a ticket's
    before = len(desk.group_messages())
    await desk.advisor.say("Lunch at 12?")  # General
    await desk.advisor.say("Brake pads arrive Friday", thread_id=parts.message_thread_id)
    await desk.outsider.say("anyone?", thread_id=parts.message_thread_id)
    assert said_since(desk, before) == [] and copies(desk) == []


async def test_bots_are_never_answered(desk: Desk, customer: Customer) -> None:
    topic = await ticket_then_forget(desk, customer)
    other = desk.engine.add_user(7_000_001, "OtherBot")
    other.is_bot = True
    me = desk.engine.add_user(desk.engine.bot.id, desk.engine.bot.first_name)
    me.is_bot = True  # the bot's own message, as a test server or a relay could hand it back
    before = len(desk.group_messages())
    for sender in (other.id, me.id):
        await process(desk.app, desk.engine.push_text(sender, "automated", chat_id=GROUP_ID, thread_id=topic))
    assert said_since(desk, before) == [] and copies(desk) == []
    await desk.advisor.say("a person, though", thread_id=topic)  # the same topic still answers a person
    assert said_since(desk, before)[-1]["text"].startswith(GONE_IN_GENERAL)


@pytest.fixture
async def english_desk(tmp_path: Path) -> AsyncIterator[Desk]:
    app, _engine, built = await build_desk(tmp_path, default_locale="en")
    app.bot_data[CLOCK] = lambda: OPEN_HOURS
    async with app:
        yield built


async def test_the_notice_is_in_the_groups_language(english_desk: Desk) -> None:
    """The desk reads the dealer's default locale, whatever the customer's (zh-Hant here)."""
    customer = Customer(english_desk.app, english_desk.engine, ME, "zh-hant")
    await customer.say("我要找真人")
    [ticket] = await tickets(english_desk)
    await forget(customer, english_desk)
    await english_desk.app.bot.reopen_forum_topic(GROUP_ID, ticket.topic_id)
    before = len(english_desk.group_messages())
    await english_desk.advisor.say("Are you there?", thread_id=ticket.topic_id)
    [note] = said_since(english_desk, before)
    assert note["text"].startswith(GONE["en"]) and "deleted their data" in note["text"], note


async def test_a_topic_row_follows_its_ticket(desk: Desk, customer: Customer) -> None:
    await open_by_menu(customer)
    async with desk.app.bot_data["services"].sessions() as session:
        ticket = (await session.scalars(select(Ticket))).one()
        row = await session.get(TicketTopic, ticket.topic_id)
    assert row is not None and row.ticket_id == ticket.id
