"""`python -m bot chat` plays every part: a reminder reaches the terminal after linking, its buttons work, and
the terminal can speak as an advisor in the advisors' group (in-process, driven step by step: no sleeps)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from telegram.ext import Application

from bot.app import build_application
from bot.cli.chat import (
    CHAT_GROUP_ID,
    STAFF_PERSONAS,
    TerminalBotApi,
    TerminalChat,
    _terminal_command,
    bootstrap_chat_staff,
    chat_settings,
)
from bot.cli.chat_jobs import ChatJobs
from bot.core.imports.importer import seed_demo_data
from bot.core.staff import repo as staff_repo
from bot.db.common.migrate import upgrade
from bot.handlers.desk.group import bootstrap_staff
from scheduler import jobs
from tests.conftest import make_settings


async def test_a_reminder_arrives_in_the_terminal_and_its_buttons_work(tmp_path: Path) -> None:
    # No quiet hours, so the reminder may go out whatever the hour the test runs at.
    settings = chat_settings(make_settings(tmp_path, quiet_hours_start="00:00", quiet_hours_end="00:00"))
    await asyncio.to_thread(upgrade, settings.database_url)  # Alembic runs its own event loop
    lines: list[str] = []
    api = TerminalBotApi(chat_id=1_000_001, out=lines.append, group_id=settings.advisor_group_id)
    app = build_application(settings, request=api)
    services = app.bot_data["services"]
    today = dt.datetime.now(settings.tz).date()
    await seed_demo_data(services.sessions, settings.knowledge_dir / "demo", region="CN", today=today)
    chat = TerminalChat(app, api, 1_000_001, "Mei", "en")
    chat_jobs = ChatJobs(api)
    async with app:
        await bootstrap_chat_staff(services)  # the terminal's advisor and supervisor
        for line in ("/mycar", "1", "3"):  # [1] agree, [3] share the (demo) contact: linked to the first demo customer
            await chat.say(line)
        assert any("Found your record with us" in line for line in lines)
        await chat_jobs.start(app)
        assert chat_jobs.running is not None
        chat_jobs.running.scheduler.pause()  # the test drives the jobs itself
        desk_job = chat_jobs.running.scheduler.get_job(jobs.DESK_JOB)
        assert desk_job is not None and asyncio.iscoroutinefunction(desk_job.func)  # awaited, not run in a thread
        await chat_jobs.tick_now()  # the insurance reminder (due in three weeks) and the follow-up of a visit
        sent = await chat_jobs.running.sender.tick()  # four days ago (knowledge/demo, shifted to today)
        assert sent == 2
        shown = "\n".join(lines)
        assert "Car insurance renewal" in shown and "粤B·A7453" in shown, shown
        assert "How is the car running?" in shown and "粤B·F58938" in shown
        live = api.buttons  # both keyboards stay pressable, numbered on from the garage's buttons shown before
        labels = [button.label for button in live.values()]
        assert any("Remind me later" in label for label in labels) and any("2 ⭐" in label for label in labels)
        last = max(live)
        assert f"  [{last}] {live[last].label}" in lines and live[last - 4].label.startswith("1")  # ratings 1–5
        lines.clear()
        await press(app, chat, api, "Remind me later")
        assert any("we will remind you about the insurance renewal" in line for line in lines), lines
        lines.clear()
        await press(app, chat, api, "2 ⭐")  # a low rating: a complaint ticket, the supervisor alerted
        shown = "\n".join(lines)
        assert "── advisors' group › topic #" in shown and "Sam" in shown, shown
        assert "· 粤B·F58938 · #1»" in shown  # the topic is named after the car of the visit rated
        await chat_jobs.stop()
    await services.engine.dispose()


async def press(app: Application, chat: TerminalChat, api: TerminalBotApi, label: str) -> None:  # type: ignore[type-arg]
    """Press the live button labelled `label` by its number, as typed in the terminal."""
    number = next((number for number, button in reversed(api.buttons.items()) if label in button.label), None)
    assert number is not None, f"no button {label!r} on screen"
    await chat.say(str(number))


async def test_the_terminal_speaks_as_an_advisor_in_the_group(tmp_path: Path) -> None:
    settings = chat_settings(make_settings(tmp_path))
    assert settings.advisor_group_id == CHAT_GROUP_ID
    await asyncio.to_thread(upgrade, settings.database_url)  # Alembic runs its own event loop
    lines: list[str] = []
    api = TerminalBotApi(chat_id=1_000_001, out=lines.append, group_id=settings.advisor_group_id)
    app = build_application(settings, request=api)
    chat = TerminalChat(app, api, 1_000_001, "Mei", "en")
    async with app:
        await bootstrap_staff(app.bot_data["services"])
        async with app.bot_data["services"].sessions() as session:
            advisor = await staff_repo.get(session, STAFF_PERSONAS["advisor"][0])
            supervisor = await staff_repo.get(session, STAFF_PERSONAS["supervisor"][0])
        assert advisor is not None and advisor.can("advisor") and not advisor.can("supervisor")
        assert supervisor is not None and supervisor.can("supervisor")
        await _terminal_command(chat, ":as advisor", None)
        api._answer("createForumTopic", {"chat_id": CHAT_GROUP_ID, "name": "Mei · #1"})
        api._answer("sendMessage", {"chat_id": CHAT_GROUP_ID, "message_thread_id": 1, "text": "card"})
        assert "── advisors' group › topic #1 «Mei · #1» ──" in lines
        update = chat.update_for("Hello Mei")
        message = update.effective_message
        assert message is not None and message.chat.id == CHAT_GROUP_ID and message.message_thread_id == 1
        assert message.from_user is not None and message.from_user.id == STAFF_PERSONAS["advisor"][0]
        copied = api._answer("copyMessage", {"chat_id": 1_000_001, "from_chat_id": CHAT_GROUP_ID,
                                             "message_id": message.message_id})  # fmt: skip
        assert "message_id" in copied and "(copied) Hello Mei" in lines
        await _terminal_command(chat, ":as customer", None)
        back = chat.update_for("thanks").effective_message
        assert back is not None and back.chat.id == 1_000_001 and back.chat.type == "private"
    await app.bot_data["services"].engine.dispose()


def test_tick_says_when_quiet_hours_hold_back_what_it_queued(tmp_path: Path) -> None:
    from bot.cli.chat_jobs import quiet_note

    settings = make_settings(tmp_path, quiet_hours_start="21:00", quiet_hours_end="08:30")
    night = dt.datetime(2026, 12, 3, 20, 30, tzinfo=dt.UTC)  # 04:30 in Shenzhen
    day = dt.datetime(2026, 12, 3, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shenzhen
    assert quiet_note(settings, night) is not None and "08:30" in str(quiet_note(settings, night))
    assert quiet_note(settings, day) is None
