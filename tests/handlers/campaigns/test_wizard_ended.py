"""The /campaign wizard's buttons after it ended: Confirm pressed again later says which campaign was created (in
staff words, with its status), never the customers' "this button has expired, just type your question"."""

from __future__ import annotations

from typing import Any

from bot.core.campaigns import service as campaigns
from bot.handlers.common.context import LAST_PRESS
from tests.handlers.campaigns.test_marketing import TOYOTA, desk, owner, press, services_of
from tests.handlers.campaigns.test_wizard_when import _at_when
from tests.handlers.desk_harness import MARKETING_ID, Desk

__all__ = ["desk"]  # the fixture, imported


def popup(desk: Desk) -> dict[str, Any]:
    return dict(desk.engine.calls("answerCallbackQuery")[-1].params)


def a_while_ago(desk: Desk) -> None:
    """The last press made long enough ago that the next one is no double tap."""
    desk.app.user_data[MARKETING_ID][LAST_PRESS][2] -= 60


async def test_confirm_again_later_names_the_campaign_created(desk: Desk) -> None:
    services = services_of(desk)
    await owner(services, TOYOTA, "Toyota")
    await _at_when(desk)
    preview = (await press(desk, MARKETING_ID, desk.engine.sent_messages(MARKETING_ID)[-1], "現在"))[-1]
    await press(desk, MARKETING_ID, preview, "確認")
    async with services.sessions() as session:
        [created] = await campaigns.repo.listed(session)

    assert await press(desk, MARKETING_ID, preview, "確認") == []  # a double tap: answered silently
    assert "text" not in popup(desk)
    a_while_ago(desk)
    assert await press(desk, MARKETING_ID, preview, "確認") == []
    shown = popup(desk)
    assert shown["show_alert"] and f"推廣 #{created.id} 已建立（已排程）" in shown["text"]
    assert "直接輸入您的問題" not in shown["text"]
    a_while_ago(desk)
    await press(desk, MARKETING_ID, preview, "測試")  # another of its buttons: the wizard is over
    assert "推廣精靈已結束" in popup(desk)["text"] and "/campaign" in popup(desk)["text"]
    async with services.sessions() as session:
        assert len(await campaigns.repo.listed(session)) == 1  # nothing more created
