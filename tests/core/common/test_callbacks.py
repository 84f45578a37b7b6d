"""Callback data is bound to its user, fits in 64 bytes, and forged data is refused."""

from __future__ import annotations

import pytest

from bot.core.common.callbacks import MAX_BYTES, CallbackCodec, derive_secret

codec = CallbackCodec(derive_secret(None, "123:abc"))


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
        "faq:show:tyres:AAAAAAAA",
        "x" * 65,
        ":::",
    ],
)
def test_forged_or_malformed_data_is_refused(data: str | None) -> None:
    assert codec.unpack(42, data) is None


def test_another_users_button_is_refused() -> None:
    assert codec.unpack(43, codec.pack(42, "menu", "book")) is None


def test_tampered_argument_is_refused() -> None:
    data = codec.pack(42, "faq", "show", "tyres")
    assert codec.unpack(42, data.replace("tyres", "brake")) is None


def test_other_deployment_secret_is_refused() -> None:
    other = CallbackCodec(derive_secret(None, "999:zzz"))
    assert other.unpack(42, codec.pack(42, "menu", "book")) is None


def test_packing_refuses_what_telegram_would() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        codec.pack(1, "faq", "show", "長" * 20)
    with pytest.raises(ValueError, match="':'"):
        codec.pack(1, "faq", "show", "a:b")
