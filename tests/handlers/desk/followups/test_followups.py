"""Follow-up ratings and comments through the real Application, with the advisors' forum supergroup."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.app import build_application
from bot.core.desk.followups import service as followups
from bot.core.services import Services
from bot.db.common.base import utcnow
from bot.db.desk.followups.models import FollowUp
from bot.db.desk.handoff.models import Ticket, TicketEvent
from bot.db.garage.models import Customer as CustomerRow
from bot.db.garage.models import ServiceVisit, Vehicle
from bot.db.outbox.models import Outbox
from bot.handlers.outbox.transport import OutboxBot, TelegramTransport
from scheduler.jobs import build_sender
from tests.botapi.recording import RecordingRequest
from tests.handlers.desk_harness import GROUP_ID, SUPERVISOR_ID, Desk, build_desk
from tests.handlers.harness import Customer, build

USER, OTHER = 701, 702


# No quiet hours: the sender must deliver a follow-up whatever the hour the test runs at.
ANY_HOUR = {"quiet_hours_start": "00:00", "quiet_hours_end": "00:00"}


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    app, _engine, built = await build_desk(tmp_path, **ANY_HOUR)
    async with app:
        yield built


def services_of(desk: Desk) -> Services:
    return desk.app.bot_data["services"]  # type: ignore[no-any-return]


async def add_visit(services: Services, user_id: int, language: str, plate: str = "粤B12345") -> int:
    """A customer on Telegram, their car and a maintenance visit four days ago (follow-up 1 due yesterday),
    served by Wang."""
    today = dt.datetime.now(services.settings.tz).date()
    async with services.sessions.begin() as session:
        owner = CustomerRow(telegram_user_id=user_id, chat_id=user_id, first_name="Mei", language_code=language)
        session.add(owner)
        await session.flush()
        car = Vehicle(customer_id=owner.id, plate=plate, make="Toyota", model="Corolla")
        session.add(car)
        await session.flush()
        visit = ServiceVisit(visit_no=f"RO-{user_id}", vehicle_id=car.id, visit_date=today - dt.timedelta(days=4),
                             kind="maintenance", advisor="Wang", work_done="Oil and filter")  # fmt: skip
        session.add(visit)
        await session.flush()
        return visit.id


async def send_outbox(desk: Desk) -> int:
    """The real outbox sender, once, through the rule-checking Bot API."""
    services = services_of(desk)
    bot = OutboxBot(desk.engine.token, request=RecordingRequest(desk.engine))
    await bot.initialize()
    sender = build_sender(services.settings, services.engine, services.sessions, TelegramTransport(bot))
    try:
        return await sender.tick()
    finally:
        await sender.close()
        await bot.shutdown()


async def deliver(desk: Desk, customer: Customer, visit: int) -> dict[str, Any]:
    """Run the follow-up task now, then the real outbox sender through the rule-checking Bot API; the
    customer has read the follow-up, which is returned."""
    services = services_of(desk)
    await followups.tick(services, dt.datetime.now(dt.UTC))  # every due follow-up, once
    await send_outbox(desk)  # what an earlier delivery left is sent too
    customer._new()
    message = desk.engine.sent_messages(customer.user.id)[-1]
    assert message.get("reply_markup") and (await follow_up(services, visit)).status == "sent"
    return message


async def follow_up(services: Services, visit: int, stage: int = 1) -> FollowUp:
    async with services.sessions() as session:
        row = await session.scalar(select(FollowUp).where(FollowUp.visit_id == visit, FollowUp.stage == stage))
    assert row is not None
    return row


async def tickets(services: Services) -> list[Ticket]:
    async with services.sessions() as session:
        return list((await session.scalars(select(Ticket).order_by(Ticket.id))).all())


def mentioned(message: dict[str, Any]) -> set[int]:
    return {e["user"]["id"] for e in message.get("entities", []) if e["type"] == "text_mention"}


@pytest.mark.parametrize(
    ("language", "thanks", "skip", "back", "bye"),
    [
        ("zh-hant", "謝謝您給我們 5/5 分", "略過", "↩️ 上一步", "祝您行車愉快"),
        ("zh-hans", "谢谢您给我们 5/5 分", "跳过", "↩️ 上一步", "祝您行车愉快"),
        ("en", "Thank you for rating us 5/5", "Skip", "↩️ Back", "have a good drive"),
    ],
)
async def test_rating_then_skip_in_each_language(
    desk: Desk, language: str, thanks: str, skip: str, back: str, bye: str
) -> None:
    services = services_of(desk)
    customer = Customer(desk.app, desk.engine, USER, language)
    visit = await add_visit(services, USER, language)
    await deliver(desk, customer, visit)
    [reply] = await customer.press("5 ⭐")
    assert thanks in reply["text"] and [label for label, _ in customer.buttons(reply)] == [skip, back]
    [done] = await customer.press(skip)
    assert bye in done["text"]
    row = await follow_up(services, visit)
    assert (row.rating, row.status, row.comment, row.ticket_id) == (5, "answered", None, None)
    assert await tickets(services) == []


async def test_a_second_press_is_answered_politely_and_not_counted(desk: Desk) -> None:
    services = services_of(desk)
    customer = Customer(desk.app, desk.engine, USER, "en")
    visit = await add_visit(services, USER, "en")
    question = await deliver(desk, customer, visit)
    await customer.press("4 ⭐")
    again = next(data for label, data in customer.buttons(question) if label.startswith("1"))
    query_id, replies = await customer.press_data(again, question["message_id"])
    answer = desk.engine.callback_answer(query_id) or {}
    assert replies == [] and "already rated" in answer.get("text", "") and not answer.get("show_alert")
    assert (await follow_up(services, visit)).rating == 4
    assert await tickets(services) == []


async def test_forged_and_foreign_rating_data_is_refused(desk: Desk) -> None:
    services = services_of(desk)
    customer = Customer(desk.app, desk.engine, USER, "en")
    mine = await add_visit(services, USER, "en")
    theirs = await add_visit(services, OTHER, "en", plate="粤B67890")
    await deliver(desk, customer, mine)
    await followups.tick(services, dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    my_id, their_id = (await follow_up(services, mine)).id, (await follow_up(services, theirs)).id
    pack = services.callbacks.pack
    attempts = [
        f"fu:rate:{my_id}:1:AAAAAAAA",  # a forged signature
        pack(OTHER, "fu", "rate", str(my_id), "1"),  # signed for somebody else
        pack(USER, "fu", "rate", str(their_id), "1"),  # a genuine signature, but not their follow-up
        pack(USER, "fu", "rate", str(my_id), "9"),  # not a rating
        pack(USER, "fu", "rate", "x1", "2"),  # not a follow-up id
        pack(USER, "fu", "skip", str(their_id)),
    ]
    for data in attempts:
        query_id, replies = await customer.press_data(data)
        answer = desk.engine.callback_answer(query_id)
        assert replies == [] and answer is not None and answer.get("show_alert") is True, data
    assert (await follow_up(services, mine)).rating is None and (await follow_up(services, theirs)).rating is None
    assert await tickets(services) == []


async def test_a_low_rating_opens_a_complaint_and_alerts_the_supervisor(desk: Desk) -> None:
    services = services_of(desk)
    customer = Customer(desk.app, desk.engine, USER, "zh-hant")
    visit = await add_visit(services, USER, "zh-hant")
    await deliver(desk, customer, visit)
    before = dt.datetime.now(dt.UTC)
    [reply] = await customer.press("2 ⭐")
    [ticket] = await tickets(services)
    assert (ticket.kind, ticket.trigger, ticket.topic_id is not None) == ("complaint", "follow_up", True)
    escalate_at = ticket.escalate_at.replace(tzinfo=dt.UTC) if ticket.escalate_at else None
    assert escalate_at is not None and escalate_at >= before + dt.timedelta(hours=48)
    assert f"#{ticket.id}" in reply["text"] and "服務經理" in reply["text"] and customer.buttons(reply) == []
    assert (await follow_up(services, visit)).ticket_id == ticket.id
    async with services.sessions() as session:
        logged = (await session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id))).all()
    assert "follow_up_alert" in logged
    topic = desk.group_messages(ticket.topic_id)
    assert any("Wang" in m.get("text", "") for m in topic)  # the advisor who served, on the card or the alert
    alert = next(m for m in topic if SUPERVISOR_ID in mentioned(m))
    assert "2/5" in alert["text"] and "RO-701" in alert["text"]
    # Stage 2 is not sent: the case is with a person.
    assert await followups.enqueue(services, dt.datetime.now(dt.UTC) + dt.timedelta(days=30)) == 0


async def test_a_complaining_comment_opens_a_ticket_and_a_kind_one_does_not(desk: Desk) -> None:
    services = services_of(desk)
    happy, unhappy = Customer(desk.app, desk.engine, USER, "en"), Customer(desk.app, desk.engine, OTHER, "zh-hans")
    happy_visit = await add_visit(services, USER, "en")
    unhappy_visit = await add_visit(services, OTHER, "zh-hans", plate="粤B67890")
    await deliver(desk, happy, happy_visit)
    await deliver(desk, unhappy, unhappy_visit)
    await happy.press("5 ⭐")
    [noted] = await happy.say("Quick and friendly, thanks")
    assert "we have noted it" in noted["text"]
    await unhappy.press("4 ⭐")
    [sorry] = await unhappy.say("师傅态度很差，异响也没修好")
    [ticket] = await tickets(services)
    assert f"#{ticket.id}" in sorry["text"] and ticket.kind == "complaint"
    rows = await follow_up(services, happy_visit), await follow_up(services, unhappy_visit)
    assert [(r.comment, r.ticket_id) for r in rows] == [
        ("Quick and friendly, thanks", None), ("师傅态度很差，异响也没修好", ticket.id)
    ]  # fmt: skip
    alert = next(m for m in desk.group_messages(ticket.topic_id) if SUPERVISOR_ID in mentioned(m))
    assert "异响也没修好" in alert["text"]


@pytest.mark.parametrize(
    ("language", "text", "ack"),
    [("zh-hant", "我要投訴", "投訴已登記"), ("zh-hans", "投诉", "投诉已登记"),
     ("en", "I want to complain about the paint job", "complaint is registered")],
)  # fmt: skip
async def test_a_typed_complaint_is_acknowledged_with_a_ticket(desk: Desk, language: str, text: str, ack: str) -> None:
    services = services_of(desk)
    customer = Customer(desk.app, desk.engine, USER, language)
    before = dt.datetime.now(dt.UTC)
    replies = await customer.say(text)
    [ticket] = await tickets(services)
    assert any(ack in r["text"] and f"#{ticket.id}" in r["text"] for r in replies)
    assert (ticket.kind, ticket.status, ticket.topic_id is not None) == ("complaint", "open", True)
    escalate_at = ticket.escalate_at.replace(tzinfo=dt.UTC) if ticket.escalate_at else None
    assert escalate_at is not None and escalate_at >= before + dt.timedelta(hours=48)

    from bot.core.desk.complaints import service as complaints

    assert await complaints.escalate_overdue(services, escalate_at - dt.timedelta(minutes=1)) == 0
    assert await complaints.escalate_overdue(services, escalate_at + dt.timedelta(minutes=1)) == 1
    assert await complaints.escalate_overdue(services, escalate_at + dt.timedelta(hours=5)) == 0
    async with services.sessions() as session:
        # The ticket's card is an outbox row too (kind "desk", sent at once); the notice is the other one.
        notices = select(Outbox).where(Outbox.chat_id == GROUP_ID, Outbox.kind != "desk")
        [notice] = (await session.scalars(notices)).all()
    assert notice.payload["message_thread_id"] == ticket.topic_id
    assert f"tg://user?id={SUPERVISOR_ID}" in notice.payload["text"]
    async with services.sessions.begin() as session:  # the clock was moved 48 hours on: so is the notice
        await session.execute(update(Outbox).values(not_before=utcnow(), next_attempt_at=utcnow()))
    await send_outbox(desk)
    [posted] = [m for m in desk.group_messages(ticket.topic_id) if SUPERVISOR_ID in mentioned(m)]
    assert f"#{ticket.id}" in posted["text"]


async def test_the_awaited_comment_survives_a_restart(tmp_path: Path) -> None:
    app, engine, built = await build_desk(tmp_path, **ANY_HOUR)
    async with app:
        services = services_of(built)
        customer = Customer(app, engine, USER, "en")
        visit = await add_visit(services, USER, "en")
        await deliver(built, customer, visit)
        await customer.press("5 ⭐")
    again = build_application(services.settings, request=RecordingRequest(engine))
    async with again:
        customer = Customer(again, engine, USER, "en")
        customer._read = len(engine.sent_messages(USER))
        [noted] = await customer.say("The new wipers are great")
        assert "we have noted it" in noted["text"]
        assert (await follow_up(again.bot_data["services"], visit)).comment == "The new wipers are great"


async def test_without_an_advisors_group_a_complaint_gets_the_hotline(tmp_path: Path) -> None:
    app, engine = await build(tmp_path)
    async with app:
        customer = Customer(app, engine, USER, "zh-hant")
        [reply] = await customer.say("我要投訴，修完還是有異響")
        services: Services = app.bot_data["services"]
        assert "服務熱線" in reply["text"] and services.dealer.hotline in reply["text"]
        assert await tickets(services) == []


async def test_text_long_after_the_rating_is_not_taken_as_a_comment(desk: Desk) -> None:
    services = services_of(desk)
    customer = Customer(desk.app, desk.engine, USER, "en")
    visit = await add_visit(services, USER, "en")
    await deliver(desk, customer, visit)
    await customer.press("5 ⭐")
    waiting = desk.app.user_data[USER]["followup_comment"]
    waiting["at"] = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).isoformat()
    replies = await customer.say("I want to complain about the waiting time")
    [ticket] = await tickets(services)
    assert ticket.trigger == "complaint" and any("complaint is registered" in r["text"] for r in replies)
    assert (await follow_up(services, visit)).comment is None


async def test_while_talking_to_an_advisor_a_rating_asks_no_comment(desk: Desk) -> None:
    services = services_of(desk)
    customer = Customer(desk.app, desk.engine, USER, "en")
    visit = await add_visit(services, USER, "en")
    await customer.say("I have a complaint")  # a ticket is open: the customer's messages go to its topic
    await deliver(desk, customer, visit)
    [thanks] = await customer.press("5 ⭐")
    assert "Thank you for rating us 5/5" in thanks["text"] and customer.buttons(thanks) == []
    assert "Type a comment" not in thanks["text"]
    [ticket] = await tickets(services)
    assert await customer.say("The car is fine now") == []  # relayed to the advisors, not taken as a comment
    assert any("The car is fine now" in (m.get("text") or "") for m in desk.engine.sent_messages(GROUP_ID))
    assert (await follow_up(services, visit)).comment is None and ticket.topic_id is not None
