"""`python -m bot sweep [--dry-run] [--today YYYY-MM-DD] [--recompute]`: the reminder sweep by hand, saying what
and why; --recompute first recomputes every car's due dates (bot.core.reminders.due_store), whatever changed.

Prints one line per reminder it enqueues (or, with --dry-run, would enqueue) and per item held back (capped,
snoozed, too late), then the totals: items not yet in their window, stale ones, items already in the
outbox, and the cars not swept at all (released, no owner, not on Telegram, opted out, unreachable).
The scheduler runs the same sweep inside `python -m bot run` (scheduler/jobs.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from typing import TextIO

from bot.core.common.settings import Settings
from bot.core.reminders.sweep import ItemDecision, ReminderDeps, SweepReport, sweep

LABELS = {
    "send": "enqueued", "capped": "capped", "snoozed": "snoozed", "too_late": "too late", "already": "already",
}  # fmt: skip


def parse_day(text: str) -> dt.date:
    """--today's value: an ISO date."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"--today: expected YYYY-MM-DD, got {text!r}") from exc


def describe(decision: ItemDecision, today: dt.date, deps: ReminderDeps, dry_run: bool) -> str:
    """One line: what, for whom, and why."""
    config, item = deps.config, decision.item
    days = (item.due - today).days
    timing = f"overdue {-days} d" if days < 0 else f"in {days} d"
    why = f"{timing} (window {config.windows_days.get(item.kind)} d)"
    if decision.outcome == "send":
        assert decision.not_before is not None and decision.expires_at is not None
        local = decision.not_before.astimezone(config.quiet.tz)
        why += f", not before {local:%Y-%m-%d %H:%M}" + (" (quiet hours)" if decision.quiet_shifted else "")
        why += f", expires {decision.expires_at.astimezone(config.quiet.tz):%Y-%m-%d %H:%M}"
        why += ", again after snooze" if decision.again else ""
    elif decision.outcome == "capped":
        why += f", cap of {config.cap_count} per {config.cap_days} days reached; waits for a later sweep"
    elif decision.outcome == "snoozed":
        why += f", snoozed until {decision.snoozed_until}"
    elif decision.outcome == "too_late":
        why += ", would expire before quiet hours end"
    label = "would send" if dry_run and decision.outcome == "send" else LABELS[decision.outcome]
    plate = decision.car.plate_display or f"car {decision.car.id}"
    return (
        f"{label:10s} customer {decision.customer_id:<8d} {plate:12s} {item.kind:26s} due {item.due}  "
        f"[{decision.locale}] {why}"
    )


def summary(report: SweepReport, deps: ReminderDeps) -> list[str]:
    """The totals, in words."""
    config, out = deps.config, report.outcomes
    action = "would send" if report.dry_run else "enqueued"
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(report.by_kind.items())) or "none"
    sent = out["send"] if report.dry_run else report.enqueued
    not_swept = ", ".join(f"{reason.replace('_', ' ')} {n}" for reason, n in sorted(report.not_swept.items()))
    quiet = config.quiet
    return [
        f"today {report.today} ({quiet.tz.key}); cars swept {report.cars}; due items {report.items}",
        f"{action}: {sent} ({kinds})",
        f"held back: capped {out['capped']} (at most {config.cap_count} per customer in {config.cap_days} days), "
        f"snoozed {out['snoozed']}, too late {out['too_late']}",
        f"already in the outbox: {out['already']}; not yet in their window: {out['later']}; "
        f"overdue more than {config.overdue_max_days} days (stale): {out['stale']}",
        f"cars not swept: {not_swept or 'none'}",
        f"due dates recomputed first: {report.recomputed.get('all', 0)} cars (all, rules changed or --recompute), "
        f"{report.recomputed.get('stale', 0)} (their facts changed, or their dates ran out)",
        f"quiet hours {quiet.start:%H:%M}–{quiet.end:%H:%M}",
    ]


async def run(
    settings: Settings, dry_run: bool, today: dt.date | None, out: TextIO = sys.stdout, recompute: bool = False
) -> int:
    """Sweep once and print every decision and the totals."""
    from bot.core.services import build_services

    services = build_services(settings)
    deps = ReminderDeps.from_services(services)
    now = dt.datetime.now(dt.UTC)
    day = today or now.astimezone(deps.config.quiet.tz).date()

    def show(decision: ItemDecision) -> None:
        if decision.outcome != "already":
            print(describe(decision, day, deps, dry_run), file=out)

    try:
        report = await sweep(services.sessions, deps, now, day, dry_run, on_item=show, recompute=recompute)
    finally:
        await services.engine.dispose()
    if report.skipped:
        print("another process is sweeping right now; nothing done", file=out)
        return 1
    for line in summary(report, deps):
        print(line, file=out)
    return 0


def main(settings: Settings, dry_run: bool, today: str | None, recompute: bool = False) -> int:
    """The CLI entry: parse --today, run the sweep."""
    try:
        day = parse_day(today) if today else None
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return asyncio.run(run(settings, dry_run, day, recompute=recompute))
