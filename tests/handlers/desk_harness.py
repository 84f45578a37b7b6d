"""The advisors' side for handler tests: a forum supergroup, staff members in it, and their messages and presses.

    app, engine, desk = await build_desk(tmp_path)
    customer = Customer(app, engine, 501, "zh-Hant")
    advisor = desk.advisor            # an advisor already in the group (ADVISOR_IDS)
    await advisor.say("…", thread_id=topic)     # a reply in a customer's topic
    await advisor.press("認領")                 # a button on the group's last message that has buttons
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import build_application
from bot.handlers.desk.group import bootstrap_staff
from tests.botapi.engine import BotApiEngine
from tests.botapi.ratelimit import RateLimits
from tests.botapi.recording import RecordingRequest, process
from tests.conftest import make_settings, migrate

# Thursday 2026-11-26 10:00 in Shenzhen: the branches are open.
OPEN_HOURS = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
GROUP_ID = -1_001_500_000_000
ADMIN_ID, SUPERVISOR_ID, ADVISOR_ID, ADVISOR2_ID, MARKETING_ID = 9001, 9002, 9003, 9004, 9005


class StaffUser:
    """One staff member (or an outsider) acting in the advisors' group or in a private chat with the bot."""

    def __init__(self, app: Application, engine: BotApiEngine, user_id: int, name: str) -> None:  # type: ignore[type-arg]
        self.app, self.engine, self.id = app, engine, user_id
        if user_id not in engine._users:
            engine.add_user(user_id, first_name=name, language_code="zh-hant")

    async def say(self, text: str, *, thread_id: int | None = None, private: bool = False) -> None:
        """A message in the group (in a topic when `thread_id` is given), or to the bot in private."""
        chat_id = None if private else GROUP_ID
        await process(self.app, self.engine.push_text(self.id, text, chat_id=chat_id, thread_id=thread_id))

    async def press(self, label_part: str, *, message: dict[str, Any] | None = None) -> None:
        """Press the button whose label contains `label_part` (default: on the group's last message with one)."""
        message = message or last_with_buttons(self.engine, GROUP_ID)
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        data = next(b["callback_data"] for row in rows for b in row if label_part in b["text"])
        update = self.engine.push_callback(self.id, message["message_id"], data, chat_id=GROUP_ID)
        await process(self.app, update)

    async def press_data(self, data: str, message_id: int) -> None:
        """Press forged or replayed data on a group message, as a malicious client could."""
        update = self.engine.push_callback(self.id, message_id, data, chat_id=GROUP_ID, force=True)
        await process(self.app, update)


@dataclass
class Desk:
    app: Application  # type: ignore[type-arg]
    engine: BotApiEngine
    admin: StaffUser
    supervisor: StaffUser
    advisor: StaffUser
    advisor2: StaffUser
    marketing: StaffUser
    outsider: StaffUser  # in the group, but not staff

    def group_messages(self, thread_id: int | None = None) -> list[dict[str, Any]]:
        """What the bot posted in the group (only in topic `thread_id` when given)."""
        sent = [m for m in self.engine.sent_messages(GROUP_ID) if m.get("from", {}).get("is_bot")]
        return [m for m in sent if thread_id is None or m.get("message_thread_id") == thread_id]


def last_with_buttons(engine: BotApiEngine, chat_id: int) -> dict[str, Any]:
    return next(m for m in reversed(engine.sent_messages(chat_id)) if m.get("reply_markup"))


async def build_desk(tmp_path: Path, **settings_overrides: object) -> tuple[Application, BotApiEngine, Desk]:  # type: ignore[type-arg]
    """The real Application with an advisors' forum supergroup and staff bootstrapped from settings."""
    engine = BotApiEngine(rate_limits=RateLimits(enabled=False))
    members = [ADMIN_ID, SUPERVISOR_ID, ADVISOR_ID, ADVISOR2_ID, MARKETING_ID, 9099]
    engine.add_group("Evergreen advisors", chat_id=GROUP_ID, forum=True, members=members)
    settings = make_settings(
        tmp_path,
        telegram_token=engine.token,
        advisor_group_id=GROUP_ID,
        admin_ids=[ADMIN_ID],
        supervisor_ids=[SUPERVISOR_ID],
        advisor_ids=[ADVISOR_ID, ADVISOR2_ID],
        marketing_ids=[MARKETING_ID],
        **settings_overrides,
    )
    await asyncio.to_thread(migrate, settings.database_url)  # Alembic runs its own event loop
    app = build_application(settings, request=RecordingRequest(engine))
    await bootstrap_staff(app.bot_data["services"])
    desk = Desk(
        app,
        engine,
        admin=StaffUser(app, engine, ADMIN_ID, "Ada"),
        supervisor=StaffUser(app, engine, SUPERVISOR_ID, "Sam"),
        advisor=StaffUser(app, engine, ADVISOR_ID, "Alex"),
        advisor2=StaffUser(app, engine, ADVISOR2_ID, "Bo"),
        marketing=StaffUser(app, engine, MARKETING_ID, "Mia"),
        outsider=StaffUser(app, engine, 9099, "Oscar"),
    )
    return app, engine, desk
