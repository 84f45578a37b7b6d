"""`python -m bot chat`: the real handlers in a terminal; buttons numbered and pressed by their number."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.db.migrate import upgrade
from bot.settings import ROOT


def chat(tmp_path: Path, lines: list[str], *args: str) -> str:
    database = f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"
    upgrade(database)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", *args], cwd=ROOT, input="\n".join(lines) + "\n",
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "DATABASE_URL": database, "TELEGRAM_TOKEN": ""},
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_a_conversation_in_three_languages(tmp_path: Path) -> None:
    out = chat(tmp_path, ["多久要保養一次", "1", "多久保养一次", "how often should i service my car", "/quit"])
    assert "長青汽車服務中心" in out  # the welcome shown at start
    assert "[1] 💬 問問題" in out  # the menu, numbered
    assert "原廠保養手冊" in out  # Traditional answer
    assert "線上預約功能即將推出" in out  # button 1 of that answer ("預約") was pressed
    assert "保养手册" in out and "whichever comes first" in out


def test_pressing_a_number_that_is_no_button_is_just_text(tmp_path: Path) -> None:
    out = chat(tmp_path, ["99", "/quit"], "--lang", "en")
    assert "Sorry, I can't answer that one yet" in out or "not quite sure" in out


def test_run_without_a_token_explains_and_chats(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'run.db'}"
    upgrade(database)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, input="/quit\n", capture_output=True, text=True,
        timeout=120, env={**os.environ, "DATABASE_URL": database, "TELEGRAM_TOKEN": ""},
    )
    assert result.returncode == 0
    assert "No TELEGRAM_TOKEN is set" in result.stdout and "@BotFather" in result.stdout
