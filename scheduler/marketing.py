"""The marketing tick, every `campaign_tick_seconds`: campaign delivery and progress (bot.core.campaigns.delivery)
and the day-before event reminders (bot.core.events.notices). Stateless like the desk tick: everything is a row
with a due time, so a rerun or a catch-up after downtime does nothing twice; `now` is passed in for tests."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.campaigns import delivery
from bot.core.events import notices
from bot.core.services import Services

log = logging.getLogger(__name__)
JOB = "marketing-tick"
TASKS: tuple[tuple[str, Callable[[Services, dt.datetime], Awaitable[int]]], ...] = (
    ("campaigns", delivery.tick),
    ("event_day_before", notices.day_before),
    ("event_places", notices.reconcile),
)


async def tick(services: Services, now: dt.datetime | None = None) -> dict[str, int]:
    """Run each task once; one failing is logged and does not stop the other."""
    now = now or dt.datetime.now(dt.UTC)
    done: dict[str, int] = {}
    for name, task in TASKS:
        try:
            done[name] = await task(services, now)
        except Exception:
            log.exception("marketing task %s failed", name)
            done[name] = -1
    return done


def add_job(scheduler: AsyncIOScheduler, services: Services) -> None:
    """Add the tick to a running scheduler (scheduler.lifecycle, the terminal chat's jobs)."""

    async def marketing_tick() -> dict[str, int]:
        return await tick(services)

    scheduler.add_job(marketing_tick, "interval", seconds=services.settings.campaign_tick_seconds, id=JOB,
                      coalesce=True, max_instances=1, misfire_grace_time=None,
                      next_run_time=dt.datetime.now(dt.UTC))  # fmt: skip
