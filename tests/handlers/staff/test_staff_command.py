"""/staff: admins list, add and remove staff; anyone on staff sets their own duty; everyone else is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.staff import repo as staff_repo
from bot.core.staff.roles import StaffMember
from tests.handlers.desk_harness import ADVISOR2_ID, GROUP_ID, Desk, StaffUser, build_desk


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    app, _engine, desk = await build_desk(tmp_path)
    async with app:
        yield desk


async def member(desk: Desk, user_id: int) -> StaffMember | None:
    async with desk.app.bot_data["services"].sessions() as session:
        return await staff_repo.get(session, user_id)


def last_private(desk: Desk, user: StaffUser) -> str:
    return str(desk.engine.sent_messages(user.id)[-1]["text"])


async def test_an_admin_lists_staff_in_private_and_in_the_group(desk: Desk) -> None:
    await desk.admin.say("/staff", private=True)
    listed = last_private(desk, desk.admin)
    assert all(str(uid) in listed for uid in (9001, 9002, 9003, 9004, 9005))
    assert "管理員" in listed and "市場推廣" in listed
    await desk.admin.say("/staff")
    assert "9003" in desk.group_messages()[-1]["text"]


async def test_an_admin_adds_and_removes_a_member(desk: Desk) -> None:
    await desk.admin.say("/staff add 777 advisor,supervisor Zed", private=True)
    added = await member(desk, 777)
    assert added is not None and added.name == "Zed" and added.can("supervisor")
    await desk.admin.say("/staff add 777 marketing", private=True)  # roles add up
    added = await member(desk, 777)
    assert added is not None and added.can("marketing") and added.can("supervisor")
    await desk.admin.say("/staff remove 777", private=True)
    assert await member(desk, 777) is None
    removed = last_private(desk, desk.admin)
    assert "777" in removed and "<code>" not in removed  # formatted as code, not shown as a tag
    await desk.admin.say("/staff remove 778", private=True)
    assert "778" in last_private(desk, desk.admin) and "<code>" not in last_private(desk, desk.admin)


async def test_an_unknown_role_changes_nothing_and_explains(desk: Desk) -> None:
    await desk.admin.say("/staff add 778 boss", private=True)
    assert await member(desk, 778) is None
    reply = last_private(desk, desk.admin)
    assert "boss" in reply and "/staff add" in reply


@pytest.mark.parametrize("who", ["advisor", "supervisor", "marketing", "outsider"])
async def test_only_admins_manage_staff(desk: Desk, who: str) -> None:
    user: StaffUser = getattr(desk, who)
    await user.say("/staff add 779 admin", private=True)
    await user.say(f"/staff remove {ADVISOR2_ID}", private=True)
    assert await member(desk, 779) is None and await member(desk, ADVISOR2_ID) is not None
    assert ("只限" if who == "outsider" else "需要「管理員」權限") in last_private(desk, user)


async def test_an_advisor_goes_off_and_on_duty(desk: Desk) -> None:
    await desk.advisor2.say("/staff duty off")
    bo = await member(desk, ADVISOR2_ID)
    assert bo is not None and not bo.on_duty
    assert "下班" in desk.engine.sent_messages(GROUP_ID)[-1]["text"]
    await desk.advisor2.say("/staff duty on", private=True)
    bo = await member(desk, ADVISOR2_ID)
    assert bo is not None and bo.on_duty


async def test_the_outsider_cannot_even_set_duty(desk: Desk) -> None:
    await desk.outsider.say("/staff duty on", private=True)
    assert "只限" in last_private(desk, desk.outsider)
    assert await member(desk, 9099) is None
