"""Text folding for matching and script detection for replies.

Folding makes the matcher script-agnostic: Traditional → Simplified (OpenCC), full-width → half-width and
compatibility forms (NFKC), lower case, punctuation to spaces, and polite filler removed ("請問", "please").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

from bot.core.common.locale import Locale

_T2S = opencc.OpenCC("t2s")
_S2T = opencc.OpenCC("s2t")

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{CJK}]")
_LATIN_WORD = re.compile(r"[a-zA-Z]{2,}")
# Everything that is not a letter, a digit or a CJK character separates words.
_SEPARATORS = re.compile(rf"[^0-9a-z{CJK}]+")
_SPACES = re.compile(r"\s+")

# Polite filler and greetings that carry no meaning for matching, in folded (Simplified, lower-case) form.
# Longest first, so "我想问一下" goes before "我想问".
_FILLER_ZH = sorted(
    {
        "请问一下",
        "请问",
        "我想问一下",
        "我想问问",
        "我想问",
        "想问一下",
        "想问问",
        "想问",
        "问一下",
        "想请教",
        "请教一下",
        "请教",
        "麻烦问一下",
        "麻烦你",
        "麻烦",
        "你好",
        "您好",
        "哈啰",
        "哈喽",
        "谢谢你",
        "谢谢",
        "唔该",
        "不好意思",
        "打扰了",
        "打扰一下",
        "帮我看看",
        "帮我查一下",
        "可以告诉我",
        "告诉我",
        "我想知道",
        "想知道",
        "小编",
        "客服",
    },
    key=len,
    reverse=True,
)
_FILLER_ZH_RE = re.compile("|".join(map(re.escape, _FILLER_ZH)))
_FILLER_EN = re.compile(
    r"\b(hi|hello|hey|dear|please|pls|plz|thanks|thank you|thx|excuse me|sorry|"
    r"can you tell me|could you tell me|i would like to know|i want to know|i wonder|"
    r"i have a question|quick question)\b"
)


def to_simplified(text: str) -> str:
    """Traditional → Simplified, leaving other text alone."""
    return _T2S.convert(text)


def to_traditional(text: str) -> str:
    """Simplified → Traditional, leaving other text alone."""
    return _S2T.convert(text)


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """The form questions are compared in: Simplified, half-width, lower case, no punctuation or filler."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _T2S.convert(text)
    text = _FILLER_ZH_RE.sub(" ", text)
    text = _FILLER_EN.sub(" ", text)
    text = _SEPARATORS.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def detect_script(text: str) -> Locale | None:
    """The locale a message is written in, when its script says so.

    Chinese text made only of characters common to both scripts (三包, 保修) is ambiguous: None, so the caller
    falls back to the customer's earlier choice or Telegram's language_code.
    """
    text = unicodedata.normalize("NFKC", text)
    han = _CJK_CHAR.findall(text)
    latin_words = len(_LATIN_WORD.findall(text))
    if latin_words > len(han):  # "what does 三包 mean" is English; "我想book個service" is Chinese
        return "en"
    if not han:
        return None
    chars = "".join(han)
    traditional = sum(1 for a, b in zip(chars, _T2S.convert(chars), strict=False) if a != b)
    simplified = sum(1 for a, b in zip(chars, _S2T.convert(chars), strict=False) if a != b)
    if traditional > simplified:
        return "zh-Hant"
    if simplified > traditional:
        return "zh-Hans"
    return None


def reads_as_english(text: str) -> bool:
    """Whether Latin text is a sentence rather than a token: "ok", "skip", "abc", "next Monday" or a model name
    typed by a customer who writes Chinese are not a change of language; "how much is it?" and "talk to a
    human" are."""
    words = _LATIN_WORD.findall(unicodedata.normalize("NFKC", text))
    return len(words) >= 3 or (len(words) >= 2 and text.rstrip().endswith("?"))


def is_chinese(text: str) -> bool:
    return bool(_CJK_CHAR.search(text))
