"""The steps a customer answered in a multi-step flow, newest last, so "↩️ Back" can take the newest away.

A flow keeps its answers as a JSON dict (a draft's `to_json`); `answered` notes a step under ASKED (once, however
often it is changed), and `undo_last` removes that step's keys, given the flow's map of step → keys, so its
question comes again. Questions a flow fills in by itself (a car on record, the only branch) are never noted,
so "back" never lands on them.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

ASKED = "asked"


def answered(answers: MutableMapping[str, Any], step: str) -> None:
    """Note that the customer answered `step` (once, however often they change it)."""
    asked = [s for s in answers.get(ASKED) or [] if s != step]
    answers[ASKED] = [*asked, step]


def can_go_back(answers: Mapping[str, Any]) -> bool:
    return bool(answers.get(ASKED))


def undo_last(answers: MutableMapping[str, Any], step_keys: Mapping[str, tuple[str, ...]]) -> str | None:
    """Remove the newest answer the customer gave, so its question comes again; the step undone, or None when
    there is none."""
    asked = list(answers.get(ASKED) or [])
    if not asked:
        return None
    step = asked.pop()
    for key in step_keys.get(step, (step,)):
        answers.pop(key, None)
    answers[ASKED] = asked
    return step
