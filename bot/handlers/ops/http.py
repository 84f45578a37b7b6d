"""/healthz and /metrics on their own port (`METRICS_PORT`), in polling and webhook mode alike.

Served by tornado, which python-telegram-bot's webhook already brings, on the bot's own event loop: /metrics
reads the database gauges with the bot's async sessions at each scrape, and /healthz answers from the same loop
that handles updates, so a wedged loop fails the health check too.

- `GET /healthz` → 200 `{"status": "ok", "database": true, "sender": "active"|"standby"|"off",
  "sender_lock": "advisory"|"none", "updates": "active"|"standby"}`,
  or 503 with `"status": "unavailable"` when the database is unreachable.
- `GET /metrics` → the Prometheus text format (bot.core.common.metrics names every family).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler

from bot.core.common import metrics
from bot.core.ops import health

log = logging.getLogger(__name__)
SenderRole = Callable[[], tuple[health.Role, str]]
UpdatesRole = Callable[[], health.Role]


class _Health(RequestHandler):
    def initialize(self, sessions: async_sessionmaker[AsyncSession], role: SenderRole, updates: UpdatesRole) -> None:
        self.sessions, self.role, self.updates = sessions, role, updates

    async def get(self) -> None:
        state = await health.check(self.sessions, *self.role(), self.updates())
        self.set_status(200 if state.ok else 503)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(state.as_dict()))


class _Metrics(RequestHandler):
    def initialize(self, sessions: async_sessionmaker[AsyncSession], role: SenderRole, updates: UpdatesRole) -> None:
        self.sessions, self.role, self.updates = sessions, role, updates

    async def get(self) -> None:
        await health.check(self.sessions, *self.role(), self.updates())
        try:
            await health.refresh_gauges(self.sessions)
        except (SQLAlchemyError, OSError) as exc:  # the counters are still worth a scrape
            log.warning("metrics: the database gauges could not be read: %s", exc)
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(metrics.exposition())


class OpsServer:
    """The tiny HTTP server; `start` binds (raising OSError if the port is taken), `stop` closes it."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], role: SenderRole, updates: UpdatesRole = lambda: "active"
    ) -> None:
        routes = {"sessions": sessions, "role": role, "updates": updates}
        self.app = WebApplication([(r"/healthz", _Health, routes), (r"/metrics", _Metrics, routes)],
                                  log_function=lambda _handler: None)  # scrapes are not worth a log line each
        self.server: HTTPServer | None = None

    def start(self, port: int, address: str) -> None:
        self.server = HTTPServer(self.app)
        self.server.listen(port, address)
        log.info("health and metrics on http://%s:%d/healthz and /metrics", address, port)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            await self.server.close_all_connections()
            self.server = None
