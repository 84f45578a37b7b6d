"""An appointment's Reschedule or Cancel typed with its number (bot.core.desk.booking.typed): the list's own button
labels in every locale, other common words, and nothing looser."""

from __future__ import annotations

import pytest

from bot.core.common.locale import LOCALES
from bot.core.desk.booking.typed import typed_action
from tests.core.common.test_templates import MESSAGES


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("取消預約 #1", ("cancel", 1)), ("取消预约 #1", ("cancel", 1)), ("cancel booking #1", ("cancel", 1)),
        ("Cancel Booking#12", ("cancel", 12)), ("取消 #3", ("cancel", 3)), ("cancel appointment # 4", ("cancel", 4)),
        ("改期 #2", ("resched", 2)), ("改期預約 #2", ("resched", 2)), ("改期预约＃２", ("resched", 2)),
        ("reschedule #5", ("resched", 5)), ("reschedule my booking #5", ("resched", 5)),
        # not an action on an appointment: the FAQ or the flow reads these
        ("cancel booking", None), ("預約 #1", None), ("保養 #1", None), ("an #3", None), ("改期到12號", None),
        ("noise from cylinder #3", None), ("取消預約 #", None), ("#1", None), ("取消預約 #1 明天", None),
    ],
)  # fmt: skip
def test_typed_actions(text: str, read: tuple[str, int] | None) -> None:
    assert typed_action(text) == read


@pytest.mark.parametrize("locale", LOCALES)
def test_the_lists_buttons_typed_are_their_actions(locale: str) -> None:
    """Every locale's button label, as /appointments shows it ("❌ 取消預約 #7"), typed back."""
    for key, action in (("bk_cancel", "cancel"), ("bk_reschedule", "resched")):
        assert typed_action(f"{MESSAGES.label(locale, key)} #7") == (action, 7)  # type: ignore[arg-type]
