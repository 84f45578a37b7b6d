"""`python -m bot run` starts whole or not at all: it migrates a fresh database before its first update, and
refuses a broken knowledge file or an unreachable database with one line and exit code 2."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from bot.core.common.settings import ROOT
from tests.botapi.server import FakeBotApiServer
from tests.conftest import PG_URL, _pg_reachable
from tests.e2e.test_bot_over_http import _stop

pytestmark = pytest.mark.e2e


def _env(server: FakeBotApiServer, database_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "TELEGRAM_TOKEN": server.token, "TELEGRAM_BASE_URL": server.base_url,
            "DATABASE_URL": database_url, "LOG_LEVEL": "INFO", **extra}


def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    from bot.db.common.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def test_run_on_a_fresh_database_migrates_before_the_first_update(tmp_path: Path) -> None:
    database = tmp_path / "fresh.db"
    assert not database.exists()
    with FakeBotApiServer() as server:
        log = (tmp_path / "bot.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, stdout=log, stderr=log,
                                   env=_env(server, f"sqlite+aiosqlite:///{database}"))
        try:
            user = server.add_user(first_name="Wen", language_code="zh-hant")
            server.push_text(user.id, "/start")
            [welcome] = server.wait_for_messages(user.id, 1, timeout=30)
            assert "長青汽車服務中心" in welcome["text"]
        finally:
            text = _stop(process, tmp_path)
    assert "no such table" not in text and "Traceback" not in text, text
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (_head_revision(),)


def _broken_knowledge(tmp_path: Path) -> Path:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    dealer = knowledge / "dealer.yaml"
    dealer.write_text(dealer.read_text(encoding="utf-8").replace("booking_days: 14", "booking_days: soon"),
                      encoding="utf-8")
    return knowledge


def test_a_broken_knowledge_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    knowledge = _broken_knowledge(tmp_path)
    env = {**os.environ, "TELEGRAM_TOKEN": "42:never-used", "KNOWLEDGE_DIR": str(knowledge),
           "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'kb.db'}"}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(knowledge / "dealer.yaml") in lines[0] and "booking_days" in lines[0]
    assert not (tmp_path / "kb.db").exists(), "nothing is touched before the knowledge is valid"


def test_an_unreachable_database_is_one_line_and_exit_2(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "TELEGRAM_TOKEN": "42:never-used",
           "DATABASE_URL": f"postgresql+asyncpg://carebot:hunter2@127.0.0.1:{port}/carebot"}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot bring the database" in lines[0], result.stderr
    assert "hunter2" not in result.stderr


def test_an_unreachable_bot_api_is_said_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "TELEGRAM_TOKEN": "42:never-used", "TELEGRAM_BASE_URL": f"http://127.0.0.1:{port}/bot",
           "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", "LOG_LEVEL": "INFO"}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"Cannot reach the Bot API at http://127.0.0.1:{port}")
    assert "Traceback" not in result.stderr, result.stderr  # python-telegram-bot's own log of it: one line too


@pytest.fixture
def fresh_pg_url() -> str:
    """An empty PostgreSQL schema (not migrated): what a new deployment's replicas start on."""
    if not asyncio.run(_pg_reachable(PG_URL)):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL} (CI=true: PostgreSQL tests must run)")
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}")
    return f"{PG_URL}?search_path=carebot_fresh_{uuid.uuid4().hex[:12]}"


async def _schema(url: str, create: bool) -> None:
    import asyncpg

    schema = url.rsplit("=", 1)[1]
    connection = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg", "postgresql"))
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"' if create else f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        await connection.close()


@pytest.mark.postgres
def test_replicas_starting_at_once_migrate_one_after_the_other(fresh_pg_url: str) -> None:
    asyncio.run(_schema(fresh_pg_url, create=True))
    try:
        env = {**os.environ, "DATABASE_URL": fresh_pg_url}
        replicas = [subprocess.Popen([sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(3)]
        outputs = [replica.communicate(timeout=300)[0].decode() for replica in replicas]
        assert [replica.returncode for replica in replicas] == [0, 0, 0], outputs
    finally:
        asyncio.run(_schema(fresh_pg_url, create=False))


def test_a_bad_setting_is_one_line_naming_it_and_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "TELEGRAM_TOKEN": "42:never-used", "LOG_FORMAT": "xml", "METRICS_PORT": "-3",
           "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("configuration error: ") and "LOG_FORMAT" in line and "METRICS_PORT" in line, line
