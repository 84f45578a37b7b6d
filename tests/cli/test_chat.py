"""`python -m bot chat`: the real handlers in a terminal; buttons numbered and pressed by their number."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.common.settings import ROOT
from bot.db.common.migrate import upgrade


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
    # The /start menu shows buttons [1] to [7]; the answer's first button ("預約") is the next number, [8].
    # A script that begins with /start gets the welcome once; piped lines are echoed after the prompt.
    lines = ["/start", "多久要保養一次", "8", "多久保养一次", "how often should i service my car", "/quit"]
    out = chat(tmp_path, lines)
    assert out.count("長青汽車服務中心") == 1  # the welcome shown at start, not twice
    assert "\n> /start\n(the chat began with /start" in out and "\n> 多久要保養一次\n" in out
    assert "[1] 💬 問問題" in out  # the menu, numbered
    assert "原廠保養手冊" in out  # Traditional answer
    assert "[8] 📅" in out and "請選擇服務項目" in out  # button 8, that answer's "預約", opens booking
    assert "保养手册" in out and "whichever comes first" in out


def test_pressing_a_number_that_is_no_button_is_just_text(tmp_path: Path) -> None:
    out = chat(tmp_path, ["99", "/quit"], "--lang", "en")
    assert "Sorry, I can't answer that one yet" in out or "not quite sure" in out


def test_every_live_button_keeps_its_number_and_only_the_chat_is_shown(tmp_path: Path) -> None:
    # The menu's [2] ("book") is still pressable after three more lines; :buttons lists what is live; :say sends
    # a number as text; the greeting uses the demo customer's name; the log goes to a file, not into the chat.
    out = chat(tmp_path, ["hello", "what are your opening hours", ":buttons", ":say 2", "2", "/quit"], "--lang", "en")
    assert "Hello 志強!" in out and "  [2] 📅 Book a service\n" in out
    assert "  [2] 📅 Book a service  (private chat)" in out  # listed by :buttons
    said, pressed = out.split("  (private chat)")[-1].split("What would you like done?")
    assert "can't answer that one yet" in said  # ":say 2" was the text "2", a question to the FAQ, not a press
    assert "[1] 💬" not in pressed.split("\n> ")[0]  # and the last "2" pressed the menu's booking button
    assert " INFO " not in out and "alembic" not in out.lower()


def test_run_without_a_token_explains_and_chats(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'run.db'}"
    upgrade(database)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, input="/quit\n", capture_output=True, text=True,
        timeout=120, env={**os.environ, "DATABASE_URL": database, "TELEGRAM_TOKEN": ""},
    )
    assert result.returncode == 0
    assert "No TELEGRAM_TOKEN is set" in result.stdout and "@BotFather" in result.stdout


def test_request_contact_and_location_buttons_send_what_telegram_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.app import build_application
    from bot.cli.chat import DEMO_LOCATION, DEMO_PHONE, TerminalBotApi, TerminalChat
    from tests.conftest import make_settings

    lines: list[str] = []
    api = TerminalBotApi(chat_id=1_000_001, out=lines.append)
    chat = TerminalChat(build_application(make_settings(tmp_path), request=api), api, 1_000_001, "Mei", "en")
    rows = [[{"text": "📱 Share", "request_contact": True}], [{"text": "📍 Here", "request_location": True}], ["plain"]]
    keyboard = {"keyboard": rows, "one_time_keyboard": True}
    sent = api._answer("sendMessage", {"chat_id": 1_000_001, "text": "Share?", "reply_markup": keyboard})
    assert "reply_markup" not in sent  # Telegram returns only inline keyboards with the message
    assert "  [1] 📱 Share  (sends your contact)" in lines and "  [2] 📍 Here  (sends your location)" in lines
    contact = chat.update_for("1").effective_message.contact  # type: ignore[union-attr]
    assert contact is not None and (contact.phone_number, contact.user_id) == (DEMO_PHONE, 1_000_001)
    monkeypatch.setenv("CAREBOT_CHAT_PHONE", "+85291234567")
    assert chat.update_for("1").effective_message.contact.phone_number == "+85291234567"  # type: ignore[union-attr]
    location = chat.update_for("2").effective_message.location  # type: ignore[union-attr]
    assert location is not None and (location.latitude, location.longitude) == tuple(DEMO_LOCATION.values())
    assert chat.update_for("3").effective_message.text == "plain"  # type: ignore[union-attr]
    api._answer("sendMessage", {"chat_id": 1_000_001, "text": "ok", "reply_markup": {"remove_keyboard": True}})
    assert chat.update_for("1").effective_message.text == "1"  # type: ignore[union-attr]


def test_the_demo_contact_links_the_first_demo_customer(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    env = {**os.environ, "DATABASE_URL": database, "TELEGRAM_TOKEN": ""}
    env.pop("CAREBOT_CHAT_PHONE", None)
    setup = subprocess.run([sys.executable, "-m", "bot", "setup"], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=120)  # fmt: skip
    assert setup.returncode == 0, setup.stderr
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--lang", "en"], cwd=ROOT, input="/mycar\n8\n10\n/quit\n",
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert result.returncode == 0 and "Traceback" not in result.stdout + result.stderr
    # After the /start menu's [1]–[7]: [8] agrees to the notice, [10] is the share-contact button.
    assert "[8] ✅" in result.stdout and "[10] 📱" in result.stdout and "(sends your contact)" in result.stdout
    assert "Found your record with us: 2 cars" in result.stdout
    assert "粤B·A7453 Honda Accord" in result.stdout


def test_lang_greets_in_that_language_after_a_session_in_chinese(tmp_path: Path) -> None:
    out = chat(tmp_path, ["三包有效期是多久", "/quit"])  # no --lang: the customer writes Chinese
    assert "售後服務小幫手" in out
    again = chat(tmp_path, ["/quit"], "--lang", "en")  # the same database, Telegram now in English
    assert "after-sales assistant" in again and "售後服務小幫手" not in again
    chosen = chat(tmp_path, [":lang zh-hans", "/quit"], "--lang", "en")  # as /language: the choice is kept
    assert "after-sales assistant" in chosen
    assert "售后服务小帮手" in chat(tmp_path, ["/quit"], "--lang", "en")


def test_a_staff_members_private_chat_is_named_in_its_header() -> None:
    from bot.cli.chat_api import TerminalBotApi

    api = TerminalBotApi(chat_id=1, out=lambda _: None, chat_names={990_004: "Mia (marketing)"})
    assert api._header(1, None) is None  # the customer's chat, shown first: no header
    assert api._header(990_004, None) == "── Mia (marketing)'s private chat ──"
    assert api._header(777, None) == "── to chat 777 ──"
    assert api._header(1, None) == "── customer's private chat ──"
