"""The health and metrics server, started with the bot when `METRICS_PORT` is set and stopped with it.

It lives beside the jobs because /healthz reports the outbox sender's role, which only the running jobs know:
"active" (this process holds the sender's advisory lock, or it is SQLite's only process), "standby" (another
replica holds it), "off" (no sender in this process: the scheduler is disabled).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application

from bot.core.ops.health import Role
from bot.core.services import Services
from bot.handlers.ops.http import OpsServer

log = logging.getLogger(__name__)
_KEY = "ops_server"


def sender_role(application: Application[Any, Any, Any, Any, Any, Any]) -> tuple[Role, str]:
    """The outbox sender's role in this process and the kind of lock that elects it."""
    running = application.bot_data.get("scheduler", {}).get("jobs")
    if running is None:
        return "off", "none"
    leader = running.sender.leader
    if leader is None:
        return "active", "none"
    return ("active" if getattr(leader, "held", False) else "standby"), "advisory"


def start(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Bind /healthz and /metrics when a port is configured; a taken port is an error, not a crash of the bot."""
    services: Services = application.bot_data["services"]
    settings = services.settings
    if settings.metrics_port is None:
        return
    server = OpsServer(services.sessions, lambda: sender_role(application))
    try:
        server.start(settings.metrics_port, settings.metrics_listen)
    except OSError as exc:
        log.error("health and metrics not served: cannot listen on %s:%s: %s", settings.metrics_listen,
                  settings.metrics_port, exc)
        return
    application.bot_data[_KEY] = server


async def stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    if (server := application.bot_data.pop(_KEY, None)) is not None:
        await server.stop()
