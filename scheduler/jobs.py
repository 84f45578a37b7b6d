"""The periodic jobs of one bot process (APScheduler), started with the bot and stopped with it.

Jobs are stateless tickers (DESIGN.md, decision 1): everything they act on is in the database, so after
downtime the next tick catches up and a crash loses nothing. Two jobs: the outbox sender, every
`outbox_tick_seconds`, and the reminder sweep that fills the outbox (bot.core.reminders.sweep), daily at
`reminder_sweep_time` in the dealer's time zone and once `reminder_sweep_start_delay_seconds` after start, so
a process that was down at sweep time catches up at once.

A tick that drains a backlog runs longer than the interval; `max_instances=1` then skips the next runs and
`coalesce` folds them into one, by design, so APScheduler's warning about it is filtered out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED, JobEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.common import metrics
from bot.core.common.quiet_hours import parse_clock
from bot.core.common.settings import Settings
from bot.core.outbox.rate_limit import RateLimiter
from bot.core.outbox.sender import Sender, SenderConfig
from bot.core.outbox.transport import Transport
from bot.core.reminders.sweep import ReminderDeps, ServicesLike, SweepReport, sweep
from bot.db.common.leader import sender_leadership

log = logging.getLogger(__name__)
SENDER_JOB = "outbox-sender"
SWEEP_JOB = "reminder-sweep"
DESK_JOB = "desk-tick"


class _SkippedTickFilter(logging.Filter):
    """Drops 'skipped: maximum number of running instances reached' for a tick that is still draining."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in record.getMessage()


def sender_config(settings: Settings) -> SenderConfig:
    return SenderConfig(
        batch_size=settings.outbox_batch_size,
        concurrency=settings.outbox_concurrency,
        max_attempts=settings.outbox_max_attempts,
        backoff_seconds=settings.outbox_backoff_seconds,
        backoff_max_seconds=settings.outbox_backoff_max_seconds,
        lease_seconds=settings.outbox_lease_seconds,
        expiry_hours=dict(settings.outbox_expiry_hours),
    )


def worker_id() -> str:
    """Who claimed a row: host, process and a random suffix (a restarted process is another worker)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def bot_id(settings: Settings) -> str:
    """The numeric prefix of the token names the bot without revealing the secret."""
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else "0:offline"
    return token.split(":", 1)[0]


def build_sender(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    transport: Transport,
    limiter: RateLimiter | None = None,
) -> Sender:
    """The one sender of this bot: Telegram's limits from settings, the election fitting the database."""
    limiter = limiter or RateLimiter(
        settings.outbox_rate_per_second, settings.outbox_private_per_second, settings.outbox_group_per_minute
    )
    leader = sender_leadership(engine, bot_id(settings))
    return Sender(sessions, transport, limiter, sender_config(settings), worker_id(), leader)


class ReminderSweep:
    """The scheduler's reminder job: one sweep with the process's services, logged; it keeps no state."""

    def __init__(self, services: ServicesLike, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.deps = ReminderDeps.from_services(services)
        self.sessions = sessions

    async def run(self) -> SweepReport:
        report = await sweep(self.sessions, self.deps, dt.datetime.now(dt.UTC))
        if report.skipped:
            log.info("reminder sweep skipped: another process is sweeping")
        else:
            log.info(
                "reminder sweep %s: %d cars, %d enqueued, outcomes %s", report.today, report.cars, report.enqueued,
                dict(report.outcomes),
            )
        return report


def _observe(event: JobEvent) -> None:
    """Scheduler lag (how late a run started after its scheduled time) and runs per job, for /metrics."""
    if event.code == EVENT_JOB_SUBMITTED:
        scheduled = getattr(event, "scheduled_run_times", None) or [dt.datetime.now(dt.UTC)]
        metrics.job_started(event.job_id, (dt.datetime.now(dt.UTC) - scheduled[0]).total_seconds())
    else:
        metrics.job_finished(event.job_id, ok=event.code == EVENT_JOB_EXECUTED)


@dataclass
class Jobs:
    """What `start` built and `stop` takes down."""

    scheduler: AsyncIOScheduler
    sender: Sender
    reminders: ReminderSweep | None = None


def start(
    settings: Settings,
    sender: Sender,
    reminders: ReminderSweep | None = None,
    desk: Callable[[], Awaitable[object]] | None = None,
) -> Jobs:
    """Start the scheduler on the running event loop with the sender's tick (first run at once) and, when
    given, the reminder sweep (daily, and once shortly after start) and the desk tick (scheduler.desk)."""
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLogger().level))
    scheduler_log = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, _SkippedTickFilter) for f in scheduler_log.filters):
        scheduler_log.addFilter(_SkippedTickFilter())
    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    scheduler.add_listener(_observe, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.add_job(
        sender.tick,
        "interval",
        seconds=settings.outbox_tick_seconds,
        id=SENDER_JOB,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
        next_run_time=dt.datetime.now(dt.UTC),
    )
    if reminders is not None:
        at = parse_clock(settings.reminder_sweep_time)
        scheduler.add_job(
            reminders.run,
            CronTrigger(hour=at.hour, minute=at.minute, timezone=settings.tz),
            id=SWEEP_JOB,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=settings.reminder_sweep_start_delay_seconds),
        )
    if desk is not None:
        scheduler.add_job(
            desk,
            "interval",
            seconds=settings.desk_tick_seconds,
            id=DESK_JOB,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=dt.datetime.now(dt.UTC),
        )
    scheduler.start()
    log.info("scheduler started: outbox sender every %.1f s%s", settings.outbox_tick_seconds,
             f", reminder sweep daily at {settings.reminder_sweep_time}" if reminders else "")
    return Jobs(scheduler, sender, reminders)


async def stop(jobs: Jobs, grace_seconds: float = 30.0) -> None:
    """No new runs; the running ones finish (the sender its requests in flight, giving its other rows back).

    APScheduler's asyncio executor cancels the jobs still running when it shuts down, which would log a
    CancelledError from the middle of a claim or a sweep page: so the scheduler is paused first and the
    running jobs are given `grace_seconds` to end on their own.
    """
    if jobs.scheduler.running:
        jobs.scheduler.pause()
    await jobs.sender.close()
    running = [f for f in getattr(jobs.scheduler._lookup_executor("default"), "_pending_futures", ()) if not f.done()]
    if running:
        await asyncio.wait(running, timeout=grace_seconds)
    if jobs.scheduler.running:
        jobs.scheduler.shutdown(wait=False)
