"""ConfirmingUpdater against a fake getUpdates with Telegram's offset rule: an update is confirmed only once
handled and recorded, one handled before (the ledger) is skipped, and one delivered twice is queued once."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update

from bot.core.ops.handled import RETENTION, UpdateLedger
from bot.handlers.ops.polling import ConfirmingUpdater


class FakeTelegram:
    """getUpdates as Telegram answers it: every pending update at or after `offset`, which confirms the rest."""

    def __init__(self, *update_ids: int) -> None:
        self.pending = [Update(update_id) for update_id in update_ids]
        self.offsets: list[int] = []

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def delete_webhook(self, drop_pending_updates: bool = False) -> bool:
        return True

    async def get_updates(self, offset: int, **_long_poll: Any) -> list[Update]:
        self.offsets.append(offset)
        self.pending = [u for u in self.pending if u.update_id >= offset]
        await asyncio.sleep(0.01)  # a round trip
        return list(self.pending)


async def _next(queue: asyncio.Queue[object]) -> int:
    update = await asyncio.wait_for(queue.get(), 5)
    assert isinstance(update, Update)
    return update.update_id


async def test_an_update_is_confirmed_only_after_it_is_handled_and_recorded(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    telegram = FakeTelegram(7, 8)
    ledger = UpdateLedger(sessions)
    updater = ConfirmingUpdater(telegram, asyncio.Queue(), ledger)  # type: ignore[arg-type]
    await updater.initialize()
    await updater.start_polling()
    try:
        assert [await _next(updater.update_queue), await _next(updater.update_queue)] == [7, 8]
        await asyncio.sleep(0.3)  # polls go on while both are in hand
        assert updater.update_queue.empty(), "an update in hand is not queued twice"
        assert max(telegram.offsets) <= 7 and [u.update_id for u in telegram.pending] == [7, 8]
        updater.handled(8)  # finished out of order: 7 still holds the offset
        await asyncio.sleep(0.3)
        assert await ledger.handled_among([7, 8]) == {8} and max(telegram.offsets) == 7
        updater.handled(7)
        for _ in range(100):
            if not telegram.pending:
                break
            await asyncio.sleep(0.05)
        assert telegram.pending == [] and max(telegram.offsets) == 9
        assert await ledger.handled_among([7, 8]) == {7, 8}
    finally:
        await updater.stop()


async def test_an_update_handled_before_a_failover_is_skipped(sessions: async_sessionmaker[AsyncSession]) -> None:
    ledger = UpdateLedger(sessions)
    await ledger.record([41, 42])  # the dead replica handled these but did not confirm them
    telegram = FakeTelegram(41, 42, 43)
    updater = ConfirmingUpdater(telegram, asyncio.Queue(), ledger)  # type: ignore[arg-type]
    await updater.initialize()
    await updater.start_polling()
    try:
        assert await _next(updater.update_queue) == 43
        updater.handled(43)
        for _ in range(100):
            if not telegram.pending:
                break
            await asyncio.sleep(0.05)
        assert telegram.pending == [] and updater.update_queue.empty()
    finally:
        await updater.stop()


async def test_the_ledger_forgets_ids_after_the_retention(sessions: async_sessionmaker[AsyncSession]) -> None:
    ledger = UpdateLedger(sessions)
    now = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)
    await ledger.record([1, 2], now - RETENTION - dt.timedelta(minutes=1))
    await ledger.record([3], now)
    await ledger.record([3], now)  # recorded twice: still one row
    assert await ledger.prune(now) == 2
    assert await ledger.handled_among([1, 2, 3]) == {3} and await ledger.newest() == 3



async def _webhook_updater(sessions: async_sessionmaker[AsyncSession]) -> tuple[ConfirmingUpdater, UpdateLedger]:
    ledger = UpdateLedger(sessions)
    updater = ConfirmingUpdater(FakeTelegram(), asyncio.Queue(), ledger)  # type: ignore[arg-type]
    await updater.initialize()
    await updater.take_webhook_updates()
    return updater, ledger


async def test_a_webhook_update_is_answered_only_after_it_is_handled_and_recorded(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    updater, ledger = await _webhook_updater(sessions)
    delivery = asyncio.create_task(updater.take_from_webhook(Update(7)))  # PTB's webhook handler awaits this
    assert await _next(updater.update_queue) == 7
    await asyncio.sleep(0.2)
    assert not delivery.done(), "Telegram must not get its 200 while the update is in hand"
    again = asyncio.create_task(updater.take_from_webhook(Update(7)))  # Telegram's retry meanwhile
    await asyncio.sleep(0.1)
    assert updater.update_queue.empty() and not again.done()
    updater.handled(7)
    await asyncio.wait_for(asyncio.gather(delivery, again), 5)
    assert await ledger.handled_among([7]) == {7}
    await asyncio.wait_for(updater.take_from_webhook(Update(7)), 5)  # a late re-delivery: answered at once
    assert updater.update_queue.empty()


async def test_a_webhook_update_handled_before_a_failover_is_answered_without_handling(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await UpdateLedger(sessions).record([41])  # the dead replica handled it; its 200 never reached Telegram
    updater, ledger = await _webhook_updater(sessions)
    await asyncio.wait_for(updater.take_from_webhook(Update(41)), 5)
    assert updater.update_queue.empty()
    delivery = asyncio.create_task(updater.take_from_webhook(Update(42)))
    assert await _next(updater.update_queue) == 42
    updater.handled(42)
    await asyncio.wait_for(delivery, 5)
    assert await ledger.handled_among([41, 42]) == {41, 42}
