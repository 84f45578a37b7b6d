"""`python -m bot outbox status`: the counts per status as JSON."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.__main__ import main
from bot.core.common.settings import Settings
from bot.core.outbox import store as outbox
from bot.db.engine import create_engine, session_factory


async def _enqueue(database_url: str) -> None:
    engine = create_engine(database_url)
    async with session_factory(engine).begin() as session:
        await outbox.enqueue(session, "reminder:1:oil:2026-03-10", "reminder", 42, outbox.message_payload("hi"))
    await engine.dispose()


def test_outbox_status_prints_counts(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_enqueue(settings.database_url))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.chdir(settings.database_url.split("///", 1)[1].rsplit("/", 1)[0])  # away from a developer's .env
    assert main(["outbox", "status"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "pending": 1, "sending": 0, "sent": 0, "failed": 0, "dropped": 0, "unreachable": 0
    }
