"""The desk tick: timers of the service desk, checked every `desk_tick_seconds` (DESIGN.md, decision 1).

Each task is `async (services, now) -> int` (how many things it did): escalating unclaimed roadside calls and
unresolved complaints, enqueueing follow-ups and the day-before appointment reminders. Everything a task acts
on is a row with a due time, so the tick is stateless, catches up after downtime, and takes `now` so tests
drive it with their own clock instead of sleeping.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from bot.core.services import Services

log = logging.getLogger(__name__)
DeskTask = Callable[[Services, dt.datetime], Awaitable[int]]


def tasks() -> list[tuple[str, DeskTask]]:
    """The desk's timed tasks, by name (imported here so each feature keeps its own module)."""
    found: list[tuple[str, DeskTask]] = []
    from bot.core.desk.complaints import service as complaints
    from bot.core.desk.followups import service as followups

    found += [("complaint_escalation", complaints.escalate_overdue), ("follow_ups", followups.tick)]
    from bot.core.desk.roadside import escalation as roadside_desk

    found.append(("roadside_escalation", roadside_desk.escalate_unclaimed))
    from bot.core.desk.booking.reminders import day_before_reminders

    found.append(("appointment_day_before", day_before_reminders))
    return found


async def tick(services: Services, now: dt.datetime | None = None) -> dict[str, int]:
    """Run every task once; one failing task is logged and does not stop the others."""
    now = now or dt.datetime.now(dt.UTC)
    done: dict[str, int] = {}
    for name, task in tasks():
        try:
            done[name] = await task(services, now)
        except Exception:
            log.exception("desk task %s failed", name)
            done[name] = -1
    return done


def job(services: Services) -> Callable[[], Awaitable[dict[str, int]]]:
    """The tick as the scheduler's job: a coroutine function, so APScheduler awaits it on the event loop (a
    lambda returning a coroutine would be run in a thread and its coroutine never awaited)."""

    async def desk_tick() -> dict[str, int]:
        return await tick(services)

    return desk_tick
