"""The periodic jobs of `python -m bot chat`: the outbox sender, the reminder sweep and the desk tick, as `run`
starts them (scheduler/), delivering through the terminal's Bot API instead of Telegram.

So what a customer gets later (a reminder after linking their phone, a follow-up, a roadside escalation)
arrives in the terminal too. The sweep runs every `SWEEP_SECONDS` here rather than daily, so a customer who
has just linked their car sees its reminder within seconds; `:tick` runs the sweep and the desk tick at once.
At the end of the input (a piped script) `flush` sends what is due before the chat closes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from telegram.ext import Application

from bot.cli.chat_api import TerminalBotApi
from bot.core.common.settings import Settings
from bot.core.outbox import store
from bot.core.services import Services
from bot.handlers.outbox.transport import OutboxBot, TelegramTransport
from scheduler import desk, jobs, marketing

SWEEP_SECONDS = 15.0
log = logging.getLogger(__name__)


class ChatJobs:
    def __init__(self, api: TerminalBotApi) -> None:
        self.api = api
        self.running: jobs.Jobs | None = None
        self.services: Services | None = None
        self.sweep: jobs.ReminderSweep | None = None

    async def start(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        services: Services = application.bot_data["services"]
        settings = services.settings
        bot = OutboxBot("0:offline", request=self.api)
        await bot.initialize()
        sender = jobs.build_sender(settings, services.engine, services.sessions, TelegramTransport(bot))
        self.services, self.sweep = services, jobs.ReminderSweep(services, services.sessions)
        self.running = jobs.start(settings, sender, None, desk.job(services))
        self.running.scheduler.add_job(
            self.sweep.run, "interval", seconds=SWEEP_SECONDS, id=jobs.SWEEP_JOB, coalesce=True, max_instances=1,
            next_run_time=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2),
        )  # fmt: skip
        marketing.add_job(self.running.scheduler, services)

    async def tick_now(self) -> None:
        """`:tick`: sweep and run the desk timers now; the sender delivers within a second."""
        if self.services is None or self.sweep is None:
            return
        report = await self.sweep.run()
        done = await desk.tick(self.services)
        done.update({k: v for k, v in (await marketing.tick(self.services)).items() if v})
        due = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in done.items() if count)
        print(f"(sweep: {report.enqueued} reminder(s) queued; desk and campaigns: {due or 'nothing due'})")
        if note := quiet_note(self.services.settings, dt.datetime.now(dt.UTC)):
            print(note)

    async def flush(self) -> None:
        """Before the chat closes: the timers stop, the runs in progress end, and the sender delivers what is due
        (a script's last line may have queued a message a second ago); what still waits is counted."""
        if self.running is None or self.services is None:
            return
        self.running.scheduler.pause()
        executor = self.running.scheduler._lookup_executor("default")  # as scheduler.jobs.stop waits for them
        running = [future for future in getattr(executor, "_pending_futures", ()) if not future.done()]
        if running:
            await asyncio.wait(running, timeout=30.0)
        await self.running.sender.tick()
        async with self.services.sessions() as session:
            waiting = (await store.counts(session))["pending"]
        if waiting:
            print(f"\n({waiting} message(s) wait in the outbox for later: the next chat on this database sends them"
                  " when they are due)")
            if note := quiet_note(self.services.settings, dt.datetime.now(dt.UTC)):
                print(note)

    async def stop(self) -> None:
        if self.running is not None:
            await jobs.stop(self.running)
            self.running = None


def quiet_note(settings: Settings, now: dt.datetime) -> str | None:
    """Why nothing :tick queued arrives now: reminders, follow-ups and campaigns wait out the quiet hours."""
    quiet = settings.quiet_hours
    until = quiet.shift(now)
    if until == now.astimezone(dt.UTC):
        return None
    local = until.astimezone(settings.tz)
    return (f"(quiet hours: what was queued waits until {local:%H:%M} dealer time; set QUIET_HOURS_START and "
            "QUIET_HOURS_END to the same time to try it now)")
