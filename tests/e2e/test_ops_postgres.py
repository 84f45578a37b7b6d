"""Two replicas on PostgreSQL: /healthz tells the outbox sender's role, and when the active one shuts down
gracefully the standby takes the role (the lock is released at shutdown, not left to a lease)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.core.common.settings import ROOT
from tests.botapi.server import FakeBotApiServer
from tests.e2e.test_bot_over_http import _free_port

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def _health(port: int) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return dict(json.loads(response.read()))
    except OSError:
        return None  # not listening yet


def _wait_for_roles(ports: list[int], wanted: list[str | None]) -> list[str | None]:
    roles: list[str | None] = []
    for _ in range(300):
        roles = [str(state["sender"]) if (state := _health(port)) else None for port in ports]
        if roles == wanted:
            return roles
        time.sleep(0.2)
    raise AssertionError(f"roles stayed {roles}, wanted {wanted}")


def test_health_reports_active_and_standby_and_the_standby_takes_over(pg_url: str, tmp_path: Path) -> None:
    with FakeBotApiServer() as server:
        replicas: list[subprocess.Popen[bytes]] = []
        ports = [_free_port(), _free_port()]
        try:
            for n, port in enumerate(ports):
                hook = _free_port()
                env = {**os.environ, "TELEGRAM_TOKEN": server.token, "TELEGRAM_BASE_URL": server.base_url,
                       "DATABASE_URL": pg_url, "METRICS_PORT": str(port), "METRICS_LISTEN": "127.0.0.1",
                       "WEBHOOK_URL": f"http://127.0.0.1:{hook}/telegram", "WEBHOOK_SECRET": "replica-secret",
                       "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(hook)}
                log = (tmp_path / f"replica{n}.log").open("wb")
                replicas.append(subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                                                 stdout=log, stderr=log))
                if n == 0:  # the first one up takes the lock
                    _wait_for_roles(ports[:1], ["active"])
            _wait_for_roles(ports, ["active", "standby"])
            assert _health(ports[1]) == {"status": "ok", "database": True, "sender": "standby",
                                         "sender_lock": "advisory", "updates": "standby"}
            replicas[0].send_signal(signal.SIGTERM)
            assert replicas[0].wait(timeout=60) == 0
            _wait_for_roles(ports[1:], ["active"])
        finally:
            for replica in replicas:
                if replica.poll() is None:
                    replica.send_signal(signal.SIGTERM)
                    try:
                        replica.wait(timeout=60)
                    except subprocess.TimeoutExpired:
                        replica.kill()
    first = (tmp_path / "replica0.log").read_text(encoding="utf-8", errors="replace")
    assert "outbox sender stopped" in first and "Traceback" not in first, first
