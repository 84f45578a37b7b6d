"""Issue 12, items 1 and 2 for roadside help: the last answer sent twice at once stores one request with one
alert, and an alert that could not be sent waits in the outbox, stored with the request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from telegram import Update
from telegram.ext import Application

from bot.db.desk.roadside.models import RoadsideRequest
from bot.db.outbox.models import Outbox
from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.roadside.helpers import label, services, share_location
from tests.handlers.desk_harness import GROUP_ID, Desk, build_desk
from tests.handlers.harness import Customer

USER = 741


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


async def up_to_the_phone(customer: Customer) -> None:
    await customer.say("/roadside")
    await share_location(customer)
    await customer.press(label(customer.app, "en", "rsd_problem_flat_tyre"))
    await customer.say("粵B 12345")


async def requests(app: Application) -> int:  # type: ignore[type-arg]
    async with services(app).sessions() as session:
        return int((await session.execute(select(func.count()).select_from(RoadsideRequest))).scalar_one())


@pytest.mark.parametrize("through_the_processor", [True, False])
async def test_the_last_answer_sent_twice_at_once_makes_one_request_and_one_alert(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
    through_the_processor: bool,
) -> None:
    app, engine, desk = desk_app
    customer = Customer(app, engine, USER, "en")
    await up_to_the_phone(customer)
    before = len(desk.group_messages())
    twice = [Update.de_json(engine.push_text(USER, "138 0013 8000"), app.bot) for _ in range(2)]
    if through_the_processor:
        await asyncio.gather(*(app.update_processor.process_update(u, app.process_update(u)) for u in twice))
    else:
        await asyncio.gather(*(app.process_update(u) for u in twice))
    assert await requests(app) == 1
    alerts = [m for m in desk.group_messages()[before:] if "text" in m and m.get("reply_markup")]  # claim button
    assert len(alerts) == 1
    # a copy handled after the request was made is what the customer sent while it is open: relayed to the desk
    assert all(m.get("reply_to_message") for m in desk.group_messages()[before:] if m not in alerts and "text" in m)


async def test_an_alert_that_could_not_be_sent_waits_in_the_outbox(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, desk = desk_app
    customer = Customer(app, engine, USER, "en")
    await up_to_the_phone(customer)
    before = len(desk.group_messages())
    engine.inject_fault("sendMessage", status=502)
    replies = await customer.say("138 0013 8000")
    assert await requests(app) == 1
    async with services(app).sessions() as session:
        [alert] = (await session.execute(select(Outbox))).scalars()
    assert alert.chat_id == GROUP_ID and alert.status == "pending" and alert.kind == "desk"
    assert len(desk.group_messages()) == before
    assert replies  # the customer is told the request is in
