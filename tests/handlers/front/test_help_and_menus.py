"""/help lists every command a customer has, and staff their own; the command menus follow each member's roles."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import set_commands
from tests.handlers.desk_harness import ADVISOR_ID, GROUP_ID, MARKETING_ID, Desk, StaffUser, build_desk

CUSTOMER_ID = 7301
CUSTOMER_COMMANDS = ["/book", "/appointments", "/roadside", "/warranty", "/mycar", "/events", "/settings", "/stop",
                     "/privacy", "/forget", "/end", "/help", "/language", "/cancel"]  # fmt: skip


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    app, _engine, desk = await build_desk(tmp_path)
    async with app:
        yield desk


ADVISOR_MENU = ["resolve", "staff", "checkin", "odometer", "promised", "ready", "comeback", "help"]


def menu(desk: Desk, scope: dict[str, object], language: str = "") -> list[str]:
    return [c["command"] for c in desk.engine.commands.get((json.dumps(scope, sort_keys=True), language), [])]


async def test_a_customer_sees_every_command_and_no_staff_ones(desk: Desk) -> None:
    await StaffUser(desk.app, desk.engine, CUSTOMER_ID, "Mei").say("/help", private=True)  # not staff
    text = desk.engine.sent_messages(CUSTOMER_ID)[-1]["text"]
    assert all(f"{command} " in text for command in CUSTOMER_COMMANDS), text
    assert "/resolve" not in text and "/staff" not in text and "員工指令" not in text


async def test_staff_see_their_own_commands_in_private_and_in_the_group(desk: Desk) -> None:
    await desk.advisor.say("/help", private=True)
    text = desk.engine.sent_messages(ADVISOR_ID)[-1]["text"]
    assert "/book " in text and "/resolve " in text and "/staff " in text  # a customer's commands and theirs
    assert text.index("/resolve ") < text.index("/book ") < text.index("/cancel ")  # their own work first
    assert all(f"/{c} " in text for c in ("checkin", "odometer", "promised", "ready", "comeback"))  # every one
    await desk.marketing.say("/help", private=True)
    marketing_help = desk.engine.sent_messages(MARKETING_ID)[-1]["text"]
    assert "/resolve" not in marketing_help and "/campaign " in marketing_help  # marketing campaigns, not resolves
    await desk.advisor.say("/help")
    in_group = desk.group_messages()[-1]["text"]
    assert "/resolve " in in_group and "/book " not in in_group  # the group shows the staff commands only
    before = len(desk.group_messages())
    await desk.outsider.say("/help")
    assert len(desk.group_messages()) == before  # a non-staff member of the group gets no answer there


async def test_menus_follow_roles_at_start_and_when_an_admin_changes_them(desk: Desk) -> None:
    await set_commands(desk.app)
    private_all = {"type": "all_private_chats"}
    assert "warranty" in menu(desk, private_all, "en") and "resolve" not in menu(desk, private_all, "en")
    in_group = {"type": "chat_member", "chat_id": GROUP_ID, "user_id": ADVISOR_ID}
    assert menu(desk, in_group, "en") == ADVISOR_MENU
    private_advisor = menu(desk, {"type": "chat", "chat_id": ADVISOR_ID}, "zh")
    assert private_advisor[: len(ADVISOR_MENU) - 1] == ADVISOR_MENU[:-1] and "book" in private_advisor  # theirs first
    marketing = {"type": "chat_member", "chat_id": GROUP_ID, "user_id": MARKETING_ID}
    assert menu(desk, marketing, "en") == ["campaign", "campaigns", "stats", "help"]
    newcomer = {"type": "chat_member", "chat_id": GROUP_ID, "user_id": 9099}
    await desk.admin.say("/staff add 9099 advisor Olly")
    assert menu(desk, newcomer, "en") == ADVISOR_MENU
    await desk.admin.say("/staff remove 9099")
    assert menu(desk, newcomer, "en") == []
