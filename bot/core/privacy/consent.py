"""The privacy notice answered in words instead of its buttons ("I agree", 「同意」, "no"): no telegram."""

from __future__ import annotations

from typing import Literal

from bot.core.common.text import fold

Consent = Literal["agree", "decline"]

# Folded (Simplified, lower case, no punctuation; fold drops "please" and "thanks", so "no thanks" is "no").
_AGREE = frozenset(
    fold(word)
    for word in (
        "agree", "i agree", "i do", "agreed", "ok", "okay", "k", "yes", "yep", "yeah", "sure", "fine", "accept",
        "i accept", "continue", "go ahead", "同意", "我同意", "同意的", "好", "好的", "好啊", "好吧", "可以", "行",
        "是", "是的", "嗯", "沒問題", "接受", "我接受", "繼續",
    )
)  # fmt: skip
_DECLINE = frozenset(
    fold(word)
    for word in (
        "no", "nope", "nah", "disagree", "i disagree", "i do not agree", "i don't agree", "don't agree", "decline",
        "not now", "不同意", "我不同意", "不要", "不用", "不用了", "不了", "算了", "不", "不行", "不可以", "不接受",
        "拒絕",
    )
)  # fmt: skip


def typed_consent(text: str) -> Consent | None:
    """ "agree" or "decline" when the text is a plain yes or no to the notice, else None (a question, say)."""
    folded = fold(text)
    if folded in _AGREE:
        return "agree"
    if folded in _DECLINE:
        return "decline"
    return None
