"""The /campaign wizard follows the dealer's default locale (settings.default_locale), not the code's: with
DEFAULT_LOCALE=en it asks the English text first and requires it, and a language skipped gets the English text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.campaigns import service as campaigns
from bot.db.garage.models import Customer as CustomerRow
from bot.db.garage.models import Vehicle
from scheduler import marketing
from tests.handlers.campaigns.test_marketing import press, private, services_of
from tests.handlers.desk.followups.test_followups import ANY_HOUR, send_outbox
from tests.handlers.desk_harness import MARKETING_ID, Desk, build_desk
from tests.handlers.harness import Customer

OWNERS = {811: "zh-hant", 812: "zh-hans", 813: "en"}


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    app, _engine, built = await build_desk(tmp_path, default_locale="en", **ANY_HOUR)
    async with app:
        yield built


async def test_the_dealers_default_locale_is_asked_first_and_fills_the_skipped(desk: Desk) -> None:
    services = services_of(desk)
    async with services.sessions.begin() as session:
        for user_id, language_code in OWNERS.items():
            Customer(desk.app, desk.engine, user_id, language_code)  # a Telegram user the messages can reach
            row = CustomerRow(telegram_user_id=user_id, chat_id=user_id, first_name="Mei", language_code=language_code)
            session.add(row)
            await session.flush()
            session.add(Vehicle(customer_id=row.id, plate=f"粤B{user_id}", make="Toyota", model="X"))
    asked = await private(desk, MARKETING_ID, "/campaign")
    asked = await press(desk, MARKETING_ID, asked[-1], "Broadcast")
    asked = await press(desk, MARKETING_ID, asked[-1], "Next")
    assert "for English customers" in asked[-1]["text"]  # the dealer's locale first, and required: no skip
    assert "Skip" not in str(asked[-1]["reply_markup"])
    asked = await private(desk, MARKETING_ID, "Winter check, free")
    assert "for Traditional Chinese customers" in asked[-1]["text"] and "Skip" in str(asked[-1]["reply_markup"])
    asked = await private(desk, MARKETING_ID, "冬季免費檢測")
    assert "for Simplified Chinese customers" in asked[-1]["text"]
    asked = await press(desk, MARKETING_ID, asked[-1], "Skip")
    asked = await press(desk, MARKETING_ID, asked[-1], "No button")
    asked = await press(desk, MARKETING_ID, asked[-1], "Now")
    firsts = [p["text"].split("\n")[0] for p in asked[:-1]]
    assert firsts == ["冬季免費檢測", "Winter check, free", "Winter check, free"]  # zh-Hans: the dealer's text
    done = await press(desk, MARKETING_ID, asked[-1], "Confirm")
    assert "Campaign #" in done[0]["text"]
    async with services.sessions() as session:
        [created] = await campaigns.repo.listed(session)
    assert created.name == "Winter check, free"

    await marketing.tick(services)
    await send_outbox(desk)
    got = {user_id: desk.engine.sent_messages(user_id)[-1]["text"].split("\n")[0] for user_id in OWNERS}
    assert got == {811: "冬季免費檢測", 812: "Winter check, free", 813: "Winter check, free"}
