"""Conversation state in the database, written through on every update (DESIGN.md, decision 3).

`SqlPersistence` stores (through bot.core.common.conversations) what python-telegram-bot's persistence asks for — the
states of persistent
ConversationHandlers and each customer's user_data (their answers so far) — in the `conversation_state`
table, one small JSON row per item, on SQLite and PostgreSQL alike. Chat data, bot data and callback data
are not stored: flows keep their answers per customer, and callback data is signed, not cached.

PTB only hands changes to a persistence every `update_interval` seconds (60 by default), so a process killed
in between would forget the customer's last answers. `WriteThroughApplication` closes that gap: after each
update it calls `update_persistence()`, which passes on only what the update changed; `SqlPersistence`
writes it at once and skips user_data that did not change, so an FAQ question costs no write at all.

One process serves a token at a time (Telegram allows one getUpdates consumer; a webhook fails over), so the
rows are read once at start-up, and after a restart or failover the new process continues where the old
one stopped. user_data must hold JSON values only (strings, numbers, booleans, lists, dicts).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, BasePersistence, PersistenceInput

from bot.core.common import frozen
from bot.core.common.conversations import ConversationStore

if TYPE_CHECKING:  # PTB names these types only in a private module
    from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

CONVERSATION = "conversation"
USER_DATA = "user_data"
UserData = dict[Any, Any]

log = logging.getLogger(__name__)


def _dump(value: object) -> str:
    """The canonical JSON of a value: what is compared to skip writes of unchanged data."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class SqlPersistence(BasePersistence[UserData, UserData, UserData]):
    """PTB persistence for conversations and user_data in `conversation_state`, written through."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        stored = PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False)
        super().__init__(store_data=stored)
        self._conversations = ConversationStore(sessions)
        self._written: dict[int, str] = {}  # user id → the JSON last stored, so unchanged data is not written

    async def get_conversations(self, name: str) -> ConversationDict:
        """Every stored state of the conversation `name`, keyed as PTB keys them (a tuple of ids)."""
        return {tuple(json.loads(key)): state for key, state in await self._conversations.rows(CONVERSATION, name)}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        """Store a conversation's new state; None means it ended, so its row goes."""
        stored_key = _dump(list(key))
        if new_state is None:
            await self._conversations.remove(CONVERSATION, name, stored_key)
        else:
            await self._conversations.put(CONVERSATION, name, stored_key, new_state)

    async def get_user_data(self) -> dict[int, UserData]:
        """Every customer's stored data, read once at start-up."""
        data = {int(key): value for key, value in await self._conversations.rows(USER_DATA, "")}
        self._written = {user_id: _dump(value) for user_id, value in data.items()}
        return data

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        """Store one customer's data if it changed; empty data removes the row."""
        dumped = _dump(data)
        if self._written.get(user_id, _dump({})) == dumped:
            return
        if data:
            await self._conversations.put(USER_DATA, "", str(user_id), data)
        else:
            await self._conversations.remove(USER_DATA, "", str(user_id))
        self._written[user_id] = dumped

    async def drop_user_data(self, user_id: int) -> None:
        """Forget one customer's data."""
        await self._conversations.remove(USER_DATA, "", str(user_id))
        self._written.pop(user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        """Nothing to do: this process is the only writer, so memory is never behind the database."""

    async def get_chat_data(self) -> dict[int, UserData]:
        """Not stored (store_data.chat_data is False)."""
        return {}

    async def update_chat_data(self, chat_id: int, data: UserData) -> None:
        """Not stored."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Not stored."""

    async def refresh_chat_data(self, chat_id: int, chat_data: UserData) -> None:
        """Not stored."""

    async def get_bot_data(self) -> UserData:
        """Not stored: bot_data holds the process's services, built afresh at start-up."""
        return {}

    async def update_bot_data(self, data: UserData) -> None:
        """Not stored."""

    async def refresh_bot_data(self, bot_data: UserData) -> None:
        """Not stored."""

    async def get_callback_data(self) -> CDCData | None:
        """Not stored: callback data is signed per user (bot.core.common.callbacks), there is no cache to keep."""
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        """Not stored."""

    async def flush(self) -> None:
        """Nothing is buffered: every change was written when it was handed over."""


class WriteThroughApplication(Application):  # type: ignore[type-arg]
    """An Application that hands each update's changes to the persistence as soon as the update is handled, and
    writes what the services buffer (customers' last-seen times) when it shuts down. While it runs, what it
    loaded before (services, knowledge, handlers, conversation state) is kept out of the garbage collector's
    full collections (bot.core.common.frozen)."""

    async def start(self) -> None:
        """Start as PTB does; everything is loaded by now (`run` and the benchmarks start after initialize)."""
        await super().start()
        frozen.freeze_after_start_up()

    async def stop(self) -> None:
        """Stop as PTB does, and give the frozen objects back to the collector."""
        try:
            await super().stop()
        finally:
            frozen.thaw()

    async def process_update(self, update: object) -> None:
        """Handle the update, then persist what it changed (conversation states, the customer's data)."""
        await super().process_update(update)
        if self.persistence is not None:
            await self.update_persistence()

    async def shutdown(self) -> None:
        """Write the customers' last-seen times still buffered, then shut down as PTB does. Here rather than in
        post_shutdown: `async with application` (the terminal chat, the tests) runs this one only."""
        services = self.bot_data.get("services")
        if services is not None:
            try:
                await services.seen.flush()
            except Exception:
                log.exception("could not write the customers' last-seen times")
        await super().shutdown()
