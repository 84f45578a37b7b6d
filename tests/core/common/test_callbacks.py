"""Callback data is bound to its user, fits in 64 bytes, expires per kind, survives a key rotation, and forged
data is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.common.callbacks import (
    BUTTON_MAX_AGE,
    DEFAULT_MAX_AGE,
    MAX_BYTES,
    CallbackCodec,
    CallbackData,
    key_id,
    max_age,
)

KEY = b"k" * 32
NOW = 1_796_000_000.0  # 2026-12-0x


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta.total_seconds()


clock = Clock()
codec = CallbackCodec(KEY, clock=clock)


def test_round_trip() -> None:
    data = codec.pack(42, "faq", "show", "dealer_vs_garage_after_warranty")
    assert len(data.encode()) <= MAX_BYTES
    parsed = codec.unpack(42, data)
    assert parsed is not None and (parsed.feature, parsed.action, parsed.arg) == (
        "faq",
        "show",
        "dealer_vs_garage_after_warranty",
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "faq:show:tyres",
        "faq:show:tyres:AAAAAAAA",  # the format before key versions and ages: refused as expired
        "faq:show:tyres:aaaaaAAAAAAAA",
        "faq:show:tyres:-!!!!AAAAAAAA",
        "x" * 65,
        ":::",
    ],
)
def test_forged_or_malformed_data_is_refused(data: str | None) -> None:
    assert codec.unpack(42, data) is None


def test_another_users_button_is_refused() -> None:
    assert codec.unpack(43, codec.pack(42, "menu", "book")) is None


def test_tampered_argument_or_stamp_is_refused() -> None:
    data = codec.pack(42, "faq", "show", "tyres")
    assert codec.unpack(42, data.replace("tyres", "brake")) is None
    body, _, tail = data.rpartition(":")
    later_hour = tail[0] + format(int(tail[1:5], 36) + 1, "x")[-4:].rjust(4, "0") + tail[5:]
    assert codec.unpack(42, f"{body}:{later_hour}") is None  # a stamp moved forward to extend its life


def test_other_deployment_secret_is_refused() -> None:
    other = CallbackCodec(b"o" * 32, clock=clock)
    assert other.unpack(42, codec.pack(42, "menu", "book")) is None


def test_packing_refuses_what_telegram_would() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        codec.pack(1, "faq", "show", "長" * 20)
    with pytest.raises(ValueError, match="':'"):
        codec.pack(1, "faq", "show", "a:b")


@pytest.mark.parametrize(
    ("feature", "action", "lives"),
    [
        ("bk", "confirm", timedelta(days=1)),  # a booking's confirm: a day
        ("bk", "ok", timedelta(days=7)),  # the day-before reminder's "I'm coming"
        ("rem", "book", timedelta(days=90)),  # a reminder's "book now": weeks
        ("cmp", "stop", timedelta(days=365)),  # a campaign's "no more offers": months
        ("zz", "new", DEFAULT_MAX_AGE),
    ],
)
def test_a_button_expires_after_its_kinds_age(feature: str, action: str, lives: timedelta) -> None:
    assert max_age(feature, action) == lives
    moment = Clock()
    aging = CallbackCodec(KEY, clock=moment)
    data = aging.pack(42, feature, action, "7")
    moment.advance(lives - timedelta(hours=1))
    assert aging.unpack(42, data) is not None
    moment.advance(timedelta(hours=2))
    assert aging.unpack(42, data) is None


def test_each_button_is_signed_on_its_own_for_the_hour_it_is_made() -> None:
    """The codec keeps a keyed HMAC and the hour's stamp between buttons: neither may leak into the next one."""
    moment = Clock()
    signer = CallbackCodec(KEY, clock=moment)
    first = signer.pack(42, "bk", "day", "7")
    assert signer.pack(42, "bk", "day", "7") == first  # the same button again: the same signature
    body, stamp = "bk:day:7", first.rsplit(":", 1)[1][:5]
    reference = hmac.new(KEY, f"42|{body}|{stamp}".encode(), hashlib.sha256).digest()[:6]
    assert first == f"{body}:{stamp}{base64.urlsafe_b64encode(reference).decode()}"  # the documented format
    moment.advance(timedelta(hours=20))
    later = signer.pack(42, "bk", "day", "7")
    assert later == CallbackCodec(KEY, clock=moment).pack(42, "bk", "day", "7") != first
    moment.advance(timedelta(hours=10))  # the first is 30 hours old, the later one 10: a booking step lives a day
    assert signer.unpack(42, first) is None and signer.unpack(42, later) is not None


