"""Typed text read as a button: a customer who types a button's label (or clearly names one button) instead of
tapping it gets that button. Used by every flow whose questions have buttons (booking, the 三包 check)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TypeVar

from bot.core.common.text import fold

Value = TypeVar("Value")


def bare(label: str) -> str:
    """A label as compared with typed text: folded, without its emoji and the places-left note (other
    punctuation separates words: "drop-off" is "drop off")."""
    return fold("".join(ch if ch.isalnum() or ch.isspace() else " " for ch in label.split("（")[0].split("(")[0]))


def _same_word(typed: str, word: str) -> bool:
    """A typed word is a label's word, or its start or a longer form of it ("wait" and "waiting")."""
    return typed == word or (min(len(typed), len(word)) >= 3 and (word.startswith(typed) or typed.startswith(word)))


def _in_words(typed: str, label: str) -> bool:
    """Every word typed is one of the label's ("drop off" for "Drop the car off")."""
    words = label.split()
    return bool(typed) and all(any(_same_word(t, w) for w in words) for t in typed.split())


def typed_choice(text: str, buttons: Iterable[tuple[str, Value]]) -> Value | None:
    """The value of the one button whose label was typed (「現場等候」 for the button, in any case, spacing or
    punctuation), else of the one whose label holds what was typed (「南山」 for 「南山服務站」), else of the one
    whose words were typed ("drop off" for "Drop the car off"). A value may come with several labels (one a
    locale); None when no button, or more than one, fits."""
    typed = bare(text)
    made = [(bare(label), value) for label, value in buttons]
    found = [value for label, value in made if typed and label == typed]
    if not found and len(typed) >= 2:
        found = [value for label, value in made if typed in label]
    if not found:
        found = [value for label, value in made if _in_words(typed, label)]
    distinct = list(dict.fromkeys(found))
    return distinct[0] if len(distinct) == 1 else None


_NUMBERED = re.compile(r"^(?P<label>[^#]+?)\s*#\s*(?P<number>\d{1,9})\s*$")


def typed_numbered(text: str, names: Iterable[tuple[str, Value]]) -> tuple[Value, int] | None:
    """(value, N) of a numbered button typed: a name's words then "#N" (「取消預約 #1」 for the button
    「❌ 取消預約 #1」, full-width 「＃１」 too). The words must be one of the names whole (in any case, spacing or
    script): the number makes it an action on a record, so nothing looser is read as one. None otherwise."""
    found = _NUMBERED.match(unicodedata.normalize("NFKC", text).strip())
    if found is None:
        return None
    typed = bare(found["label"]).replace(" ", "")
    values = list(dict.fromkeys(value for name, value in names if typed and bare(name).replace(" ", "") == typed))
    return (values[0], int(found["number"])) if len(values) == 1 else None
