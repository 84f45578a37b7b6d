"""Messages at Telegram's limits through the real Application and the rule-checking Bot API (a text over 4,096
characters, a keyboard over 100 buttons is refused there as Telegram refuses it): nothing is lost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.core.common.fit import MAX_TEXT, visible_length
from bot.db.garage.models import Customer as CustomerRow
from bot.db.garage.models import Vehicle
from bot.handlers.desk.handoff.advisors import CLOCK
from bot.handlers.desk.roadside.customer import PLATE_BUTTONS
from tests.handlers.desk.followups.test_followups import add_visit, deliver, mentioned, services_of
from tests.handlers.desk.handoff.test_handoff import OPEN_HOURS, card, open_by_menu, tickets
from tests.handlers.desk.handoff.test_handoff_complaint import complain
from tests.handlers.desk.roadside.helpers import label, share_location, stored
from tests.handlers.desk_harness import SUPERVISOR_ID, Desk, build_desk
from tests.handlers.harness import Customer

ME = 501


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    app, _engine, built = await build_desk(tmp_path, quiet_hours_start="00:00", quiet_hours_end="00:00")
    app.bot_data[CLOCK] = lambda: OPEN_HOURS
    async with app:
        yield built


async def add_cars(desk: Desk, user_id: int, count: int) -> None:
    services = services_of(desk)
    async with services.sessions.begin() as session:
        await session.execute(
            update(CustomerRow).where(CustomerRow.telegram_user_id == user_id).values(phone="+8613900000001")
        )
        owner = (await session.scalars(select(CustomerRow.id).where(CustomerRow.telegram_user_id == user_id))).one()
        session.add_all(Vehicle(customer_id=owner, plate=f"粤B{n:05d}", make="Toyota", model="Corolla")
                        for n in range(10_000, 10_000 + count))  # fmt: skip


async def test_a_4096_character_comment_still_alerts_the_supervisors(desk: Desk) -> None:
    services = services_of(desk)
    customer = Customer(desk.app, desk.engine, ME, "zh-hant")
    visit = await add_visit(services, ME, "zh-hant")
    await deliver(desk, customer, visit)
    await customer.press("4 ⭐")
    comment = "異響也沒修好，" + "師傅態度很差" * 700
    await customer.say(comment[:4096])
    [ticket] = await tickets(desk)
    alert = next(m for m in desk.group_messages(ticket.topic_id) if SUPERVISOR_ID in mentioned(m))
    assert "異響也沒修好" in alert["text"] and "…" in alert["text"]
    assert visible_length(alert["text"], markup=False) <= MAX_TEXT


async def test_a_long_resolve_note_reaches_the_customer_whole(desk: Desk) -> None:
    customer = Customer(desk.app, desk.engine, ME, "zh-hant")
    await customer.say("/start")
    await complain(desk, customer)
    [ticket] = await tickets(desk)
    customer._new()
    note = "明天免費更換懸吊襯套。" + "".join(f"第{n}步：檢查底盤。" for n in range(600)) + "完畢"
    await desk.advisor.say(f"/resolve {note}", thread_id=ticket.topic_id)
    told = customer._new()
    assert len(told) >= 2 and "已找到解決方案" in told[0]["text"]  # worded by the ticket's trigger
    joined = "".join(m["text"] for m in told)
    assert "明天免費更換懸吊襯套" in joined and "第599步" in joined and joined.rstrip().endswith("完畢")


async def test_the_handoff_card_of_a_customer_with_400_cars(desk: Desk) -> None:
    customer = Customer(desk.app, desk.engine, ME, "zh-hant")
    await customer.say("/start")
    await add_cars(desk, ME, 400)
    await open_by_menu(customer)
    [ticket] = await tickets(desk)
    shown = card(desk, ticket.topic_id)
    assert "粤B·10000" in shown["text"] and "粤B·10009" in shown["text"] and "粤B·10010" not in shown["text"]
    assert "另有 390 輛" in shown["text"] and shown.get("reply_markup")


async def test_the_plate_question_of_a_customer_with_100_cars(desk: Desk) -> None:
    customer = Customer(desk.app, desk.engine, ME, "en")
    await customer.say("/start")
    await add_cars(desk, ME, 100)
    await customer.say("/roadside")
    await share_location(customer)
    [question] = await customer.press(label(desk.app, "en", "rsd_problem_flat_tyre"))
    plates = customer.buttons(question)
    assert len(plates) == PLATE_BUTTONS + 2 and "90 more" in question["text"]  # + "no plate" and "back"
    await customer.say("粤B10099")  # a car without a button is typed
    [phone, _back] = customer.buttons()
    await customer.press(phone[0])
    row = await stored(desk.app)
    assert row is not None and row.plate == "粤B10099"
