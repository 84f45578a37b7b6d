"""Polling and webhook that confirm an update to Telegram only once it is handled and recorded, so a crash
loses none.

python-telegram-bot's own Updater confirms a batch (asks for the next offset) as soon as it has queued it,
so a process killed a moment later has lost the updates it was still handling. `ConfirmingUpdater` keeps
the offset at the oldest update still in hand: Telegram hands the unconfirmed ones out again to whoever
polls next. Each handled update is recorded in the `handled_update` ledger (bot.core.ops.handled) before it is
confirmed, and an update delivered again is looked up there, so it is handled once, not twice, even when the
replica that handled it died before confirming it.

While updates are in hand, getUpdates returns at once and hands them out again (they are still pending on
Telegram's side), so the loop polls again only when all of them are done, or every `BUSY_WAIT` seconds
meanwhile so that one slow update does not hold the others' up for longer than that — unless `FULL` or more
are in hand: then the handlers are busy anyway, and it waits for them to drop below that (re-reading a
hundred updates still in hand every half second is what a busy bot can least afford).

A webhook is confirmed by its HTTP answer: python-telegram-bot's webhook server answers 200 as soon as it has
queued the update. `start_webhook` hands that server a `ConfirmingQueue` instead, whose `put` returns only once
the update is handled and recorded, so the 200 goes after the handlers; a replica killed before that leaves
Telegram to deliver the update again (to the replica that takes over), where the ledger tells whether it was
handled. The same update delivered again while in hand waits for the first; one handled lately is answered at
once.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update
from telegram.error import Conflict, TelegramError
from telegram.ext import Application, Updater

from bot.core.ops.handled import UpdateLedger

log = logging.getLogger(__name__)
BUSY_WAIT = 0.5  # at most this long between polls while updates are in hand
FULL = 32  # with this many in hand, poll again only once fewer are
RETRY_DELAY = 1.0  # after a failed getUpdates or database call
PRUNE_EVERY = dt.timedelta(hours=1)
_AT_ONCE = dt.timedelta(0)
RECENT = 10_000  # webhook update ids remembered as handled (a late re-delivery is answered without a lookup)


class ConfirmingUpdater(Updater):
    """An Updater whose getUpdates offset never passes an update that is not handled and recorded."""

    def __init__(self, bot: Bot, update_queue: asyncio.Queue[object], ledger: UpdateLedger) -> None:
        super().__init__(bot, update_queue)
        self.ledger = ledger
        self._in_hand: set[int] = set()  # queued for the handlers, not finished
        self._done: set[int] = set()  # finished, not yet recorded in the ledger
        self._next = 0  # one past the highest update id received
        self._newest_recorded: int | None = None  # the ledger's newest id when polling started
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pruned_at: dt.datetime | None = None
        self._waiting: dict[int, asyncio.Future[None]] = {}  # webhook updates in hand, by id
        self._recent: OrderedDict[int, None] = OrderedDict()  # webhook updates handled and recorded lately
        self._webhook = False

    def handled(self, update_id: int) -> None:
        """The handlers are done with this update (called by the update processor)."""
        if update_id in self._in_hand:
            self._in_hand.discard(update_id)
            self._done.add(update_id)
            self._wake.set()
        waiter = self._waiting.get(update_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def offset(self) -> int:
        """What getUpdates may confirm: everything below the oldest update not yet handled and recorded."""
        unconfirmed = self._in_hand | self._done
        return min(unconfirmed) if unconfirmed else self._next

    async def start_polling(  # type: ignore[override]
        self,
        poll_interval: float = 0.0,
        timeout: dt.timedelta | int = dt.timedelta(seconds=10),  # noqa: ASYNC109 (PTB's signature)
        bootstrap_retries: int = 0,
        allowed_updates: Sequence[str] | None = None,
        drop_pending_updates: bool | None = None,
        **_ignored: Any,
    ) -> asyncio.Queue[object]:
        """Drop any webhook, read where the ledger stands, start the polling task."""
        if self.running:
            raise RuntimeError("This Updater is already running!")
        if not self._initialized:
            raise RuntimeError("This Updater was not initialized via `Updater.initialize`!")
        await self.bot.delete_webhook(drop_pending_updates=bool(drop_pending_updates))
        self._newest_recorded = await self.ledger.newest()
        self._running = True
        long_poll = timeout if isinstance(timeout, dt.timedelta) else dt.timedelta(seconds=timeout)
        self._task = asyncio.create_task(self._poll(long_poll, allowed_updates), name="carebot-polling")
        return self.update_queue

    async def start_webhook(self, *args: Any, **kwargs: Any) -> asyncio.Queue[object]:  # type: ignore[override]
        """PTB's webhook server, answering Telegram only once each update is handled and recorded."""
        await self.take_webhook_updates()
        queue, self.update_queue = self.update_queue, ConfirmingQueue(self)  # type: ignore[assignment]
        try:
            await super().start_webhook(*args, **kwargs)  # builds its server around self.update_queue
        finally:
            self.update_queue = queue
        self._pruned_at = dt.datetime.now(dt.UTC)
        return queue

    async def take_webhook_updates(self) -> None:
        """From now on updates come from the webhook (take_from_webhook): read where the ledger stands."""
        self._newest_recorded = await self.ledger.newest()
        self._webhook = True

    async def take_from_webhook(self, update: Update) -> None:
        """One update the webhook received: handled once, recorded, and only then returns (the HTTP 200)."""
        update_id = update.update_id
        if update_id in self._recent:
            return  # delivered again after we answered: already handled
        waiter = self._waiting.get(update_id)
        if waiter is not None:  # delivered again while in hand: answer with the first
            await asyncio.shield(waiter)
            return
        newest = self._newest_recorded
        if newest is not None and update_id <= newest and await self.ledger.handled_among([update_id]):
            log.info("update %s was handled before (delivered again after a failover); skipped", update_id)
            return
        waiter = self._waiting[update_id] = asyncio.get_running_loop().create_future()
        try:
            await self.update_queue.put(update)
            await asyncio.shield(waiter)
            await self.ledger.record([update_id])
        finally:
            self._waiting.pop(update_id, None)
        self._recent[update_id] = None
        if len(self._recent) > RECENT:
            self._recent.popitem(last=False)
        await self._prune_now_and_then()

    async def stop(self) -> None:
        """Stop polling; the updates in hand finish afterwards (Application.stop) and `finish` records them.
        A webhook server stops as PTB's does."""
        if not self.running:
            raise RuntimeError("This Updater is not running!")
        if self._webhook:
            await super().stop()
            return
        self._running = False
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def finish(self, _application: Application | None = None) -> None:  # type: ignore[type-arg]
        """After the handlers stopped (post_stop): record what they finished and confirm it to Telegram (a
        webhook's updates were recorded and confirmed one by one)."""
        if self._webhook:
            return
        try:
            await self._record_done()
            await self.bot.get_updates(offset=self.offset(), timeout=_AT_ONCE)
        except (SQLAlchemyError, OSError, TelegramError) as exc:
            log.warning("could not confirm the last updates (the next poller skips them by the ledger): %s", exc)

    async def _poll(self, long_poll: dt.timedelta, allowed_updates: Sequence[str] | None) -> None:
        while self.running:
            try:
                self._wake.clear()
                await self._record_done()
                await self._prune_now_and_then()
                if self._in_hand:
                    await self._until_done_or(BUSY_WAIT)
                    await self._record_done()
                wait = _AT_ONCE if self._in_hand else long_poll
                updates = await self.bot.get_updates(
                    offset=self.offset(), timeout=wait, allowed_updates=allowed_updates
                )
                await self._take(updates)
            except asyncio.CancelledError:
                raise
            except Conflict as exc:
                log.error("another process polls with this token (%s); is a second replica without the lock?", exc)
                await asyncio.sleep(RETRY_DELAY)
            except (TelegramError, SQLAlchemyError, OSError) as exc:
                log.warning("polling: %s; trying again in %.0f s", exc, RETRY_DELAY)
                await asyncio.sleep(RETRY_DELAY)

    async def _until_done_or(self, seconds: float) -> None:
        """Wait until nothing is in hand, or `seconds` at most."""
        while len(self._in_hand) >= FULL:
            self._wake.clear()
            await self._wake.wait()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while self._in_hand:
                    self._wake.clear()
                    await self._wake.wait()

    async def _take(self, updates: Sequence[Update]) -> None:
        """Queue the updates not seen before and not in the ledger; the rest are confirmed with the next poll."""
        fresh: list[Update] = []
        for update in updates:  # in id order; the ones in hand come again until confirmed
            if update.update_id >= (fresh[-1].update_id + 1 if fresh else self._next):
                fresh.append(update)
        if not fresh:
            return
        newest = self._newest_recorded
        maybe_seen = [u.update_id for u in fresh if newest is not None and u.update_id <= newest]
        seen = await self.ledger.handled_among(maybe_seen) if maybe_seen else set()
        self._next = fresh[-1].update_id + 1  # only now: a failed lookup above leaves them to the next poll
        for update in fresh:
            if update.update_id in seen:
                log.info("update %s was handled before (delivered again after a failover); skipped",
                         update.update_id)
                continue
            self._in_hand.add(update.update_id)
            await self.update_queue.put(update)

    async def _record_done(self) -> None:
        if self._done:
            done = set(self._done)
            await self.ledger.record(done)
            self._done -= done

    async def _prune_now_and_then(self) -> None:
        now = dt.datetime.now(dt.UTC)
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            await self.ledger.prune(now)


class ConfirmingQueue:
    """What PTB's webhook handler puts each update into: `put` returns once the update is handled and recorded
    (ConfirmingUpdater.take_from_webhook), so the server's 200 confirms a handled update."""

    def __init__(self, updater: ConfirmingUpdater) -> None:
        self.updater = updater

    async def put(self, update: object) -> None:
        if isinstance(update, Update):
            await self.updater.take_from_webhook(update)
