"""The reminder sweep: what falls due soon, one outbox message per (car, kind, due date), within the caps.

`sweep` first brings the due-date table up to date (bot.core.reminders.due_store.refresh: the cars whose facts
changed, or all of them when the rules did), then reads only the items within their kind's window, for remindable
cars, in keyset pages ordered by (due date, kind, car), rebuilds each `DueItem` exactly as `due_items` gives it on
the sweep's day (bot.core.reminders.due_rows), and for each item decides (`ItemDecision.outcome`):
- `later`: due further ahead than its kind's window (settings.reminder_windows_days), or a kind not listed;
- `stale`: overdue by more than reminder_overdue_max_days (the record is out of date, not the customer);
- `snoozed`: "remind me later" holds it; when the snooze ends the item is reminded once more, under the key
  `{key}:snooze:{until}`, if its first reminder went out (else under its own key, as any new item);
- `already`: its key is in the outbox: enqueued by an earlier sweep, whatever became of it;
- `capped`: the customer had reminder_cap_count reminders in the last reminder_cap_days calendar days (dealer
  time; pending or sent, earlier sweeps' and this one's). The soonest due goes first, across all of a
  customer's cars (then the kind's order, then the car's id); the rest wait for a later sweep. A waiting item is
  not enqueued, so nothing can duplicate it, and once it is, its idempotency key keeps every later sweep
  from adding it again;
- `too_late`: it would expire before quiet hours end (a period ending tonight);
- `send`: enqueued (or, in a dry run, would be) with not_before out of quiet hours and expires_at.
Overdue items (a service missed, an insurance lapsed) are reminded like any other, once per due date.

Without `on_item` (the daily job) the items already in the outbox are counted in SQL and never read
(due_store.near_plan): most of a day's window was enqueued on the days before.

The sweep is stateless: every decision is read from the database, so it can run any number of times, and
after downtime the next run catches up. Enqueueing commits per page. The cap's counts are read once per
sweep and kept up to date in memory, since only sweeps enqueue reminders; on PostgreSQL an advisory lock
keeps two replicas from sweeping at once (they could each fill one customer's cap).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common.frozen import frozen_meanwhile
from bot.core.garage.due import DUE_KINDS, DueItem, due_items
from bot.core.garage.schedule import ServicePlan
from bot.core.outbox import store as outbox
from bot.core.outbox.store import OutboxItem
from bot.core.reminders import due_rows, due_store
from bot.core.reminders import message as reminder_message
from bot.core.reminders import repo as reminder_repo
from bot.core.reminders.message import CarView, ReminderTexts
from bot.core.reminders.policy import (
    ItemDecision,
    Outcome,
    ReminderConfig,
    ReminderDeps,
    ServicesLike,
    SweepReport,
    cap_since,
    expires_at,
    facts,
)
from bot.core.reminders.repo import REMINDER_KIND, CarRow
from bot.db.common.dialect import engine_of

__all__ = [
    "ItemDecision", "Outcome", "ReminderConfig", "ReminderDeps", "ServicesLike", "SweepReport", "car_items", "sweep",
]
History = dict[int, list[tuple[dt.date, int]]]
_T = TypeVar("_T")


@dataclass(frozen=True)
class _Candidate:
    car: CarRow
    item: DueItem
    key: str
    again: bool
    snoozed_until: dt.date | None


_KIND_ORDER = {kind: n for n, kind in enumerate(DUE_KINDS)}  # DUE_KINDS.index, as a lookup
_Send = tuple[_Candidate, dt.datetime, dt.datetime]  # a reminder to enqueue: its candidate, not_before, expiry
RENDER_SLICE = 500  # reminders rendered between two turns of the event loop (the next read, the last write)


class PagePass:
    """The decisions for one page of items; `reminded` counts each customer's reminders within the cap's window
    (earlier sweeps' from the database, this sweep's as it goes, in a dry run too)."""

    def __init__(
        self,
        deps: ReminderDeps,
        now: dt.datetime,
        today: dt.date,
        report: SweepReport,
        reminded: Counter[int],
        on_item: Callable[[ItemDecision], None] | None,
        texts: ReminderTexts | None = None,
    ) -> None:
        self.deps, self.config, self.now, self.today = deps, deps.config, now, today
        self.report, self.reminded, self.on_item = report, reminded, on_item
        self.texts = texts or ReminderTexts(deps.renderers.messages)  # the sweep's, shared by its pages

    def _emit(self, outcome: Outcome, candidate: _Candidate, **extra: object) -> None:
        self.report.outcomes[outcome] += 1
        if self.on_item is not None:
            car = candidate.car
            locale = reminder_message.reminder_locale(
                car.locale_choice, car.last_locale, car.language_code, self.config.default_locale
            )
            view = CarView(car.id, car.plate, car.make, car.model)
            decision = ItemDecision(
                outcome, car.customer_id, view, candidate.item, candidate.key, locale,
                again=candidate.again, snoozed_until=candidate.snoozed_until, **extra,  # type: ignore[arg-type]
            )
            self.on_item(decision)

    def decide(
        self, items: list[tuple[CarRow, DueItem]], snoozes: dict[tuple[int, str], dt.date], existing: set[str]
    ) -> list[_Send]:
        """Snoozes, keys already in the outbox, the per-customer cap, quiet hours and expiry: what to enqueue
        (each rendered by `message`, apart, so the sweep can let the next page's read run meanwhile).

        `snoozes`: (car, kind) → the snooze's end; `existing`: which of the items' keys (and of their keys after a
        snooze that has ended) the outbox holds.
        """
        if not items:
            return []
        today = self.today
        fresh: list[_Candidate] = []
        for car, item in items:
            base, until = item.idempotency_key, snoozes.get((car.id, item.kind))
            again = until is not None and until <= today and base in existing
            key = f"{base}:snooze:{until.isoformat()}" if again and until else base
            candidate = _Candidate(car, item, key, again, until)
            if until is not None and until > today:
                self._emit("snoozed", candidate)
            elif key in existing:
                self._emit("already", candidate)
            else:
                fresh.append(candidate)
        return self._within_caps(fresh)

    def _within_caps(self, fresh: list[_Candidate]) -> list[_Send]:
        reminded, cap = self.reminded, self.config.cap_count
        not_before = self.config.quiet.shift(self.now)
        shifted = not_before != self.now.astimezone(dt.UTC)
        fresh.sort(key=lambda c: (c.car.customer_id, c.item.due, _KIND_ORDER[c.item.kind]))
        sends: list[_Send] = []
        for candidate in fresh:
            car, item = candidate.car, candidate.item
            if reminded[car.customer_id] >= cap:
                self._emit("capped", candidate)
                continue
            expiry = expires_at(item, self.today, self.config)
            if expiry <= not_before:
                self._emit("too_late", candidate, not_before=not_before, expires_at=expiry)
                continue
            reminded[car.customer_id] += 1
            sends.append((candidate, not_before, expiry))
            self.report.by_kind[item.kind] += 1
            self._emit("send", candidate, not_before=not_before, expires_at=expiry, quiet_shifted=shifted)
        return sends

    def message(self, send: _Send) -> OutboxItem:
        """The outbox row of a reminder `decide` chose: its text rendered and its buttons signed."""
        candidate, not_before, expiry = send
        car = candidate.car
        locale = reminder_message.reminder_locale(
            car.locale_choice, car.last_locale, car.language_code, self.config.default_locale
        )
        view = CarView(car.id, car.plate, car.make, car.model)
        payload = reminder_message.payload(
            self.deps.renderers, locale, car.telegram_user_id, view, candidate.item, self.today,
            car.first_name or car.name, candidate.again, texts=self.texts,
        )
        return OutboxItem(candidate.key, REMINDER_KIND, car.chat_id, payload, not_before, expiry, car.customer_id)


async def _load_page(
    sessions: async_sessionmaker[AsyncSession], after_id: int, limit: int, only: tuple[int, ...] = ()
) -> tuple[list[CarRow], History, History]:
    async with sessions() as session:
        cars = await reminder_repo.car_page(session, after_id, limit, only)
        ids = [car.id for car in cars]
        readings = await reminder_repo.odometer_history(session, ids) if ids else {}
        services = await reminder_repo.service_history(session, ids) if ids else {}
    return cars, readings, services


async def car_items(
    sessions: async_sessionmaker[AsyncSession], deps: ReminderDeps, vehicle_id: int, today: dt.date
) -> tuple[CarRow, list[DueItem]] | None:
    """One owned car and everything due for it (the "book now" summary); None when nobody on Telegram owns it."""
    cars, readings, services = await _load_page(sessions, 0, 1, (vehicle_id,))
    if not cars:
        return None
    car = cars[0]
    vehicle = facts(car, readings.get(car.id, []), services.get(car.id, []))
    return car, due_items(vehicle, deps.schedule, deps.config.region, today, deps.rules)


async def _items(
    sessions: async_sessionmaker[AsyncSession], deps: ReminderDeps, page: list[tuple[CarRow, Any]], today: dt.date,
    plan_for: Callable[[str, str], ServicePlan],
) -> list[tuple[CarRow, DueItem]]:
    """The page's DueItems as `due_items` gives them on `today`; a car whose odometer estimate needs its history
    (a day before its latest reading) is computed from it."""
    decoded = [(car, due_rows.decode(row, car.make, car.model, plan_for, today)) for car, row in page]
    missing = sorted({car.id for car, item in decoded if item is None})
    computed: dict[tuple[int | str, str], DueItem] = {}
    if missing:
        async with sessions() as session:
            for vehicle in await due_store.car_facts(session, missing):
                for item in due_items(vehicle, deps.schedule, deps.config.region, today, deps.rules):
                    computed[(item.vehicle_id, item.kind)] = item
    pairs = zip(decoded, page, strict=True)
    return [(car, item or computed[(row.vehicle_id, row.kind)]) for (car, item), (_, row) in pairs]


def _known_keys(row: Any, item: DueItem) -> list[str]:
    """The item's outbox keys the page query found (due_store.near_pages joins the outbox on both)."""
    base = item.idempotency_key
    keys = [base] if row.sent else []
    if row.sent_after_snooze:
        keys.append(f"{base}:snooze:{row.snoozed_until.isoformat()}")
    return keys


async def sweep(
    sessions: async_sessionmaker[AsyncSession],
    deps: ReminderDeps,
    now: dt.datetime,
    today: dt.date | None = None,
    dry_run: bool = False,
    on_item: Callable[[ItemDecision], None] | None = None,
    recompute: bool = False,
) -> SweepReport:
    """Enqueue the reminders due now (nothing in a dry run); `on_item` sees every in-window decision.

    A dry run brings the due-date table up to date too (it is derived from the facts, not a decision);
    `recompute` recomputes every car's due dates first, whatever the rules' hash says.
    """
    config = deps.config
    today = today or now.astimezone(config.quiet.tz).date()
    report = SweepReport(today, dry_run)
    engine = engine_of(sessions)
    async with reminder_repo.sweep_lock(engine) as mine:
        if not mine:
            report.skipped = True
            return report
        with _older_objects_frozen():
            report.recomputed = await due_store.refresh(sessions, deps, today, full=recompute)
            skip_already = on_item is None  # counted, not read: see due_store.near_plan
            (report.cars, report.not_swept), (report.items, later, stale), recent, plan = await asyncio.gather(
                _read(sessions, reminder_repo.cars_swept),
                _read(sessions, lambda session: due_store.counts(session, today, config)),
                _read(sessions, lambda session: reminder_repo.recent_reminders(session, cap_since(today, config))),
                due_store.near_plan(sessions, today, config, skip_already),
            )  # each on its own connection: on PostgreSQL, the database's processes count and plan at once
            already = {"already": plan.already}
            report.outcomes.update({name: n for name, n in (("later", later), ("stale", stale), *already.items()) if n})
            reminded = Counter(recent)
            plan_for = cache(deps.schedule.plan_for)  # one lookup per make and model a sweep
            texts = ReminderTexts(deps.renderers.messages)
            pages = due_store.near_pages(sessions, today, config, plan)
            async with _Pipeline(pages) as pipeline:
                while (page := await pipeline.next_page()) is not None:
                    items = await _items(sessions, deps, page, today, plan_for)
                    snoozes = {(row.vehicle_id, row.kind): row.snoozed_until for _, row in page if row.snoozed_until}
                    existing = {key for (_, row), (_, item) in zip(page, items, strict=True)
                                for key in _known_keys(row, item)}  # fmt: skip
                    page_pass = PagePass(deps, now, today, report, reminded, on_item, texts)
                    chosen = page_pass.decide(items, snoozes, existing)
                    sends: list[OutboxItem] = []
                    for start in range(0, len(chosen), RENDER_SLICE):
                        sends += [page_pass.message(send) for send in chosen[start : start + RENDER_SLICE]]
                        await asyncio.sleep(0)  # the next page's read and the last page's write go on meanwhile
                    if sends and not dry_run:
                        await pipeline.write(_enqueue(sessions, sends, now))
                report.enqueued += await pipeline.written()
    return report


async def _read(sessions: async_sessionmaker[AsyncSession], query: Callable[[AsyncSession], Awaitable[_T]]) -> _T:
    async with sessions() as session:
        return await query(session)


async def _enqueue(sessions: async_sessionmaker[AsyncSession], sends: list[OutboxItem], now: dt.datetime) -> int:
    async with sessions.begin() as session:
        return await outbox.enqueue_many(session, sends, now=now)


class _Pipeline:
    """The next page read and the last page written while the current one is decided and rendered.

    Reading a page and writing one are mostly waiting on the database (on PostgreSQL another process, the other
    core); rendering is the sweep's own CPU. One read ahead and one write behind at a time, each on its own
    connection, so pages are still decided in order and memory holds at most three pages. A failed read or write
    raises at the next page, and the tasks still running are cancelled when the sweep leaves."""

    def __init__(self, pages: AsyncIterator[Any]) -> None:
        self._pages = pages
        self._reading: asyncio.Future[Any] | None = None
        self._writing: asyncio.Future[int] | None = None
        self._written = 0

    async def __aenter__(self) -> _Pipeline:
        self._reading = asyncio.ensure_future(anext(self._pages, None))
        return self

    async def next_page(self) -> Any:
        assert self._reading is not None
        page = await self._reading
        self._reading = asyncio.ensure_future(anext(self._pages, None)) if page is not None else None
        return page

    async def write(self, writing: Coroutine[Any, Any, int]) -> None:
        """Start this page's write once the last one is done (pages are written in order)."""
        if self._writing is not None:
            self._written += await self._writing
        self._writing = asyncio.ensure_future(writing)

    async def written(self) -> int:
        """How many rows the writes added, once all are done."""
        if self._writing is not None:
            self._written += await self._writing
            self._writing = None
        return self._written

    async def __aexit__(self, *exc: object) -> None:
        for task in (self._reading, self._writing):
            if task is not None and not task.done():
                task.cancel()
                with suppress(asyncio.CancelledError, Exception):
                    await task
        aclose = getattr(self._pages, "aclose", None)
        if aclose is not None:
            await aclose()


@contextmanager
def _older_objects_frozen() -> Iterator[None]:
    """Keep the cyclic garbage collector's full collections off the objects the process held before the sweep.

    A sweep allocates a page of rows, items and messages at a time, enough that Python runs a full collection
    every few thousand reminders, and each one walked the whole process (the services, the knowledge base,
    every imported module: about 385,000 objects, some 200 ms of CPU each; a quarter of the first sweep's CPU
    at 100,000 cars, measured). gc.freeze() sets them aside until the sweep ends; nothing is freed later than it
    would be except cyclic garbage among them, collected at the first full collection after (the bot's own
    start-up freeze is kept: bot.core.common.frozen)."""
    with frozen_meanwhile():
        yield
