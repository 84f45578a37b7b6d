"""Numbers as customers type them: full-width digits, Chinese numerals, thousands separators, 萬/千/k.

`normalise` turns a message into lower-case half-width text whose Chinese numerals are ASCII digits, so the
date and amount readers only deal with one form: "二〇二四年三月一日" → "2024年3月1日", "兩週前" → "2周前",
"三千五" → "3500". A lone 千/万/十 after ASCII digits is left alone ("1.2萬" stays a number and a unit).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

MAX_PRICE = Decimal(100_000_000)
# No date, amount, time, plate or phone a customer types is longer; longer text is refused before any regular
# expression or numeral conversion sees it, so a 4,096-character message costs nothing (issue 12, item 13).
TYPED_LIMIT = 100


def too_long(text: str) -> bool:
    """Whether `text` is longer than any value the parsers read (they then return None at once)."""
    return len(text) > TYPED_LIMIT

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
# Traditional forms folded to one spelling, so patterns name each word once.
_FOLD = str.maketrans("兩萬個週號國禮後約點", "两万个周号国礼后约点")
# A run of Chinese numerals; of the bare units only 十 is a number on its own (十月), 千/百/万 stay units.
_NUMERAL_RUN = re.compile(r"[〇零一二两三四五六七八九十百千万]+")
_GROUP_SEPARATOR = re.compile(r"(?<=\d)[,，' _](?=\d{3}(?!\d))")
_QUANTITY = re.compile(r"(\d+(?:\.\d+)?)(?:(k|千|万|w)(\d+)?(千)?)?")
_MULTIPLIERS = {"k": 1000, "千": 1000, "万": 10_000, "w": 10_000}


def chinese_numeral(run: str) -> int | None:
    """The value of a run of Chinese numerals, or None when it is not a number.

    Digit strings read digit by digit ("二〇二四" = 2024); with units they read positionally ("三十一" = 31,
    "一万两千" = 12000), and a trailing digit after a unit is the next place down as people say it
    ("一万二" = 12000, "三千五" = 3500) unless a 零 came before it ("一千零五" = 1005).
    """
    if not any(char in _UNITS or char == "万" for char in run):
        if any(char not in _DIGITS for char in run):
            return None
        return int("".join(str(_DIGITS[char]) for char in run)) if len(run) <= TYPED_LIMIT else None
    total, section, digit, last_unit, zero_gap = 0, 0, None, 0, False
    for char in run:
        if char in "〇零":
            zero_gap = True
        elif char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _UNITS:
            unit = _UNITS[char]
            section += (1 if digit is None and unit == 10 else digit or 0) * unit
            digit, last_unit, zero_gap = None, unit, False
        else:  # 万
            total += (section + (digit or 0)) * 10_000
            section, digit, last_unit, zero_gap = 0, None, 10_000, False
    if digit is not None:
        section += digit * (last_unit // 10 if last_unit and not zero_gap else 1)
    return total + section


def _convert_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if run in {"千", "万", "百"}:
        return run
    if len(run) > TYPED_LIMIT:  # a digit string no reader takes: left as written (and not a huge int)
        return run
    value = chinese_numeral(run)
    return run if value is None else str(value)


def normalise(text: str) -> str:
    """Half-width, lower case, one spelling for Traditional variants, Chinese numerals as ASCII digits."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    text = _NUMERAL_RUN.sub(_convert_run, text)
    return _GROUP_SEPARATOR.sub("", text).strip()


def read_quantity(text: str, units: str) -> Decimal | None:
    """A non-negative amount with an optional multiplier (k, 千, 萬/万, w) and an optional unit.

    `units` is a regular expression of the unit words to accept and drop ("km|公里"); "about", "约" and the
    like are ignored. "1.2萬公里" → 12000, "12,000 km" → 12000, "12k" → 12000, "1万2" → 12000.
    """
    if too_long(text):
        return None
    cleaned = normalise(text)
    cleaned = re.sub(r"^(about|around|approx\.?|roughly|大约|大概|约|差不多|~|≈)\s*", "", cleaned)
    cleaned = re.sub(r"\s*(左右|上下|多|\+)$", "", cleaned)
    cleaned = re.sub(rf"\s*(?:{units})\s*$", "", cleaned) if units else cleaned
    cleaned = re.sub(r"\s+", "", cleaned)
    match = _QUANTITY.fullmatch(cleaned)
    if match is None:
        return None
    number, multiplier, tail, tail_thousands = match.groups()
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None
    if multiplier:
        scale = _MULTIPLIERS[multiplier]
        value *= scale
        if tail:
            # "1万2" is 12,000 and "3k5" is 3,500: one digit after the unit is the next place down.
            place = 1000 if tail_thousands else (scale // 10 if len(tail) == 1 else 1)
            value += Decimal(tail) * place
    return value


def parse_price(text: str) -> Decimal | None:
    """The car's price in yuan: "200000", "¥200,000", "20萬", "20万元", "200k"."""
    cleaned = re.sub(r"^\s*(¥|￥|rmb|cny)\s*", "", text.strip(), flags=re.IGNORECASE)
    value = read_quantity(cleaned, r"元|块|塊|rmb|cny|yuan|人民币|人民幣")
    return value if value is not None and 0 < value <= MAX_PRICE else None


def parse_coefficient(text: str, maximum: Decimal) -> Decimal | None:
    """The usage coefficient n as a fraction: "0.5%", "千分之五", "0.005"; a bare "0.5" above the maximum is 0.5%."""
    if too_long(text):
        return None
    cleaned = normalise(text).replace(" ", "").replace("点", ".").removeprefix("n").lstrip("=")
    match = re.fullmatch(r"(千分之|百分之)?(\d+(?:\.\d+)?)(%|‰)?", cleaned)
    if match is None:
        return None
    try:
        value = Decimal(match[2])
    except InvalidOperation:
        return None
    if match[1] == "千分之" or match[3] == "‰":
        return value / 1000
    if match[1] == "百分之" or match[3] == "%" or value > maximum:
        return value / 100
    return value
