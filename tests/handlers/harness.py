"""A customer talking to the real Application through process_update, answered by the rule-enforcing engine."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import build_application
from tests.botapi.engine import BotApiEngine
from tests.botapi.ratelimit import RateLimits
from tests.botapi.recording import RecordingRequest, process
from tests.conftest import make_settings, migrate


class Customer:
    """One Telegram user in a private chat with the bot; remembers what it has already read."""

    def __init__(self, app: Application, engine: BotApiEngine, user_id: int, language_code: str | None) -> None:  # type: ignore[type-arg]
        self.app = app
        self.engine = engine
        self.user = engine.add_user(user_id, first_name="Mei", language_code=language_code)
        self._read = 0

    def _new(self) -> list[dict[str, Any]]:
        messages = self.engine.sent_messages(self.user.id)
        fresh, self._read = messages[self._read :], len(messages)
        return fresh

    async def say(self, text: str) -> list[dict[str, Any]]:
        """Send a text message; returns the bot's new messages."""
        await process(self.app, self.engine.push_text(self.user.id, text))
        return self._new()

    async def send(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        await process(self.app, update)
        return self._new()

    def buttons(self, message: dict[str, Any] | None = None) -> list[tuple[str, str]]:
        """(label, callback_data) of a message's inline keyboard (default: the last message that has one)."""
        if message is None:
            message = next(m for m in reversed(self.engine.sent_messages(self.user.id)) if m.get("reply_markup"))
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    async def press(self, label_part: str) -> list[dict[str, Any]]:
        """Press the button whose label contains `label_part` on the last message with buttons."""
        message = next(m for m in reversed(self.engine.sent_messages(self.user.id)) if m.get("reply_markup"))
        data = next(d for label, d in self.buttons(message) if label_part in label)
        await process(self.app, self.engine.push_callback(self.user.id, message["message_id"], data))
        return self._new()

    async def press_data(self, data: str, message_id: int | None = None) -> tuple[str, list[dict[str, Any]]]:
        """Press forged data (force=True, as a malicious client could); returns (query id, new messages)."""
        last = self.engine.sent_messages(self.user.id)[-1]
        update = self.engine.push_callback(self.user.id, message_id or last["message_id"], data, force=True)
        await process(self.app, update)
        return update["callback_query"]["id"], self._new()


async def build(tmp_path: Path) -> tuple[Application, BotApiEngine]:  # type: ignore[type-arg]
    """The real Application on a fresh migrated SQLite database, its Bot API answered by a recording engine."""
    engine = BotApiEngine(rate_limits=RateLimits(enabled=False))
    settings = make_settings(tmp_path, telegram_token=engine.token)
    await asyncio.to_thread(migrate, settings.database_url)  # Alembic runs its own event loop
    return build_application(settings, request=RecordingRequest(engine)), engine
