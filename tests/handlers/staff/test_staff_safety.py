"""Issue 12, item 16: the last admin stays, a removed member is told to be removed from the group too, and a
member's branch routes that branch's bookings to them (the desk card mentions them)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.staff import repo as staff_repo
from bot.core.staff.roles import StaffMember
from tests.handlers.desk.booking.test_appointments_desk import add_car, book
from tests.handlers.desk_harness import ADMIN_ID, ADVISOR2_ID, ADVISOR_ID, Desk, build_desk
from tests.handlers.harness import Customer


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    app, _engine, desk = await build_desk(tmp_path)
    async with app:
        yield desk


async def member(desk: Desk, user_id: int) -> StaffMember | None:
    async with desk.app.bot_data["services"].sessions() as session:
        return await staff_repo.get(session, user_id)


def reply(desk: Desk) -> str:
    return str(desk.engine.sent_messages(ADMIN_ID)[-1]["text"])


async def test_the_last_admin_cannot_be_removed_until_there_is_another(desk: Desk) -> None:
    await desk.admin.say(f"/staff remove {ADMIN_ID}", private=True)
    kept = await member(desk, ADMIN_ID)
    assert kept is not None and "admin" in kept.roles
    assert "最後一位管理員" in reply(desk) and "/staff add" in reply(desk)
    await desk.admin.say("/staff add 777 admin Zed", private=True)
    await desk.admin.say(f"/staff remove {ADMIN_ID}", private=True)
    assert await member(desk, ADMIN_ID) is None and "已移除" in reply(desk)


async def test_a_removed_member_is_said_to_be_still_in_the_group(desk: Desk) -> None:
    await desk.admin.say(f"/staff remove {ADVISOR_ID}", private=True)
    assert await member(desk, ADVISOR_ID) is None
    assert "仍是顧問群組的成員" in reply(desk) and "移出群組" in reply(desk)


async def test_a_branch_advisor_is_mentioned_on_that_branchs_bookings_only(desk: Desk) -> None:
    app, engine = desk.app, desk.engine
    await desk.admin.say(f"/staff branch {ADVISOR_ID} nanshan", private=True)
    await desk.admin.say(f"/staff branch {ADVISOR2_ID} futian", private=True)
    assert (await member(desk, ADVISOR_ID)).branch == "nanshan"  # type: ignore[union-attr]
    await desk.admin.say("/staff branch 9003 mars", private=True)
    assert "mars" in reply(desk) and (await member(desk, ADVISOR_ID)).branch == "nanshan"  # type: ignore[union-attr]
    await desk.admin.say("/staff", private=True)
    assert "南山" in reply(desk)
    await add_car(app.bot_data["services"], 701, "粤B12345")
    await book(Customer(app, engine, 701, "en"))  # at Nanshan
    [card] = desk.group_messages()
    mentioned = {e["user"]["id"] for e in card.get("entities", []) if e["type"] == "text_mention"}
    assert mentioned == {ADVISOR_ID}
    await desk.admin.say(f"/staff branch {ADVISOR_ID} all", private=True)
    assert (await member(desk, ADVISOR_ID)).branch is None  # type: ignore[union-attr]
