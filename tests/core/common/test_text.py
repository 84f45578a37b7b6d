"""Table tests for folding, script detection and locale choice."""

from __future__ import annotations

import pytest

from bot.core.common.locale import choose_locale, from_language_code
from bot.core.common.text import detect_script, fold
from bot.handlers.common.context import written_locale


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("請問保養多久一次？", "保养多久一次"),  # Traditional → Simplified, filler and punctuation gone
        ("请问保养多久一次?", "保养多久一次"),  # the same question in Simplified folds the same
        ("ＡＢＳ燈亮了！！", "abs灯亮了"),  # full-width letters and punctuation
        ("Hi, please: how often should I SERVICE my car?", "how often should i service my car"),
        ("我想問一下，三包是甚麼", "三包是甚么"),
        ("  多個   空格  ", "多个 空格"),
        ("thanks!!!", ""),
        ("🚗🚗", ""),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("保養多久一次", "zh-Hant"),
        ("保养多久一次", "zh-Hans"),
        ("how often should I service", "en"),
        ("三包", None),  # characters common to both scripts say nothing
        ("我想book個service", "zh-Hant"),
        ("ok", "en"),
        ("?", None),
    ],
)
def test_detect_script(text: str, script: str | None) -> None:
    assert detect_script(text) == script


@pytest.mark.parametrize(
    ("explicit", "written", "code", "expected"),
    [
        ("en", "zh-Hans", "zh-hant", "en"),  # an explicit choice wins
        (None, "zh-Hans", "en", "zh-Hans"),  # then the script just written
        (None, None, "zh-cn", "zh-Hans"),  # then Telegram's language_code
        (None, None, "en-US", "en"),
        (None, None, "de", "zh-Hant"),  # then the default
        ("xx", None, None, "zh-Hant"),  # a corrupt stored choice is ignored
    ],
)
def test_choose_locale(explicit: str | None, written: str | None, code: str | None, expected: str) -> None:
    assert choose_locale(explicit, written, code) == expected  # type: ignore[arg-type]


def test_ambiguous_chinese_keeps_the_customers_script() -> None:
    assert written_locale("三包", "zh-Hans", None) == "zh-Hans"
    assert written_locale("三包", None, "zh-cn") == "zh-Hans"
    assert written_locale("三包", None, "en") == "zh-Hant"
    assert written_locale("warranty", None, None) == "en"  # a new customer writing English
    for token in ("warranty", "ok", "skip", "abc", "next Monday", "CR-V"):  # not a change of language
        assert written_locale(token, "zh-Hans", None) is None, token
    assert written_locale("how much is it?", "zh-Hant", None) == "en"
    assert written_locale("talk to a human", "zh-Hant", None) == "en"


@pytest.mark.parametrize(
    ("code", "locale"),
    [("zh-hans", "zh-Hans"), ("zh-TW", "zh-Hant"), ("zh", "zh-Hant"), ("en-GB", "en"), ("fr", None), (None, None)],
)
def test_language_code(code: str | None, locale: str | None) -> None:
    assert from_language_code(code) == locale
