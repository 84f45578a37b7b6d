"""Callback data: `feature:action[:arg…]:<stamp>`, at most 64 bytes, bound to the user it was sent to.

The stamp is 13 characters: the signing key's id (1), the hour the button was made (4, base 36) and a truncated
HMAC of the user id, the data and the stamp (8), so a button pressed by anyone else, data forged by a client, or a
button older than its kind's age limit (BUTTON_MAX_AGE) is refused (STYLE.md, habit 7). Buttons are signed with
the current key; the previous key (CALLBACK_SECRET_PREVIOUS) still verifies what it signed, so a rotation does
not break the buttons of messages already sent or queued (docs/operations.md, "Rotating the callback secret").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

MAX_BYTES = 64
MIN_SECRET_CHARS = 32
_SIG_BYTES = 6  # 8 base64 characters: forging one takes ~2^48 tries
_SIG_CHARS = 8
_HOUR_CHARS = 4  # hours since 1970 in base 36: "zzzz" is the year 2161
_STAMP_CHARS = 1 + _HOUR_CHARS + _SIG_CHARS
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_URLSAFE = bytes.maketrans(b"+/", b"-_")  # base64.urlsafe_b64encode's alphabet
_FUTURE_SLACK_HOURS = 1  # replicas' clocks may differ a little

# How long a button keeps working, per kind: `feature` or `feature:action` (the more specific wins). A flow's
# own buttons live a day; buttons on messages a customer may read later live as long as the message is useful.
BUTTON_MAX_AGE: dict[str, timedelta] = {
    "bk": timedelta(days=1),  # the booking flow's steps and its confirm
    "bk:ok": timedelta(days=7),  # the day-before reminder's "I'm coming" / "reschedule"
    "bk:resched": timedelta(days=7),
    "wty": timedelta(days=1),  # the 三包 check's steps
    "priv": timedelta(days=1),  # /forget's confirmation
    "odo": timedelta(days=1),  # staff confirming an odometer reading (/odometer)
    "cmpa": timedelta(days=30),  # a marketer's wizard and the live progress message's pause / resume / cancel
    "rsd": timedelta(days=7),  # roadside: the customer's steps, the desk's claim / ETA / arrived / done
    "mycar": timedelta(days=7),  # /mycar's cards and the add-a-car flow
    "faq": timedelta(days=30),  # "did you mean" and the related questions under an answer
    "set": timedelta(days=30),  # /settings toggles
    "hc": timedelta(days=30),  # the customer's "end the conversation"
    "fu": timedelta(days=30),  # a follow-up's 1–5 rating
    "evci": timedelta(days=30),  # an advisor's event check-in
    "ev": timedelta(days=60),  # an invitation's RSVP (sent 14 days ahead; the waiting list moves later)
    "rem": timedelta(days=90),  # a reminder's "book now", odometer, snooze, "no longer my car": weeks later
    "appt": timedelta(days=120),  # the desk's booking cards (bookings are made weeks ahead)
    "ho": timedelta(days=365),  # the desk's ticket cards: a ticket may stay open for long
    "cmp": timedelta(days=365),  # a campaign's "no more offers": months later
    "menu": timedelta(days=365),  # the main menu and a campaign's "book now": they only open a flow
    "lang": timedelta(days=365),
}
DEFAULT_MAX_AGE = timedelta(days=7)


@dataclass(frozen=True)
class CallbackData:
    feature: str
    action: str
    args: tuple[str, ...] = ()

    @property
    def arg(self) -> str:
        return self.args[0] if self.args else ""


def max_age(feature: str, action: str) -> timedelta:
    """The age limit of a button of this kind (BUTTON_MAX_AGE)."""
    return BUTTON_MAX_AGE.get(f"{feature}:{action}") or BUTTON_MAX_AGE.get(feature) or DEFAULT_MAX_AGE


def key_id(secret: bytes) -> str:
    """One character naming the key (derived from it), so verification tries only the key that signed."""
    return _BASE36[hashlib.sha256(b"carebot-key-id|" + secret).digest()[0] % 36]


def _base36(value: int, width: int) -> str:
    digits = ""
    while value:
        value, digit = divmod(value, 36)
        digits = _BASE36[digit] + digits
    return digits.rjust(width, "0")[-width:]


class CallbackCodec:
    """Packs with the current key and verifies with the current and previous keys and the age limits."""

    def __init__(self, secret: bytes, previous: Sequence[bytes] = (), clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self._key_id = key_id(secret)
        self._keys = [secret, *(key for key in previous if key and key != secret)]
        # One keyed HMAC per key, copied for each signature: hmac.new hashes the key into its inner and outer
        # pads every time, and the reminder sweep signs four buttons a reminder (190,000 reminders after a
        # migration). The copy gives the same digest.
        self._macs = {key: hmac.new(key, digestmod=hashlib.sha256) for key in self._keys}
        self._clock = clock
        self._hour_stamp = (-1, "")  # the last hour signed in and the current key's stamp for it (one attribute)

    def _sign(self, secret: bytes, user_id: int, body: str, stamp: str) -> str:
        mac = self._macs[secret].copy()
        mac.update(f"{user_id}|{body}|{stamp}".encode())
        return base64.urlsafe_b64encode(mac.digest()[:_SIG_BYTES]).decode()

    def _hour(self) -> int:
        return int(self._clock() // 3600)

    def pack(self, user_id: int, feature: str, action: str, *args: str) -> str:
        parts = [feature, action, *args]
        if any(":" in part or not part for part in parts):
            raise ValueError(f"callback parts must be non-empty and free of ':' {parts}")
        body = ":".join(parts)
        hour, (cached_hour, stamp) = self._hour(), self._hour_stamp
        if hour != cached_hour:
            stamp = self._key_id + _base36(hour, _HOUR_CHARS)
            self._hour_stamp = (hour, stamp)
        data = f"{body}:{stamp}{self._sign(self._secret, user_id, body, stamp)}"
        if len(data) > MAX_BYTES or (not data.isascii() and len(data.encode()) > MAX_BYTES):
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    def pack_many(self, user_id: int, buttons: Sequence[Sequence[str]]) -> list[str]:
        """`pack(user_id, *parts)` for each button's parts, the same data: the hour and key read once (the reminder
        sweep signs four buttons a reminder, 760,000 after a migration at a million cars)."""
        hour, (cached_hour, stamp) = self._hour(), self._hour_stamp
        if hour != cached_hour:
            stamp = self._key_id + _base36(hour, _HOUR_CHARS)
            self._hour_stamp = (hour, stamp)
        keyed, signed = self._macs[self._secret], []
        for parts in buttons:
            if len(parts) < 2 or any(":" in part or not part for part in parts):
                raise ValueError(f"callback parts must be non-empty and free of ':' {parts}")
            body = ":".join(parts)
            mac = keyed.copy()
            mac.update(f"{user_id}|{body}|{stamp}".encode())
            signature = binascii.b2a_base64(mac.digest()[:_SIG_BYTES], newline=False).translate(_URLSAFE).decode()
            data = f"{body}:{stamp}{signature}"  # what _sign gives, without base64's Python-level wrappers
            if len(data) > MAX_BYTES or (not data.isascii() and len(data.encode()) > MAX_BYTES):
                raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
            signed.append(data)
        return signed

    def unpack(self, user_id: int, data: str | None) -> CallbackData | None:
        """The parsed data, or None when it is malformed, was not made for this user, or has expired."""
        if not data or len(data.encode()) > MAX_BYTES:
            return None
        body, _, tail = data.rpartition(":")
        parts = body.split(":")
        if len(parts) < 2 or len(tail) != _STAMP_CHARS or any(c not in _BASE36 for c in tail[: 1 + _HOUR_CHARS]):
            return None
        stamp, signature = tail[: 1 + _HOUR_CHARS], tail[1 + _HOUR_CHARS :]
        if not any(
            key_id(key) == stamp[0] and hmac.compare_digest(signature, self._sign(key, user_id, body, stamp))
            for key in self._keys
        ):
            return None
        age_hours = self._hour() - int(stamp[1:], 36)
        if age_hours < -_FUTURE_SLACK_HOURS or timedelta(hours=age_hours) > max_age(parts[0], parts[1]):
            return None
        return CallbackData(parts[0], parts[1], tuple(parts[2:]))


OFFLINE_SECRET = hashlib.sha256(b"carebot-callback|carebot-offline-chat").digest()


def new_secret() -> str:
    """A fresh random secret (43 URL-safe characters) for a deployment that set none."""
    return secrets.token_urlsafe(32)
