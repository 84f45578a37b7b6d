"""Staff roles (DESIGN.md, decision 7): who may do what at the service desk. No telegram import.

Roles nest: an admin may do everything, a supervisor everything an advisor may. Marketing stands apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

Role = Literal["advisor", "supervisor", "marketing", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
_IMPLIES: dict[Role, frozenset[Role]] = {
    "admin": frozenset(ROLES),
    "supervisor": frozenset({"supervisor", "advisor"}),
    "advisor": frozenset({"advisor"}),
    "marketing": frozenset({"marketing"}),
}


def parse_roles(text: str | Iterable[str]) -> frozenset[Role]:
    """'advisor,supervisor' or a list of names → the roles; an unknown name raises ValueError naming it."""
    names = [n.strip().lower() for n in (text.split(",") if isinstance(text, str) else text)]
    unknown = [n for n in names if n and n not in ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(unknown)}; expected {', '.join(ROLES)}")
    return frozenset(n for n in names if n)  # type: ignore[misc]


def format_roles(roles: Iterable[Role]) -> str:
    """Stored form, in ROLES order."""
    held = set(roles)
    return ",".join(role for role in ROLES if role in held)


# The commands each role may use, in menu order: the handlers check the same roles (bot.handlers.staff.commands,
# bot.handlers.desk.handoff.advisors). A role's menu holds the commands of every role it implies.
ROLE_COMMANDS: dict[Role, tuple[str, ...]] = {
    # /resolve in a ticket's topic; /staff duty on|off; event check-in; read or correct a car's odometer; a visit's
    # promised and ready times and comebacks (bot.handlers.kpis.visits)
    "advisor": ("resolve", "staff", "checkin", "odometer", "promised", "ready", "comeback"),
    "supervisor": ("stats",),
    "marketing": ("campaign", "campaigns", "stats"),
    "admin": ("staff",),  # /staff list | add | remove
}


@dataclass(frozen=True)
class StaffMember:
    telegram_user_id: int
    name: str | None
    roles: frozenset[Role]
    branch: str | None = None
    on_duty: bool = True

    def can(self, role: Role) -> bool:
        """Whether this member may act as `role` (admin ⊇ all, supervisor ⊇ advisor)."""
        return any(role in _IMPLIES[held] for held in self.roles)

    @property
    def commands(self) -> list[str]:
        """The staff commands this member may use (ROLE_COMMANDS), each once, in menu order."""
        held = [role for role in ROLES if self.can(role)]
        return list(dict.fromkeys(command for role in held for command in ROLE_COMMANDS[role]))

    @property
    def label(self) -> str:
        """How staff are named to customers and colleagues: the name, else 'staff #id'."""
        return self.name or f"#{self.telegram_user_id}"


def bootstrap_roles(
    admin_ids: Iterable[int], supervisor_ids: Iterable[int], advisor_ids: Iterable[int], marketing_ids: Iterable[int]
) -> dict[int, frozenset[Role]]:
    """The roles settings grant each user id (a user in several lists holds each of those roles)."""
    granted: dict[int, set[Role]] = {}
    for role, ids in (("admin", admin_ids), ("supervisor", supervisor_ids), ("advisor", advisor_ids),
                      ("marketing", marketing_ids)):  # fmt: skip
        for user_id in ids:
            granted.setdefault(user_id, set()).add(role)  # type: ignore[arg-type]
    return {user_id: frozenset(roles) for user_id, roles in granted.items()}
