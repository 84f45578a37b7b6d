"""Phone numbers, licence plates, VINs and makes as people and spreadsheets write them, in one stored form.

- Phones become E.164 (`+8613800138000`). A number without a country code is read in the configured region
  (setting `phone_region`, default CN); if that is not a valid number there, it is tried once more as an
  international number without its "+" (`852 9123 4567`, or Telegram's `8613800138000`), then in the
  region's neighbours (mainland China, Hong Kong, Macau, Taiwan: customers cross those borders), taken only
  when exactly one of them reads it as a valid mobile number (`0912-345-678` is a Taiwan mobile). Landlines
  count in the configured region and with a country code.
- Mainland plates become `粤B12345` (shown as `粤B·12345`): province character, issuing letter, then 5 letters
  or digits (6 for new-energy cars; the last may be 挂/学/警/港/澳…). Spaces, dots and `·` go, full-width
  letters and digits become half-width, Traditional province characters (粵, 滬) become Simplified.
- Hong Kong, Macau and Taiwan plates are accepted loosely: 2-8 letters and digits with at least one of each
  (`AB 1234`, `ABC-1234`, `MA-12-34`); HK vanity plates without a digit are refused as likely garbage. A dealer
  in mainland China (region CN) refuses what is a mainland plate but for its province character and cannot be
  one of those (`B12345`, `BD12345`: more than 4 digits, or letters and digits mixed): a plate typed without its
  province, which stored would never match the dealer's records.
- A VIN has 17 letters and digits without I, O or Q. The check digit is not enforced: grey imports and
  some older records do not carry one.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from bot.core.common.numbers import TYPED_LIMIT
from bot.core.common.text import to_simplified

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_MAINLAND = re.compile(rf"[{PROVINCES}][A-Z](?:[A-Z0-9]{{5,6}}|[A-Z0-9]{{4}}[挂学警港澳领试超])")
_LOOSE = re.compile(r"(?=[A-Z0-9]*[A-Z])(?=[A-Z0-9]*[0-9])[A-Z0-9]{2,8}")
# Hong Kong (AB1234), Macau (MA1234) and Taiwan (ABC1234, 1234AB) plates: letters then at most 4 digits, or
# the other way round.
_NEIGHBOUR_SHAPE = re.compile(r"[A-Z]{1,3}[0-9]{1,4}|[0-9]{1,4}[A-Z]{1,3}")
_PLATE_NOISE = re.compile(r"[\s.·•・‧∙\-_/]")
_VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
_VIN_NOISE = re.compile(r"[\s\-_.]")
_PHONE_NOISE = re.compile(r"[\s\-().]")
# Fast path for the common case, a mainland mobile: the same pattern phonenumbers validates it with, applied
# directly (the full parse costs ~35 µs a number, a third of an import's time).
_CN_MOBILE_INPUT = re.compile(r"(\+86|0086|86)?(1[0-9]{10})")
_CN_MOBILE = re.compile(phonenumbers.PhoneMetadata.metadata_for_region("CN").mobile.national_number_pattern)
_CJK = re.compile(r"[\u3400-\u9fff]")
# Where a number written without its country code may also come from, by the dealer's region.
_NEIGHBOURS = ("CN", "HK", "MO", "TW")
PHONE_EXAMPLES = "13800138000, +86 138 0013 8000, +852 9123 4567, +886 912 345 678"

# Folded spelling (Simplified, lower case, no spaces) → the brand name used in knowledge/dealer.yaml.
_MAKES = {
    "toyota": "Toyota", "丰田": "Toyota", "广汽丰田": "Toyota", "一汽丰田": "Toyota",
    "honda": "Honda", "本田": "Honda", "广汽本田": "Honda", "东风本田": "Honda",
    "nissan": "Nissan", "日产": "Nissan", "东风日产": "Nissan",
    "lexus": "Lexus", "雷克萨斯": "Lexus", "凌志": "Lexus",
}


KNOWN_MAKES = frozenset(_MAKES.values())
OTHER_MAKE = "Other"  # a make the dealer does not service, chosen with the "other" button or typed so
_OTHER_WORDS = {"other", "others", "其他", "其它", "别的", "其他品牌"}


def known_make(raw: str, brands: tuple[str, ...] | list[str] = ()) -> str | None:
    """The make as stored when it is one the bot knows (or the dealer's `brands`), OTHER_MAKE for "other";
    None for anything else (a make typed in the chat is never stored as written: advisors would read it)."""
    try:
        canonical = canonical_make(raw)
    except RecordError:
        return None
    if to_simplified(canonical).casefold().replace(" ", "") in _OTHER_WORDS or canonical == OTHER_MAKE:
        return OTHER_MAKE
    by_name = {make.casefold(): make for make in (*KNOWN_MAKES, *brands)}
    return by_name.get(canonical.casefold())


class RecordError(ValueError):
    """A value that cannot be stored, with the field it belongs to and a message meant for a person."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def normalise_phone(raw: str, region: str = "CN") -> str:
    """The number in E.164, or RecordError("phone", …) when it is not a valid number."""
    if len(raw) > TYPED_LIMIT:
        raise RecordError("phone", f"is longer than {TYPED_LIMIT} characters")
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        raise RecordError("phone", "is empty")
    compact = _PHONE_NOISE.sub("", text)
    mobile = _CN_MOBILE_INPUT.fullmatch(compact)
    if mobile and (region == "CN" or mobile.group(1) == "+86") and _CN_MOBILE.fullmatch(mobile.group(2)):
        return "+86" + mobile.group(2)
    candidates = [text]
    if not compact.startswith("+") and not compact.startswith("00"):
        candidates.append("+" + compact)
    for candidate in candidates:
        if (found := _valid(candidate, region)) is not None:
            return found
    if not compact.startswith(("+", "00")):
        readings = {found for other in _NEIGHBOURS if other != region and (found := _valid(text, other, mobile=True))}
        if len(readings) == 1:
            return readings.pop()
        if len(readings) > 1:
            raise RecordError("phone", f"{raw.strip()!r} could be in more than one place: add the country code "
                                       f"(e.g. {PHONE_EXAMPLES})")  # fmt: skip
    raise RecordError("phone", f"{raw.strip()!r} is not a valid phone number (e.g. {PHONE_EXAMPLES})")


_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _valid(text: str, region: str, *, mobile: bool = False) -> str | None:
    """`text` read in `region` in E.164, if it is a valid number there (and a mobile one, with `mobile`: a
    landline without its area code is too easily another region's landline)."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if mobile and phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _plate_text(raw: str) -> str:
    return _PLATE_NOISE.sub("", to_simplified(unicodedata.normalize("NFKC", raw)).upper())


def lacks_province(raw: str) -> bool:
    """Whether `raw` is a mainland plate but for its province character and no Hong Kong, Macau or Taiwan plate
    (`B12345`, `b·d12345`; not `AB 1234`)."""
    text = _plate_text(raw[:TYPED_LIMIT])
    if not text or _LOOSE.fullmatch(text) is None or _NEIGHBOUR_SHAPE.fullmatch(text):
        return False
    return _MAINLAND.fullmatch(PROVINCES[0] + text) is not None


def is_mainland_plate(raw: str) -> bool:
    """Whether `raw` is a mainland plate, province character and all (`粤B 12345`): text that can be nothing else."""
    return len(raw) <= TYPED_LIMIT and _MAINLAND.fullmatch(_plate_text(raw)) is not None


def reads_as_plate(raw: str) -> bool:
    """Whether the whole of `raw` is a plate with digits in it (粤B12345, AB 1234, B12345), not a word."""
    if len(raw) > TYPED_LIMIT or not any(ch.isdigit() for ch in raw):
        return False
    text = _plate_text(raw)
    return _MAINLAND.fullmatch(text) is not None or _LOOSE.fullmatch(text) is not None


def normalise_plate(raw: str, region: str | None = None) -> str:
    """The plate in its stored form (`粤B12345`, `AB1234`), or RecordError("plate", …). With the dealer's
    `region` "CN", a mainland plate without its province character is refused (`lacks_province`)."""
    if len(raw) > TYPED_LIMIT:
        raise RecordError("plate", f"is longer than {TYPED_LIMIT} characters")
    text = _plate_text(raw)
    if not text:
        raise RecordError("plate", "is empty")
    if region == "CN" and lacks_province(text):
        raise RecordError("plate", f"{raw.strip()!r} has no province character: a mainland plate starts with one, "
                                   f"e.g. 粤B·12345")  # fmt: skip
    if _MAINLAND.fullmatch(text) or _LOOSE.fullmatch(text):
        return text
    if text[0] in PROVINCES:
        reason = "a mainland plate is a province, a letter and 5 or 6 letters or digits, e.g. 粤B·12345"
    elif _CJK.search(text):
        reason = f"{text[0]!r} does not start a mainland plate (粤, 京, 沪…), e.g. 粤B·12345"
    else:
        reason = "a plate has 2 to 8 letters and digits, with at least one digit, e.g. 粤B·12345 or AB 1234"
    raise RecordError("plate", f"{raw.strip()!r} is not a licence plate: {reason}")


def format_plate(plate: str) -> str:
    """How a stored plate is shown: `粤B·12345` for mainland plates, others as stored."""
    return f"{plate[:2]}·{plate[2:]}" if plate and plate[0] in PROVINCES else plate


def normalise_vin(raw: str) -> str:
    """The VIN upper-case without spaces or dashes, or RecordError("vin", …)."""
    if len(raw) > TYPED_LIMIT:
        raise RecordError("vin", f"is longer than {TYPED_LIMIT} characters")
    text = _VIN_NOISE.sub("", unicodedata.normalize("NFKC", raw)).upper()
    if len(text) != 17:
        raise RecordError("vin", f"{raw.strip()!r} has {len(text)} characters; a VIN has 17")
    if not _VIN.fullmatch(text):
        if set(text) & set("IOQ"):
            raise RecordError("vin", f"{text!r} contains I, O or Q, which a VIN never does (1 or 0 meant?)")
        raise RecordError("vin", f"{text!r}: a VIN has only letters and digits")
    return text


def canonical_make(raw: str) -> str:
    """The brand as knowledge/dealer.yaml spells it (丰田/豐田/toyota → Toyota); unknown makes as written."""
    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not text:
        raise RecordError("make", "is empty")
    if len(text) > 64:
        raise RecordError("make", "is longer than 64 characters")
    return _MAKES.get(to_simplified(text).casefold().replace(" ", ""), text)
