"""/staff: admins list, add and remove staff members (in the advisors' group or in private); any member of
staff sets their own duty with `/staff duty on|off`. Replies are in the dealer's default locale."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler

from bot.core.staff import repo as staff_repo
from bot.core.staff.roles import StaffMember, parse_roles
from bot.handlers.common.context import CareContext
from bot.handlers.desk.group import require_staff
from bot.handlers.front.commands import set_staff_commands

log = logging.getLogger(__name__)

USAGE = "usage"


async def staff_command(update: Update, context: CareContext) -> None:
    """/staff [list | add <user id> <roles> [name] | remove <user id> | branch <user id> <branch>|all |
    duty on|off]."""
    args = list(context.args or [])
    action = args[0].lower() if args else "list"
    member = await require_staff(update, context, "advisor" if action == "duty" else "admin")
    if member is None:
        return
    if action == "duty" and len(args) == 2 and args[1].lower() in ("on", "off"):
        on = args[1].lower() == "on"
        async with context.services.sessions.begin() as session:
            await staff_repo.set_on_duty(session, member.telegram_user_id, on)
        return await _reply(update, context, "duty", on=on)
    if action == "list" and len(args) <= 1:
        async with context.services.sessions() as session:
            return await _reply(update, context, "list", members=await staff_repo.members(session))
    if action == "add" and len(args) >= 3 and _is_id(args[1]):
        return await _add(update, context, int(args[1]), args[2], " ".join(args[3:]) or None)
    if action == "remove" and len(args) == 2 and _is_id(args[1]):
        return await _remove(update, context, int(args[1]))
    if action == "branch" and len(args) == 3 and _is_id(args[1]):
        return await _set_branch(update, context, int(args[1]), args[2])
    await _reply(update, context, USAGE, error=None)


async def _remove(update: Update, context: CareContext, user_id: int) -> None:
    """Remove a member (never the last admin); they are still in the advisors' group until removed there."""
    async with context.services.sessions.begin() as session:
        outcome = await staff_repo.remove(session, user_id)
    if outcome == "removed":
        await _refresh_menus(context, StaffMember(user_id, None, frozenset()))
    group = context.services.settings.advisor_group_id is not None
    await _reply(update, context, "removed", user_id=user_id, outcome=outcome, group=group)


async def _set_branch(update: Update, context: CareContext, user_id: int, branch: str) -> None:
    """The branch a member works at, or "all"; an unknown branch id is explained with the usage."""
    ids = [b.id for b in context.services.dealer.branches]
    if branch.lower() != "all" and branch not in ids:
        return await _reply(update, context, USAGE, error=f"unknown branch {branch!r}")
    async with context.services.sessions.begin() as session:
        member = await staff_repo.set_branch(session, user_id, None if branch.lower() == "all" else branch)
    await _reply(update, context, "branch", user_id=user_id, member=member)


async def _add(update: Update, context: CareContext, user_id: int, roles_text: str, name: str | None) -> None:
    """Give a user roles (added to any they hold); an unknown role name is explained, nothing changes."""
    try:
        roles = parse_roles(roles_text)
    except ValueError as exc:
        return await _reply(update, context, USAGE, error=str(exc))
    if not roles:
        return await _reply(update, context, USAGE, error=None)
    async with context.services.sessions.begin() as session:
        held = await staff_repo.get(session, user_id)
        added = await staff_repo.set_member(session, user_id, roles | (held.roles if held else frozenset()), name)
    await _refresh_menus(context, added)
    await _reply(update, context, "added", member=added)


async def _refresh_menus(context: CareContext, member: StaffMember) -> None:
    """Their command menus follow their roles at once (not only after a restart)."""
    try:
        await set_staff_commands(context.bot, context.services, member)
    except TelegramError as exc:  # the roles changed all the same; the menu follows at the next start
        log.warning("command menu for staff #%s not updated: %s", member.telegram_user_id, exc)


def _is_id(text: str) -> bool:
    return text.isdigit() and 0 < int(text) < 2**63


async def _reply(update: Update, context: CareContext, event: str, **data: Any) -> None:
    services, message = context.services, update.effective_message
    assert message is not None
    await message.reply_text(
        services.messages.render(services.settings.default_locale, "staff_reply", event=event, **data)
    )


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    return [CommandHandler("staff", staff_command)]
