"""Operations over HTTP: /healthz and /metrics read from a running `python -m bot run`, and its JSON log."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.core.common.settings import ROOT
from bot.db.common.migrate import upgrade
from bot.db.engine import create_engine, session_factory
from tests.botapi.server import FakeBotApiServer
from tests.e2e.outbox_support import enqueue_texts
from tests.e2e.test_bot_over_http import _free_port, _stop

pytestmark = pytest.mark.e2e
PHONE = "13800138000"
FAMILIES = (
    "carebot_updates_total", "carebot_faq_outcomes_total", "carebot_outbox_sends_total", "carebot_outbox_pending",
    "carebot_outbox_oldest_pending_age_seconds", "carebot_tickets_open", "carebot_roadside_waiting_for_claim",
    "carebot_scheduler_lag_seconds", "carebot_outbox_sender_active", "carebot_database_up",
)


def _get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read().decode()


def _samples(text: str) -> dict[str, float]:
    """`name{labels}` → value, from the Prometheus text format."""
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            found[name] = float(value)
    return found


def _wait_for_metric(url: str, sample: str, at_least: float) -> dict[str, float]:
    """Scrape until `sample` reaches `at_least` (counts are recorded when an update's handlers are done)."""
    for _ in range(100):
        samples = _samples(_get(url)[2])
        if samples.get(sample, 0) >= at_least:
            return samples
        time.sleep(0.2)
    raise AssertionError(f"{sample} never reached {at_least}: {samples}")


async def _enqueue(database_url: str, targets: list[tuple[str, int]]) -> None:
    engine = create_engine(database_url)
    try:
        await enqueue_texts(session_factory(engine), targets)
    finally:
        await engine.dispose()


def test_health_metrics_and_json_log_of_a_running_bot(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'ops.db'}"
    upgrade(database_url)
    port = _free_port()
    with FakeBotApiServer() as server:
        lin = server.add_user(first_name="Lin", language_code="zh-hant")
        gone = server.add_user(first_name="Gone", language_code="en")
        server.chat(gone.id).blocked = True  # the bot's message to them gets 403
        asyncio.run(_enqueue(database_url, [("notice for lin", lin.id), ("notice for gone", gone.id)]))
        env = {**os.environ, "TELEGRAM_TOKEN": server.token, "TELEGRAM_BASE_URL": server.base_url,
               "DATABASE_URL": database_url, "LOG_LEVEL": "INFO", "LOG_FORMAT": "json",
               "METRICS_PORT": str(port), "METRICS_LISTEN": "127.0.0.1"}
        log = (tmp_path / "bot.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            [notice] = server.wait_for_messages(lin.id, 1, timeout=30)
            assert notice["text"] == "notice for lin"
            server.push_text(lin.id, "三包有效期是多久")
            server.wait_for_messages(lin.id, 1, timeout=20)
            server.push_text(lin.id, f"我的電話是 {PHONE}")
            server.wait_for_messages(lin.id, 1, timeout=20)

            base = f"http://127.0.0.1:{port}"
            status, content_type, body = _get(f"{base}/healthz")
            assert status == 200 and content_type.startswith("application/json")
            assert json.loads(body) == {"status": "ok", "database": True, "sender": "active", "sender_lock": "none",
                                        "updates": "active"}

            samples = _wait_for_metric(f"{base}/metrics", 'carebot_updates_total{kind="message",outcome="handled"}', 2)
            status, content_type, body = _get(f"{base}/metrics")
            assert status == 200 and content_type.startswith("text/plain")
            for family in FAMILIES:
                assert f"# TYPE {family} " in body, family
            assert samples['carebot_faq_outcomes_total{decision="answer"}'] >= 1
            samples = _wait_for_metric(f"{base}/metrics", 'carebot_outbox_sends_total{kind="notice",result="403"}', 1)
            assert samples['carebot_outbox_sends_total{kind="notice",result="sent"}'] == 1
            assert samples['carebot_tickets_open{state="open"}'] == 0
            assert samples["carebot_roadside_waiting_for_claim"] == 0
            assert samples["carebot_outbox_sender_active"] == 1 and samples["carebot_database_up"] == 1
            assert 'carebot_scheduler_lag_seconds{job="outbox-sender"}' in samples
        finally:
            text = _stop(process, tmp_path)
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is one JSON object
    assert all({"ts", "level", "logger", "message"} <= set(line) for line in lines)
    assert server.token not in text and PHONE not in text
    updates = [line["message"] for line in lines if line["logger"] == "bot.updates"]
    # each handler whose filter took the update, in group order: the handoff relay looks at every message first
    assert len(updates) == 2, updates
    assert all(m.startswith("update 10000") and m.endswith("faq.questions.question") for m in updates), updates
    assert not any(line["level"] in {"ERROR", "CRITICAL"} for line in lines), text
