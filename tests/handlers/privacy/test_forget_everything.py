"""Issue 12, item 6: /forget after a booking, a roadside request (escalated) and a ticket leaves the phone
number nowhere in the database, blanks the advisors' cards and topics, tells the advisors which bookings
were withdrawn, forgets the chat's memory, keeps a /stop, and /privacy right after shows no name."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.core.desk.roadside.escalation import escalate_unclaimed
from bot.db.common.base import Base
from bot.db.desk.roadside.models import RoadsideRequest
from bot.db.garage.models import Customer as CustomerRow
from bot.db.garage.models import OdometerReading
from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.handoff.test_handoff import topics
from tests.handlers.desk.roadside.helpers import share_location
from tests.handlers.desk_harness import GROUP_ID, Desk, build_desk
from tests.handlers.garage.helpers import customer_row, label, link, seed, services
from tests.handlers.harness import Customer

USER = 781
DIGITS = "13826514417"


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


async def everything_stored(app: Application) -> str:  # type: ignore[type-arg]
    """Every row of every table, as text."""
    dump = []
    async with services(app).sessions() as session:
        for table in Base.metadata.sorted_tables:
            dump += [repr(tuple(row)) for row in (await session.execute(select(table))).all()]
    return "\n".join(dump)


async def test_forget_after_a_booking_a_roadside_call_and_a_ticket(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, desk = desk_app
    await seed(app)
    customer = Customer(app, engine, USER, "en")
    await link(customer, "en")
    await customer.say("/stop")
    await customer.say("/mycar")
    await customer.press(label(app, "en", "mycar_odo", car="粤B·12345"))
    await customer.say("16500")
    # A booking of the car, with the phone on it.
    await customer.say("/book")
    await customer.press("Repair")
    await customer.press("Nanshan")
    await customer.press("粤B·12345")
    await customer.say("next Tuesday")
    await customer.press("08:30")
    await customer.press("I'll wait")
    await customer.press("Skip")
    await customer.say("138 2651 4417")
    await customer.press("Confirm booking")
    # A roadside call, escalated unclaimed.
    await customer.say("/roadside")
    await share_location(customer)
    await customer.press(label(app, "en", "rsd_problem_flat_tyre"))
    await customer.say("粵B 12345")
    await customer.say("138 2651 4417")
    async with services(app).sessions() as session:
        escalate_at = (await session.scalars(select(RoadsideRequest.escalate_at))).one()
    assert await escalate_unclaimed(services(app), escalate_at.replace(tzinfo=dt.UTC)) == 1
    # A question (the FAQ trail) and a ticket whose topic gets a copy of what they type.
    await customer.say("how long is the warranty?")
    await customer.say("talk to a human")
    await customer.say("please call me on 138 2651 4417")
    assert DIGITS in await everything_stored(app)
    assert len(topics(desk)) == 1
    cards_before = [m["message_id"] for m in desk.group_messages() if m.get("reply_markup")]

    [confirm] = await customer.say("/forget")
    assert "upcoming service appointment #1 is cancelled too" in confirm["text"]  # said before, not found after
    [done, *_] = await customer.press(label(app, "en", "forget_yes"))
    assert "appointment #1 cancelled" in done["text"], done["text"]

    stored = await everything_stored(app)
    assert "Mei" not in stored
    # The phone is left on the dealer's own record only (as its import wrote it), linked to no Telegram account.
    c = CustomerRow
    async with services(app).sessions() as session:
        found = (await session.execute(select(c.telegram_user_id, c.chat_id, c.first_name, c.phone, c.name,
                                              c.external_id).where(c.phone.is_not(None)))).all()  # fmt: skip
    assert [tuple(row) for row in found] == [(None, None, None, "+8613826514417", "陳志強", "DEMO-4417")]
    stored = stored.replace("'+8613826514417', '陳志強', 'DEMO-4417'", "")
    assert DIGITS not in stored and "2651" not in stored
    async with services(app).sessions() as session:
        typed = (await session.scalars(select(OdometerReading.km).where(OdometerReading.source == "customer"))).all()
    assert typed == []  # the dealer's own reading stays, the one they typed goes
    assert not app.chat_data.get(USER)  # the FAQ trail a next ticket's card would show
    # The advisors' group: cards blanked without buttons, the topic renamed and closed, one note.
    edits = {c.params["message_id"]: c.params for c in engine.calls("editMessageText")
             if str(c.params.get("chat_id")) == str(GROUP_ID)}  # fmt: skip
    for message_id in cards_before:
        assert "客戶資料已刪除" in edits[message_id]["text"] and not edits[message_id].get("reply_markup")
    [renamed] = [c.params for c in engine.calls("editForumTopic")]
    [closed] = [c.params for c in engine.calls("closeForumTopic")]
    assert "客戶資料已刪除" in renamed["name"] and "Mei" not in renamed["name"]
    assert str(renamed["message_thread_id"]) == str(closed["message_thread_id"])
    note = desk.group_messages()[-1]["text"]
    assert "要求刪除個人資料" in note and "#1" in note  # the desk reads the default locale
    # /privacy right after: no name; their /stop still holds.
    [privacy] = await customer.say("/privacy")
    assert "Mei" not in privacy["text"]
    row = await customer_row(app, USER)
    assert row is not None and row.first_name is None and row.phone is None and row.marketing_opt_out
    assert row.forgotten_at is not None


async def test_forget_after_a_finished_conversation_renames_its_topic_and_closes_nothing_twice(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    """The customer ended their conversation (its topic is closed): /forget renames the topic and asks Telegram
    to close nothing, which would be refused (TOPIC_NOT_MODIFIED); found by the fuzz test."""
    app, engine, desk = desk_app
    customer = Customer(app, engine, USER, "en")
    await customer.say("talk to a human")
    await customer.say("please call me")
    await customer.say("/end")
    assert len(engine.calls("closeForumTopic")) == 1
    await customer.say("/forget")
    await customer.press(label(app, "en", "forget_yes"))
    assert [c for c in engine.calls() if not c.ok] == []
    assert len(engine.calls("closeForumTopic")) == 1
    [renamed] = [c.params for c in engine.calls("editForumTopic")]
    assert "客戶資料已刪除" in renamed["name"]
    del desk
