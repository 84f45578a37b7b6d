"""CALLBACK_SECRET: configured (at least 32 characters), or generated once and kept in the database so every
replica and every command signs with the same key — never derived from the bot token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot.core.common.callbacks import OFFLINE_SECRET
from bot.core.common.deployment_secrets import with_callback_secret
from bot.core.common.settings import ROOT
from bot.core.services import callback_codec
from tests.conftest import make_settings


def test_a_generated_secret_is_stored_once_and_shared(tmp_path: Path, database_url: str) -> None:
    first = with_callback_secret(make_settings(tmp_path, telegram_token="1:a", database_url=database_url))
    again = with_callback_secret(make_settings(tmp_path, telegram_token="2:rotated", database_url=database_url))
    assert first.callback_secret is not None and again.callback_secret is not None
    value = first.callback_secret.get_secret_value()
    assert len(value) >= 32 and value == again.callback_secret.get_secret_value()  # a token rotation keeps it
    button = callback_codec(first).pack(42, "rem", "book", "9", "svc")
    assert callback_codec(again).unpack(42, button) is not None  # another replica, another day: same key


def test_a_configured_secret_is_used_and_offline_keeps_the_local_key(tmp_path: Path) -> None:
    configured = make_settings(tmp_path, telegram_token="1:a", callback_secret="s" * 32)
    assert with_callback_secret(configured) is configured
    offline = make_settings(tmp_path)
    assert with_callback_secret(offline).callback_secret is None
    assert callback_codec(offline).pack(1, "menu", "book") == callback_codec(make_settings(tmp_path)).pack(
        1, "menu", "book"
    )
    assert callback_codec(configured)._secret == b"s" * 32 != OFFLINE_SECRET  # type: ignore[attr-defined]


def test_the_token_no_longer_decides_the_key(tmp_path: Path) -> None:
    one = callback_codec(make_settings(tmp_path, telegram_token="1:a", callback_secret="s" * 32))
    other = callback_codec(make_settings(tmp_path, telegram_token="2:b", callback_secret="s" * 32))
    assert other.unpack(42, one.pack(42, "menu", "book")) is not None


@pytest.mark.parametrize("name", ["callback_secret", "callback_secret_previous"])
def test_a_short_secret_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        make_settings(tmp_path, **{name: "too-short"})
    assert make_settings(tmp_path, **{name: " "}).model_dump()[name] is None  # blank means unset
    assert isinstance(make_settings(tmp_path, **{name: "x" * 32}).model_dump()[name], SecretStr)


def test_the_previous_secret_verifies_after_a_rotation(tmp_path: Path) -> None:
    old = callback_codec(make_settings(tmp_path, callback_secret="o" * 32))
    rotated = callback_codec(make_settings(tmp_path, callback_secret="n" * 32, callback_secret_previous="o" * 32))
    assert rotated.unpack(42, old.pack(42, "cmp", "stop", "3")) is not None


def test_run_refuses_a_short_secret_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "TELEGRAM_TOKEN": "42:never-used", "CALLBACK_SECRET": "short",
           "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("configuration error: CALLBACK_SECRET: ") and "32 characters" in line, line
    assert "short" not in line.replace("shorter", "")  # the value is never printed
