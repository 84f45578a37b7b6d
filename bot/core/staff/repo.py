"""Staff rows: bootstrap from settings, look up, change roles (the only SQL for the staff table)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.staff.roles import Role, StaffMember, format_roles, parse_roles
from bot.db.common.base import utcnow
from bot.db.staff.models import Staff


def _member(row: Staff) -> StaffMember:
    return StaffMember(row.telegram_user_id, row.name, parse_roles(row.roles), row.branch, row.on_duty)


async def bootstrap(session: AsyncSession, granted: Mapping[int, frozenset[Role]]) -> int:
    """Add the roles settings grant (never removes any: /staff owns removals). Returns rows changed."""
    changed = 0
    for user_id, roles in granted.items():
        row = await session.get(Staff, user_id)
        if row is None:
            session.add(Staff(telegram_user_id=user_id, roles=format_roles(roles), active=True))
            changed += 1
            continue
        held = parse_roles(row.roles) if row.active else frozenset()
        if not roles <= held:
            row.roles, row.active, row.updated_at = format_roles(held | roles), True, utcnow()
            changed += 1
    return changed


async def get(session: AsyncSession, telegram_user_id: int) -> StaffMember | None:
    """The active member with this id, or None."""
    row = await session.get(Staff, telegram_user_id)
    return _member(row) if row is not None and row.active and row.roles else None


async def members(session: AsyncSession, role: Role | None = None, on_duty: bool | None = None) -> list[StaffMember]:
    """Active members, optionally only those who can act as `role` and are (not) on duty, by id."""
    statement = select(Staff).where(Staff.active.is_(True)).order_by(Staff.telegram_user_id)
    if on_duty is not None:
        statement = statement.where(Staff.on_duty.is_(on_duty))
    found = [_member(row) for row in (await session.scalars(statement)).all() if row.roles]
    return [m for m in found if role is None or m.can(role)]


async def set_member(
    session: AsyncSession,
    telegram_user_id: int,
    roles: frozenset[Role],
    name: str | None = None,
    branch: str | None = None,
) -> StaffMember:
    """Create or replace a member's roles (an empty set deactivates them); the name is kept when not given."""
    row = await session.get(Staff, telegram_user_id)
    if row is None:
        row = Staff(telegram_user_id=telegram_user_id, roles="")
        session.add(row)
    row.roles, row.active, row.updated_at = format_roles(roles), bool(roles), utcnow()
    if name is not None:
        row.name = name
    if branch is not None:
        row.branch = branch
    await session.flush()
    return _member(row)


async def set_name(session: AsyncSession, telegram_user_id: int, name: str | None) -> None:
    """Keep a member's display name as Telegram last told it."""
    row = await session.get(Staff, telegram_user_id)
    if row is not None and name and row.name != name:
        row.name, row.updated_at = name, utcnow()


async def set_on_duty(session: AsyncSession, telegram_user_id: int, on_duty: bool) -> bool:
    """Whether the member exists (and was updated)."""
    row = await session.get(Staff, telegram_user_id)
    if row is None or not row.active:
        return False
    row.on_duty, row.updated_at = on_duty, utcnow()
    return True


async def remove(session: AsyncSession, telegram_user_id: int) -> str:
    """Take every role from a member: "removed", "not_found", or "last_admin" (refused: with no admin left
    nobody could manage staff any more)."""
    member = await get(session, telegram_user_id)
    if member is None:
        return "not_found"
    if "admin" in member.roles:
        admins = [m for m in await members(session) if "admin" in m.roles]
        if [m.telegram_user_id for m in admins] == [telegram_user_id]:
            return "last_admin"
    await set_member(session, telegram_user_id, frozenset())
    return "removed"


async def set_branch(session: AsyncSession, telegram_user_id: int, branch: str | None) -> StaffMember | None:
    """The branch a member works at (None: every branch); None when they are not on staff."""
    row = await session.get(Staff, telegram_user_id)
    if row is None or not row.active or not row.roles:
        return None
    row.branch, row.updated_at = branch, utcnow()
    return _member(row)


async def branch_advisors(session: AsyncSession, branch: str) -> list[StaffMember]:
    """The advisors on duty who work at `branch` (not those who work for every branch), to mention on its cards."""
    return [m for m in await members(session, "advisor", on_duty=True) if m.branch == branch]
