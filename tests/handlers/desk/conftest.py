"""The advisors' desk as most desk tests want it: built, with the dealer's clock in opening hours."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.handlers.desk.handoff.advisors import CLOCK
from tests.handlers.desk_harness import OPEN_HOURS, Desk, build_desk


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    """A test module that needs another desk (other settings, another clock) defines its own `desk`."""
    app, _engine, built = await build_desk(tmp_path)
    app.bot_data[CLOCK] = lambda: OPEN_HOURS
    async with app:
        yield built
