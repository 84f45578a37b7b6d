"""An appointment's Reschedule or Cancel typed instead of tapped: 「取消預約 #1」, 「改期 #2」, "cancel booking #1" —
the /appointments button's label (bk_reschedule, bk_cancel in every locale) or another common way to say it, then the
appointment's number as the list shows it (bot.core.common.choices.typed_numbered)."""

from __future__ import annotations

from typing import Literal

from bot.core.common.choices import typed_numbered

Action = Literal["resched", "cancel"]
# Compared whole after folding (Traditional = Simplified, case, spacing, the labels' emoji): 取消預約 = 取消预约.
ACTION_NAMES: tuple[tuple[str, Action], ...] = (
    ("取消預約", "cancel"), ("取消", "cancel"), ("取消我的預約", "cancel"), ("cancel", "cancel"),
    ("cancel booking", "cancel"), ("cancel appointment", "cancel"), ("cancel my booking", "cancel"),
    ("cancel my appointment", "cancel"),
    ("改期", "resched"), ("改期預約", "resched"), ("預約改期", "resched"), ("更改預約", "resched"),
    ("reschedule", "resched"), ("reschedule booking", "resched"), ("reschedule appointment", "resched"),
    ("reschedule my booking", "resched"), ("reschedule my appointment", "resched"), ("move booking", "resched"),
    ("move appointment", "resched"),
)  # fmt: skip


def typed_action(text: str) -> tuple[Action, int] | None:
    """("cancel" or "resched", the appointment's number) when the text names one, else None."""
    return typed_numbered(text, ACTION_NAMES)
