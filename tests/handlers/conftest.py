"""Fixtures every handler test module shares."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from tests.botapi.engine import BotApiEngine
from tests.handlers.harness import build


@pytest.fixture
async def app_engine(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine]]:  # type: ignore[type-arg]
    """The real Application, started, on a fresh database, answered by the recording Bot API engine."""
    app, engine = await build(tmp_path)
    async with app:
        yield app, engine