def test_a_button_from_the_future_is_refused() -> None:
    ahead = Clock(NOW + 3 * 3600)
    assert codec.unpack(42, CallbackCodec(KEY, clock=ahead).pack(42, "menu", "book")) is None


def test_rotation_the_previous_key_still_verifies_and_new_buttons_use_the_new_key() -> None:
    old_key, new_key = b"a" * 32, b"e" * 32
    before = CallbackCodec(old_key, clock=clock).pack(42, "rem", "book", "9", "svc")
    rotated = CallbackCodec(new_key, previous=[old_key], clock=clock)
    assert rotated.unpack(42, before) is not None
    fresh = rotated.pack(42, "rem", "book", "9", "svc")
    assert fresh.rpartition(":")[2][0] == key_id(new_key) != key_id(old_key)
    assert CallbackCodec(new_key, clock=clock).unpack(42, fresh) is not None  # the old key can be dropped later
    assert CallbackCodec(new_key, clock=clock).unpack(42, before) is None  # …which ends the old buttons


def test_rotation_works_when_both_keys_share_an_id() -> None:
    old_key, new_key = b"c" * 32, b"d" * 32  # one character of id: 1 in 36 rotations collide
    assert key_id(old_key) == key_id(new_key)
    before = CallbackCodec(old_key, clock=clock).pack(42, "menu", "book")
    assert CallbackCodec(new_key, previous=[old_key], clock=clock).unpack(42, before) is not None


def test_every_button_kind_the_bot_makes_has_an_age() -> None:
    """Each callback prefix the bot defines or listens for is in BUTTON_MAX_AGE (not left to the default)."""
    bot = Path(__file__).resolve().parents[3] / "bot"
    source = "\n".join(path.read_text(encoding="utf-8") for path in bot.rglob("*.py"))
    prefixes = set(re.findall(r'^\w*FEATURE = "([a-z]+)"', source, re.M))  # every feature's callback prefix
    prefixes |= set(re.findall(r'pattern=r"\^([a-z]+):', source))  # and the literal ones (menu, lang, faq, …)
    assert len(prefixes) >= 15
    assert prefixes - set(BUTTON_MAX_AGE) == set()


# The longest data each kind can carry: the longest FAQ entry id, ids of 9 digits, Telegram user ids of 10.
LONGEST_KINDS = [
    ("faq", "show", "x" * 31),
    ("faq", "pick", "x" * 31),
    ("ho", "to", "999999999", "9999999999"),
    ("ho", "claim", "999999999"),
    ("ev", "rsvp", "999999999", "maybe", "999999999"),
    ("rem", "book", "999999999", "warranty"),
    ("rem", "goneyes", "999999999"),
    ("fu", "rate", "999999999", "5"),
    ("rsd", "eta", "999999999", "120"),
    ("appt", "resched", "999999999"),
    ("cmp", "stop", "999999999"),
    ("cmpa", "resume", "999999999"),
    ("evci", "999999999", "9999999999"),
    ("lang", "set", "zh-Hant"),
    ("set", "show", "x"),
]


@pytest.mark.parametrize("parts", LONGEST_KINDS, ids=lambda parts: ":".join(parts[:2]))
def test_every_kind_fits_in_64_bytes_for_the_largest_ids(parts: tuple[str, ...]) -> None:
    data = codec.pack(-1_009_999_999_999, *parts)  # the advisors' group id is the longest signer
    assert len(data.encode()) <= MAX_BYTES
    assert codec.unpack(-1_009_999_999_999, data) is not None


def test_the_longest_faq_entry_id_fits() -> None:
    import yaml

    faq = yaml.safe_load((Path(__file__).resolve().parents[3] / "knowledge" / "faq.yaml").read_text("utf-8"))
    entries = faq["entries"] if isinstance(faq, dict) else faq
    longest = max((e["id"] for e in entries), key=len)
    assert len(codec.pack(42, "faq", "show", longest).encode()) <= MAX_BYTES


def test_pack_many_signs_each_button_as_pack_does_and_refuses_the_same_parts() -> None:
    one = CallbackCodec(KEY, clock=lambda: NOW)
    buttons = [("rem", "book", "12", "svc"), ("rem", "odo", "12"), ("faq", "show", "oil")]
    assert one.pack_many(42, buttons) == [one.pack(42, *parts) for parts in buttons]
    assert [one.unpack(42, data) for data in one.pack_many(42, buttons[:1])] == [
        CallbackData("rem", "book", ("12", "svc"))
    ]
    for bad in (("rem", "bo:ok"), ("rem", ""), ("rem",), ("rem", "x" * 60)):
        with pytest.raises(ValueError):
            one.pack_many(42, [bad])
