"""One replica takes updates, the others stand by: how `python -m bot run` starts among several replicas.

On PostgreSQL a replica first takes the advisory lock `carebot-updates:<bot id>` (bot.db.common.leader); while
another replica holds it, this one waits (`/healthz` says `"updates": "standby"`) and tries again every
`STANDBY_POLL_SECONDS`. Only with the lock does it load the conversation state (PTB's initialize), poll or
listen for the webhook and start the scheduler, so it continues each customer's flow where the last active
replica left it. The lock goes with the process: released at a graceful stop, dropped by PostgreSQL with
the connection when the process is killed. While active, the lock is checked as often; if its connection
is lost (another replica may take over) this process stops rather than have two consumers.

Polling goes through `ConfirmingUpdater`, which confirms an update only once it is handled and recorded.
On SQLite there is one process: it is active at once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.ext import Application

from bot.core.ops.handled import UpdateLedger
from bot.core.services import Services
from bot.db.common.leader import AdvisoryLockLeadership, updates_leadership
from bot.handlers.ops.http import OpsServer
from bot.handlers.ops.polling import ConfirmingUpdater
from bot.handlers.ops.updates import ObservedUpdates
from scheduler.jobs import bot_id

log = logging.getLogger(__name__)
_LOCK = "updates_lock"
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def confirm_after_handling(application: AnyApplication) -> ConfirmingUpdater:
    """Replace PTB's Updater with one that confirms updates only once handled and recorded."""
    services: Services = application.bot_data["services"]
    updater = ConfirmingUpdater(application.bot, application.update_queue, UpdateLedger(services.sessions))
    application.updater = updater
    processor = application.update_processor
    if isinstance(processor, ObservedUpdates):
        processor.on_done = updater.handled
    return updater


def on_stop(application: AnyApplication, updater: ConfirmingUpdater | None) -> None:
    """After the handlers stopped: record and confirm their last updates, then give the updates lock up."""

    async def post_stop(_application: AnyApplication) -> None:
        if updater is not None:
            await updater.finish()
        await release(application)

    application.post_stop = post_stop


async def become_active(application: AnyApplication) -> None:
    """Return once this replica may take updates (at once on SQLite); watch the lock from then on."""
    services: Services = application.bot_data["services"]
    settings = services.settings
    leadership = updates_leadership(services.engine, bot_id(settings))
    if leadership is None:
        return
    server = _standby_server(services)
    announced = False
    try:
        while not await leadership.is_leader():
            if not announced:
                log.info("standby: another replica takes updates; trying for the lock every %g s",
                         settings.standby_poll_seconds)
                announced = True
            await asyncio.sleep(settings.standby_poll_seconds)
    finally:
        if server is not None:
            await server.stop()
    log.info("active: this replica takes updates")
    application.bot_data[_LOCK] = leadership
    application.bot_data["updates_watch"] = asyncio.get_running_loop().create_task(
        _watch(application, leadership, settings.standby_poll_seconds), name="carebot-updates-lock"
    )


async def release(application: AnyApplication) -> None:
    """Give the updates lock up (graceful shutdown), so a standby takes over at its next try."""
    if (watch := application.bot_data.pop("updates_watch", None)) is not None:
        watch.cancel()
    if (leadership := application.bot_data.pop(_LOCK, None)) is not None:
        await leadership.release()
        log.info("updates lock released")


async def _watch(application: AnyApplication, leadership: AdvisoryLockLeadership, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        if not await leadership.is_leader():  # it re-took the lock if it could; if not, someone else has it
            log.error("lost the updates lock (database connection lost); stopping so another replica takes over")
            application.stop_running()
            return


def _standby_server(services: Services) -> OpsServer | None:
    settings = services.settings
    if settings.metrics_port is None:
        return None
    server = OpsServer(services.sessions, lambda: ("standby", "advisory"), lambda: "standby")
    try:
        server.start(settings.metrics_port, settings.metrics_listen)
    except OSError as exc:
        log.error("health not served while standing by: cannot listen on %s:%s: %s", settings.metrics_listen,
                  settings.metrics_port, exc)
        return None
    return server
