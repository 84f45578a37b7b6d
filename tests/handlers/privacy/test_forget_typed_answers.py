"""Issue 12, item 6 (the rest): what a customer types at a flow's prompts — phone numbers, their name, an
address, a plate, typed where a button was expected too — is never logged as an FAQ miss, and after /forget
none of it is anywhere in the database, on SQLite and on PostgreSQL. The customer is new (no dealer record):
everything the bot knows about them, they typed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.core.desk.roadside.escalation import escalate_unclaimed
from bot.db.common.base import Base
from bot.db.desk.handoff.models import Ticket
from bot.db.desk.roadside.models import RoadsideRequest
from bot.db.faq.models import FaqMiss
from tests.botapi.engine import BotApiEngine
from tests.handlers.desk_harness import Desk, build_desk
from tests.handlers.garage.helpers import label, services
from tests.handlers.harness import Customer

USER = 791
NAME = "Chan Tai-man"
DIGITS = "13826514417"
STREET = "Shennan Avenue"
SECRETS = (DIGITS, "2651", "4417", NAME, STREET, "Mei")
# Anywhere in a line (the phone inside +8613826514417 too), except the phone's four-digit groups, which count only
# standing alone: a stored time's microseconds (…19:12:44.172651) may hold 2651 or 4417 by chance.
LEAK = re.compile("|".join(rf"(?<!\d){secret}(?!\d)" if secret.isdigit() and len(secret) == 4 else re.escape(secret)
                           for secret in SECRETS))  # fmt: skip


@pytest.fixture
async def desk_app(
    tmp_path: Path, database_url: str
) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    """The desk on both databases (tests.conftest.database_url)."""
    app, engine, desk = await build_desk(tmp_path, database_url=database_url)
    async with app:
        yield app, engine, desk


async def everything_stored(app: Application) -> str:  # type: ignore[type-arg]
    """Every row of every table, as text."""
    dump = []
    async with services(app).sessions() as session:
        for table in Base.metadata.sorted_tables:
            dump += [f"{table.name}: {tuple(row)!r}" for row in (await session.execute(select(table))).all()]
    return "\n".join(dump)


async def faq_misses(app: Application) -> list[str]:  # type: ignore[type-arg]
    async with services(app).sessions() as session:
        return list(await session.scalars(select(FaqMiss.question)))


async def test_typed_answers_inside_flows_are_not_faq_misses(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, _desk = desk_app
    customer = Customer(app, engine, USER, "en")
    await customer.say("/book")
    await customer.say(f"{NAME} {DIGITS}")  # typed where the service buttons are
    await customer.press("Repair")
    await customer.say(f"call {NAME} on 138 2651 4417")  # typed where the branch buttons are
    await customer.say("/warranty")
    await customer.say(f"my phone is {DIGITS}")  # typed at "household or commercial use?"
    await customer.say("/roadside")
    await customer.say(f"{NAME}, 1 {STREET}, Shenzhen")  # a typed address
    await customer.say(f"{NAME} {DIGITS}")  # typed at the problem step
    assert [q for q in await faq_misses(app) if LEAK.search(q)] == []


async def test_forget_after_typing_phone_and_name_everywhere_leaves_nothing(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, desk = desk_app
    customer = Customer(app, engine, USER, "en")
    # A booking, with the phone and the name typed at prompts (and where a button was expected).
    await customer.say("/book")
    await customer.say(f"{NAME} {DIGITS}")
    await customer.press("Repair")
    await customer.press("Nanshan")
    await customer.say("粵B 12345")
    await customer.say("next Tuesday")
    await customer.press("08:30")
    await customer.press("I'll wait")
    await customer.say(f"{NAME} brings the car, 138 2651 4417")  # the notes
    await customer.say("138 2651 4417")
    await customer.press("Confirm booking")
    # Roadside help with a typed address, escalated unclaimed (a notice to the supervisors).
    await customer.say("/roadside")
    await customer.say(f"{NAME}, 1 {STREET}, Shenzhen")
    await customer.press(label(app, "en", "rsd_problem_flat_tyre"))
    await customer.say("粵B 12345")
    await customer.say("138 2651 4417")
    async with services(app).sessions() as session:
        escalate_at = (await session.scalars(select(RoadsideRequest.escalate_at))).one()
    assert await escalate_unclaimed(services(app), escalate_at.replace(tzinfo=dt.UTC)) == 1
    # A ticket: the trail, the phone typed to the advisor, copied into the topic.
    await customer.say(f"I am {NAME}, is my car ready? {DIGITS}")
    await customer.say("talk to a human")
    await customer.say(f"please call {NAME} on 138 2651 4417")
    async with services(app).sessions() as session:
        thread = (await session.scalars(select(Ticket.topic_id))).one()
    await desk.advisor.say(f"Hello {NAME}, we will call 138 2651 4417", thread_id=thread)  # copied to the customer
    before = await everything_stored(app)
    assert DIGITS in before and NAME in before

    await customer.say("/forget")
    await customer.press(label(app, "en", "forget_yes"))

    stored = await everything_stored(app)
    leaks = [line for line in stored.splitlines() if LEAK.search(line)]
    assert leaks == []
    assert not app.chat_data.get(USER) and not app.user_data.get(USER)
