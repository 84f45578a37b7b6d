"""Staff roles: nesting, parsing, bootstrap from settings (never removing), lookups on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.common.config_files import ConfigError
from bot.core.common.messages import Messages
from bot.core.staff import repo as staff_repo
from bot.core.staff.roles import StaffMember, bootstrap_roles, format_roles, parse_roles
from bot.db.engine import create_engine, session_factory


@pytest.mark.parametrize(
    ("held", "asked", "allowed"),
    [
        ({"admin"}, "advisor", True),
        ({"admin"}, "marketing", True),
        ({"supervisor"}, "advisor", True),
        ({"supervisor"}, "admin", False),
        ({"advisor"}, "supervisor", False),
        ({"marketing"}, "advisor", False),
        ({"advisor", "marketing"}, "marketing", True),
        (set(), "advisor", False),
    ],
)
def test_roles_nest(held: set[str], asked: str, allowed: bool) -> None:
    member = StaffMember(1, "A", parse_roles(held))
    assert member.can(asked) is allowed  # type: ignore[arg-type]


def test_parse_and_format_roles() -> None:
    assert parse_roles(" Supervisor, advisor ,") == {"supervisor", "advisor"}
    assert format_roles(parse_roles("marketing,admin,advisor")) == "advisor,marketing,admin"
    with pytest.raises(ValueError, match="cashier"):
        parse_roles("advisor,cashier")


def test_bootstrap_roles_merges_lists() -> None:
    granted = bootstrap_roles([1], [2, 1], [3], [3])
    assert granted == {1: {"admin", "supervisor"}, 2: {"supervisor"}, 3: {"advisor", "marketing"}}



async def test_bootstrap_adds_but_never_removes(database_url: str) -> None:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with sessions.begin() as session:
            assert await staff_repo.bootstrap(session, {7: frozenset({"advisor"})}) == 1
        async with sessions.begin() as session:  # an admin widened 7's roles with /staff
            await staff_repo.set_member(session, 7, frozenset({"advisor", "marketing"}), name="Alex")
        async with sessions.begin() as session:  # a restart bootstraps again: nothing to change
            assert await staff_repo.bootstrap(session, {7: frozenset({"advisor"})}) == 0
        async with sessions() as session:
            member = await staff_repo.get(session, 7)
            assert member is not None and member.roles == {"advisor", "marketing"} and member.name == "Alex"
            assert [m.telegram_user_id for m in await staff_repo.members(session, "marketing")] == [7]
            assert await staff_repo.members(session, "supervisor") == []
        async with sessions.begin() as session:  # removed with /staff: inactive, invisible
            await staff_repo.set_member(session, 7, frozenset())
        async with sessions() as session:
            assert await staff_repo.get(session, 7) is None
    finally:
        await engine.dispose()


def test_labels_may_be_split_per_feature_but_not_defined_twice(tmp_path: Path) -> None:
    for locale in ("zh-Hant", "zh-Hans", "en"):
        (tmp_path / locale).mkdir()
        (tmp_path / locale / "labels.yaml").write_text("ok: OK\n", encoding="utf-8")
        (tmp_path / locale / "desk").mkdir()
        (tmp_path / locale / "desk" / "labels.yaml").write_text("claim: Claim\n", encoding="utf-8")
    messages = Messages(tmp_path)
    assert messages.label("en", "claim") == "Claim" and messages.label("en", "ok") == "OK"
    (tmp_path / "en" / "more").mkdir()
    (tmp_path / "en" / "more" / "labels.yaml").write_text("ok: again\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'ok' is already defined in labels\.yaml"):
        Messages(tmp_path)
