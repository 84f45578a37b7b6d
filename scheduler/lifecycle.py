"""Start the jobs with the bot (Application.post_init) and stop them with it (post_shutdown).

Only `python -m bot run` with a token starts them: `chat` and the handler tests build the application
with a request of their own (no network), and never call post_init anyway.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application

from bot.core.services import Services
from bot.handlers.outbox.transport import TelegramTransport, build_sender_bot
from scheduler import desk, jobs, marketing

log = logging.getLogger(__name__)
_KEY = "scheduler"


def enable(application: Application[Any, Any, Any, Any, Any, Any], enabled: bool) -> None:
    """Decide at build time whether post_init starts the jobs."""
    application.bot_data[_KEY] = {"enabled": enabled}


async def start_jobs(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Build the sender's own Bot, the sender, the reminder sweep and the scheduler, if enabled and a token is set."""
    state: dict[str, Any] = application.bot_data.get(_KEY, {})
    services: Services = application.bot_data["services"]
    settings = services.settings
    if not state.get("enabled") or not settings.scheduler_enabled or settings.telegram_token is None:
        return
    bot = build_sender_bot(settings)
    await bot.initialize()
    sender = jobs.build_sender(settings, services.engine, services.sessions, TelegramTransport(bot))
    state["bot"] = bot
    state["jobs"] = jobs.start(settings, sender, jobs.ReminderSweep(services, services.sessions), desk.job(services))
    marketing.add_job(state["jobs"].scheduler, services)  # campaigns and event reminders (docs/marketing.md)


async def stop_jobs(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Stop the scheduler, let the sender finish its requests in flight, close its Bot."""
    state: dict[str, Any] = application.bot_data.get(_KEY, {})
    if (running := state.pop("jobs", None)) is not None:
        await jobs.stop(running)
        log.info("outbox sender stopped: %s", running.sender.stats)
    if (bot := state.pop("bot", None)) is not None:
        await bot.shutdown()
