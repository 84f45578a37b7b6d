"""The reminder sweep as a scheduler job: daily at the configured local time, once shortly after start."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger

from bot.core.services import build_services
from bot.db.common.migrate import upgrade
from scheduler import desk, jobs
from tests.conftest import make_settings


class IdleSender:
    """Stands in for the outbox sender: ticks do nothing."""

    async def tick(self) -> int:
        return 0

    async def close(self) -> None:
        return None


async def test_the_sweep_job_is_daily_and_runs_soon_after_start(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, reminder_sweep_time="09:15", reminder_sweep_start_delay_seconds=30)
    await asyncio.to_thread(upgrade, settings.database_url)  # Alembic runs its own event loop
    services = build_services(settings)
    sweeper = jobs.ReminderSweep(services, services.sessions)
    started = dt.datetime.now(dt.UTC)
    running = jobs.start(settings, IdleSender(), sweeper)  # type: ignore[arg-type]
    try:
        job = running.scheduler.get_job(jobs.SWEEP_JOB)
        assert job is not None and isinstance(job.trigger, CronTrigger)
        fields = {field.name: str(field) for field in job.trigger.fields}
        assert (fields["hour"], fields["minute"], str(job.trigger.timezone)) == ("9", "15", "Asia/Shanghai")
        assert (job.max_instances, job.coalesce) == (1, True)
        assert started + dt.timedelta(seconds=25) < job.next_run_time < started + dt.timedelta(seconds=40)
        report = await sweeper.run()  # what the job runs: a full sweep, stateless
        assert (report.cars, report.enqueued, report.skipped) == (0, 0, False)
    finally:
        await jobs.stop(running)
        await services.engine.dispose()


async def test_the_desk_tick_runs_on_the_event_loop_as_the_scheduler_starts(tmp_path: Path) -> None:
    """The desk job must be awaited by APScheduler, not run in a thread with its coroutine thrown away."""
    settings = make_settings(tmp_path, desk_tick_seconds=3600)
    await asyncio.to_thread(upgrade, settings.database_url)
    services = build_services(settings)
    ran = asyncio.Event()
    results: list[dict[str, int]] = []
    desk_job = desk.job(services)

    async def observed() -> dict[str, int]:
        result = await desk_job()
        results.append(result)
        ran.set()
        return result

    assert asyncio.iscoroutinefunction(desk_job)
    running = jobs.start(settings, IdleSender(), None, observed)  # type: ignore[arg-type]
    try:
        await asyncio.wait_for(ran.wait(), timeout=30)  # the first run is due at once
        assert set(results[0]) == {name for name, _ in desk.tasks()} and all(v >= 0 for v in results[0].values())
    finally:
        await jobs.stop(running)
        await services.engine.dispose()
