"""Locales and how a reply's locale is chosen (DESIGN.md, decision 5)."""

from __future__ import annotations

from typing import Literal, get_args

Locale = Literal["zh-Hant", "zh-Hans", "en"]
LOCALES: tuple[Locale, ...] = get_args(Locale)
DEFAULT_LOCALE: Locale = "zh-Hant"
# The languages' names as the /language buttons show them (labels.yaml `language_name`), and their other script:
# typed at the picker instead of pressed, a name is that button.
LANGUAGE_NAMES: dict[str, Locale] = {"繁體中文": "zh-Hant", "繁体中文": "zh-Hant", "简体中文": "zh-Hans",
                                     "簡體中文": "zh-Hans", "english": "en"}  # fmt: skip
TYPED_LANGUAGE = r"(?i)^\s*(" + "|".join(LANGUAGE_NAMES) + r")\s*$"


def from_language_code(code: str | None) -> Locale | None:
    """Map Telegram's IETF language_code to a locale; None when it says nothing we serve."""
    if not code:
        return None
    code = code.lower().replace("_", "-")
    if code in {"zh-hans", "zh-cn", "zh-sg", "zh-my"}:
        return "zh-Hans"
    if code.startswith("zh"):
        return "zh-Hant"
    if code.startswith("en"):
        return "en"
    return None


def choose_locale(
    explicit: str | None,
    written: Locale | None,
    language_code: str | None,
    default: Locale = DEFAULT_LOCALE,
) -> Locale:
    """Explicit choice > the script of the message just written > Telegram's language_code > default."""
    if explicit in LOCALES:
        return explicit  # type: ignore[return-value]
    if written is not None:
        return written
    return from_language_code(language_code) or default
