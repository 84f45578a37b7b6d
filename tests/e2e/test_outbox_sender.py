"""The outbox sender over HTTP against the loopback Bot API: faults, a blocked chat, a crash, the app's scheduler."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common.settings import ROOT
from bot.db.common.migrate import upgrade
from bot.db.engine import create_engine, session_factory
from tests.botapi.server import FakeBotApiServer, RateLimits
from tests.e2e.outbox_support import counts, delivered, enqueue_texts, rows, run_until_settled, sender_on, statuses

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")]


@pytest.fixture
def server() -> Iterator[FakeBotApiServer]:
    with FakeBotApiServer(rate_limits=RateLimits(global_per_second=50)) as fake:
        yield fake


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}"
    upgrade(url)
    return url


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


async def test_faults_are_survived_and_every_message_goes_exactly_once(
    server: FakeBotApiServer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    users = [server.add_user(first_name=f"C{n}").id for n in range(30)]
    blocked, advisors = users[-1], server.add_group("Advisors").id
    server.block_chat(blocked)
    gone = 777_000_001  # a chat the server has never heard of: 400 chat not found
    targets = [(f"m{n:02d}", users[n % 29]) for n in range(45)] + [("to blocked 1", blocked), ("to blocked 2", blocked)]
    targets += [("to nobody", gone)] + [(f"advisors {n}", advisors) for n in range(3)]
    await enqueue_texts(sessions, targets)
    server.inject_fault("sendMessage", count=1, status=429, retry_after=1)
    server.inject_fault("sendMessage", count=2, status=500)
    server.inject_fault("sendMessage", count=1, status=502)
    server.drop_next("sendMessage", count=1)

    async with sender_on(server, sessions) as sender:
        await run_until_settled(sender, sessions)

    saved = await rows(sessions)
    deliverable = [text for text, chat in targets if chat not in (blocked, gone)]
    assert delivered(server) == dict.fromkeys(deliverable, 1)  # nothing lost, nothing twice
    assert {saved[t].status for t in deliverable} == {"sent"}
    by_text = {c.params["text"]: c.result["message_id"] for c in server.calls("sendMessage") if c.ok}
    assert all(saved[t].telegram_message_id == by_text[t] for t in deliverable)
    assert statuses(server)[429] == 1 and sender.stats.rate_limited == 1  # paused, not hammered
    assert statuses(server)[500] == 2 and statuses(server)[502] == 1 and statuses(server)[0] == 1
    assert sender.stats.retried == 4 and sum(saved[t].attempts for t in deliverable) == len(deliverable) + 4
    assert [saved[t].status for t in ("to blocked 1", "to blocked 2", "to nobody")] == ["unreachable"] * 3
    tried_blocked = [c for c in server.calls("sendMessage") if c.params["chat_id"] == blocked]
    assert len(tried_blocked) == 1 and tried_blocked[0].status == 403  # found out once, never retried
    assert "chat not found" in (saved["to nobody"].last_error or "").lower()


async def test_server_errors_until_the_last_attempt_fail_with_the_error_kept(
    server: FakeBotApiServer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    user = server.add_user().id
    await enqueue_texts(sessions, [("doomed", user)])
    server.inject_fault("sendMessage", count=3, status=500)
    async with sender_on(server, sessions, max_attempts=3) as sender:
        await run_until_settled(sender, sessions)
    doomed = (await rows(sessions))["doomed"]
    assert (doomed.status, doomed.attempts) == ("failed", 3)
    assert "Internal Server Error" in (doomed.last_error or "")
    assert delivered(server) == {}


def _sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return dict(connection.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())


def _sender_process(server: FakeBotApiServer, database_url: str, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_TOKEN": server.token,
        "TELEGRAM_BASE_URL": server.base_url,
        "DATABASE_URL": database_url,
        "OUTBOX_RATE_PER_SECOND": "30",
        "OUTBOX_LEASE_SECONDS": "1.5",
        "OUTBOX_TICK_SECONDS": "0.2",
    }
    log = (tmp_path / "sender.log").open("ab")
    command = [sys.executable, "-m", "bot", "outbox", "send", "--until-empty", "--max-seconds", "60"]
    return subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=log)


def _wait_for_deliveries(server: FakeBotApiServer, process: subprocess.Popen[bytes], count: int) -> None:
    deadline = time.monotonic() + 30
    while sum(delivered(server).values()) < count and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)


def _run_bot(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log, stderr=log)


async def test_a_sender_killed_mid_batch_loses_nothing_and_repeats_at_most_what_was_in_flight(
    server: FakeBotApiServer, database_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    users = [server.add_user().id for _ in range(60)]
    texts = [f"reminder {n}" for n in range(60)]
    await enqueue_texts(sessions, zip(texts, users, strict=True))
    first = _sender_process(server, database_url, tmp_path)
    _wait_for_deliveries(server, first, 20)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    at_kill = _sqlite_counts(tmp_path / "outbox.db")
    assert 0 < sum(delivered(server).values()) < 60, "the kill must land mid-batch"
    assert at_kill.get("sending", 0) > 0, at_kill  # claimed rows were left behind by the crash

    second = _sender_process(server, database_url, tmp_path)
    assert second.wait(timeout=60) == 0, (tmp_path / "sender.log").read_text()
    got = delivered(server)
    assert set(got) == set(texts)  # nothing lost
    duplicates = sum(got.values()) - len(texts)
    assert max(got.values()) <= 2 and duplicates <= min(at_kill["sending"], 8)  # at most the ones in flight
    assert await counts(sessions) == {**dict.fromkeys(("pending", "sending", "failed", "dropped", "unreachable"), 0),
                                      "sent": 60}


async def test_the_running_bot_sends_what_is_enqueued_and_stops_cleanly(
    server: FakeBotApiServer, database_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    user = server.add_user(first_name="Lin").id
    await enqueue_texts(sessions, [("your car is due for its 10,000 km service", user)])
    env = {**os.environ, "TELEGRAM_TOKEN": server.token, "TELEGRAM_BASE_URL": server.base_url,
           "DATABASE_URL": database_url, "LOG_LEVEL": "INFO"}
    log_path = tmp_path / "bot.log"
    bot = _run_bot(env, log_path)
    try:
        [reminder] = await server.wait_for_messages_async(user, 1, timeout=30)
        await enqueue_texts(sessions, [("and a follow-up", user)])  # a later tick picks up new rows
        [follow_up] = await server.wait_for_messages_async(user, 1, timeout=15)
    except TimeoutError as exc:
        raise AssertionError(log_path.read_text(encoding="utf-8", errors="replace")) from exc
    finally:
        bot.send_signal(signal.SIGINT)
        bot.wait(timeout=30)
    assert reminder["text"].startswith("your car") and follow_up["text"] == "and a follow-up"
    assert (await counts(sessions))["sent"] == 2
    text = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text and server.token not in text, text
    assert "outbox sender stopped" in text
