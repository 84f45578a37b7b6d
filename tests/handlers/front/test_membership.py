"""my_chat_member: a customer blocking or unblocking the bot, a group removing it, marks the chat."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.core.outbox import store as outbox
from bot.db.garage.models import Customer
from bot.db.outbox.models import ChatStatus
from tests.botapi.objects import my_chat_member_update
from tests.botapi.recording import process
from tests.handlers.harness import Customer as Person
from tests.handlers.harness import build


async def test_blocking_and_unblocking_the_bot_marks_the_customer(tmp_path: Path) -> None:
    app, engine = await build(tmp_path)
    sessions = app.bot_data["services"].sessions
    async with app:
        mei = Person(app, engine, 4242, "zh-hant")
        await mei.say("/start")
        await process(app, engine.push_my_chat_member(mei.user.id, blocked=True))
        async with sessions() as session:
            assert await outbox.unreachable_chats(session, [mei.user.id]) == {mei.user.id}
            status = (await session.execute(select(ChatStatus))).scalar_one()
            customer = (await session.execute(select(Customer))).scalar_one()
        assert status.reason == "blocked the bot" and customer.unreachable_at is not None
        await process(app, engine.push_my_chat_member(mei.user.id, blocked=False))
        async with sessions() as session:
            assert await outbox.unreachable_chats(session, [mei.user.id]) == set()
            assert (await session.execute(select(Customer.unreachable_at))).scalar_one() is None
    await app.bot_data["services"].engine.dispose()


async def test_a_group_that_removes_the_bot_is_unreachable(tmp_path: Path) -> None:
    app, engine = await build(tmp_path)
    sessions = app.bot_data["services"].sessions
    admin = engine.add_user(first_name="Advisor")
    group = engine.add_group("Advisors", forum=True, members=[admin.id])
    async with app:
        change = my_chat_member_update(group, admin, engine.bot, 1_700_000_000, old="administrator", new="left")
        update = engine.enqueue_update("my_chat_member", change)
        await process(app, update)
        async with sessions() as session:
            status = (await session.execute(select(ChatStatus))).scalar_one()
        assert (status.chat_id, status.reason) == (group.id, "the bot was removed from the group (left)")
        assert status.unreachable_at is not None
    await app.bot_data["services"].engine.dispose()
