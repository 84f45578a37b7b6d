"""End to end: `python -m bot run` as a real process, talking HTTP to the loopback Bot API server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.common.settings import ROOT
from bot.db.common.migrate import upgrade
from tests.botapi.server import FakeBotApiServer

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server() -> Iterator[FakeBotApiServer]:
    with FakeBotApiServer() as fake:
        yield fake


def _start_bot(server: FakeBotApiServer, tmp_path: Path, **extra: str) -> subprocess.Popen[bytes]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}"
    upgrade(database_url)
    env = {
        **os.environ,
        "TELEGRAM_TOKEN": server.token,
        "TELEGRAM_BASE_URL": server.base_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO",
        **extra,
    }
    log = (tmp_path / "bot.log").open("wb")
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log, stderr=log)


def _stop(process: subprocess.Popen[bytes], tmp_path: Path) -> str:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return (tmp_path / "bot.log").read_text(encoding="utf-8", errors="replace")


def _converse(server: FakeBotApiServer) -> int:
    """Four updates of a customer, each answered; the last one's id."""
    user = server.add_user(first_name="Lin", language_code="zh-hant")
    server.push_text(user.id, "/start")
    [welcome] = server.wait_for_messages(user.id, 1, timeout=20)
    assert "長青汽車服務中心" in welcome["text"]
    server.push_text(user.id, "三包有效期是多久")
    [answer] = server.wait_for_messages(user.id, 1, timeout=10)
    assert "三包有效期" in answer["text"] and answer.get("reply_markup")
    menu_button = answer["reply_markup"]["inline_keyboard"][-1][0]["callback_data"]
    server.push_callback(user.id, answer["message_id"], menu_button)
    [menu] = server.wait_for_messages(user.id, 1, timeout=10)
    assert menu.get("reply_markup")
    last = server.push_text(user.id, "how often should i service my car")
    [english] = server.wait_for_messages(user.id, 1, timeout=10)
    assert "whichever comes first" in english["text"]
    return int(last["update_id"])


def test_polling_conversation(server: FakeBotApiServer, tmp_path: Path) -> None:
    process = _start_bot(server, tmp_path)
    try:
        _converse(server)
        commands = server.calls("setMyCommands")
        assert {call.params.get("language_code") for call in commands} == {None, "zh", "en"}
    finally:
        log = _stop(process, tmp_path)
    assert server.token not in log, "the token must never be logged"
    assert "Traceback" not in log, log


def test_webhook_conversation_checks_the_secret(server: FakeBotApiServer, tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    process = _start_bot(server, tmp_path, WEBHOOK_URL=url, WEBHOOK_SECRET="s3cret-token_value",
                         WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port))
    try:
        server.wait_for_call("setWebhook", timeout=20)
        last = _converse(server)
        forged = urllib.request.Request(url, data=b'{"update_id": 1}', method="POST",
                                        headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=5)
        assert refused.value.code == 403
        server.wait_for_webhook_delivery(last, timeout=10)  # answered once handled: just after the reply
        deliveries = server.webhook_deliveries
        assert len({d.update_id for d in deliveries if d.status == 200}) == 4  # early tries may meet a closed port
        assert {d.secret_token for d in deliveries} == {"s3cret-token_value"}
    finally:
        _stop(process, tmp_path)


def test_a_refused_token_gets_a_clear_message(server: FakeBotApiServer, tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'bad.db'}"
    upgrade(database_url)
    env = {**os.environ, "TELEGRAM_TOKEN": "42:not-the-servers-token", "TELEGRAM_BASE_URL": server.base_url,
           "DATABASE_URL": database_url}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "Telegram refused the token" in result.stderr
    assert "not-the-servers-token" not in result.stderr + result.stdout
