"""Updates of one user one at a time, different users at once (python-telegram-bot's update processor).

`concurrent_updates(True)` let two updates of one customer run together: a double tap on "Confirm" read the
same draft twice and stored two bookings. Here each update waits for the ones before it from the same user
(or, without a user, the same chat), so a flow always sees the answers the previous update left; other
customers are not held up. Updates waiting for their turn do not count against the running limit, so one
customer sending a burst cannot take the places of everyone else. An update id seen lately is not handled
again (a re-delivery after a dropped getUpdates answer or a webhook retry would otherwise answer a button twice,
which Telegram refuses, or reply to one message twice).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB's own semaphore only bounds updates in hand (running or waiting for their user's turn).
IN_HAND = 4096
SEEN_IDS = 10_000  # update ids remembered to drop a re-delivered one (Telegram's ids only grow)

log = logging.getLogger(__name__)


def update_owner(update: object) -> int | None:
    """Whose turn an update waits for: its user, else its chat (channel posts), else nobody's."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None


class PerUserUpdates(BaseUpdateProcessor):
    """Serialises the updates of each user; runs at most `running` updates at once overall."""

    def __init__(self, running: int = 64) -> None:
        super().__init__(IN_HAND)
        self._running = asyncio.BoundedSemaphore(running)
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}  # updates in hand per owner; the lock goes when none is left
        self._seen: OrderedDict[int, None] = OrderedDict()

    def _seen_before(self, update: object) -> bool:
        if not isinstance(update, Update):
            return False
        if update.update_id in self._seen:
            return True
        self._seen[update.update_id] = None
        if len(self._seen) > SEEN_IDS:
            self._seen.popitem(last=False)
        return False

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Drop an update id seen lately, before it takes a place or a turn; else as PTB does."""
        if self._seen_before(update):
            log.info("update %s delivered again: already taken", update.update_id)  # type: ignore[attr-defined]
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            return
        await super().process_update(update, coroutine)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        owner = update_owner(update)
        if owner is None:
            async with self._running:
                await coroutine
            return
        lock = self._locks.setdefault(owner, asyncio.Lock())
        self._holders[owner] = self._holders.get(owner, 0) + 1
        try:
            async with lock, self._running:
                await coroutine
        finally:
            self._holders[owner] -= 1
            if not self._holders[owner]:
                del self._holders[owner]
                del self._locks[owner]

    async def initialize(self) -> None:
        """Nothing to set up: the locks are made as users appear."""

    async def shutdown(self) -> None:
        """Nothing to free: the locks go with their last update."""
