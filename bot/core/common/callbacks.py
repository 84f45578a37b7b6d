"""Callback data: `feature:action[:arg]:sig`, at most 64 bytes, bound to the user it was sent to.

The signature is a truncated HMAC of the user id and the data, so a button pressed by anyone else, or data
forged by a client, is refused (STYLE.md, habit 7).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

MAX_BYTES = 64
_SIG_BYTES = 6  # 8 base64 characters: forging one takes ~2^48 tries


@dataclass(frozen=True)
class CallbackData:
    feature: str
    action: str
    args: tuple[str, ...] = ()

    @property
    def arg(self) -> str:
        return self.args[0] if self.args else ""


class CallbackCodec:
    """Packs and verifies callback data with one secret per deployment."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _sign(self, user_id: int, body: str) -> str:
        digest = hmac.new(self._secret, f"{user_id}|{body}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:_SIG_BYTES]).decode()

    def pack(self, user_id: int, feature: str, action: str, *args: str) -> str:
        parts = [feature, action, *args]
        if any(":" in part or not part for part in parts):
            raise ValueError(f"callback parts must be non-empty and free of ':' {parts}")
        body = ":".join(parts)
        data = f"{body}:{self._sign(user_id, body)}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    def unpack(self, user_id: int, data: str | None) -> CallbackData | None:
        """The parsed data, or None when it is malformed or was not made for this user."""
        if not data or len(data.encode()) > MAX_BYTES:
            return None
        body, _, signature = data.rpartition(":")
        parts = body.split(":")
        if len(parts) < 2 or not hmac.compare_digest(signature, self._sign(user_id, body)):
            return None
        return CallbackData(parts[0], parts[1], tuple(parts[2:]))


def derive_secret(explicit: str | None, token: str | None) -> bytes:
    """CALLBACK_SECRET if set, else derived from the bot token; offline chat uses a fixed local key."""
    if explicit:
        return explicit.encode()
    seed = token or "carebot-offline-chat"
    return hashlib.sha256(f"carebot-callback|{seed}".encode()).digest()
