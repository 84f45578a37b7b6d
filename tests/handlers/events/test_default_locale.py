"""An event's title missing in the customer's locale is the dealer's default locale's (settings.default_locale),
not the code's zh-Hant: with DEFAULT_LOCALE=en, a Simplified Chinese customer reads the English title in /events and
in a campaign's invitation."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.campaigns import service as campaigns
from bot.core.campaigns.segments import Audience
from bot.core.events import service as events
from scheduler import marketing
from tests.handlers.campaigns.test_marketing import owner, services_of
from tests.handlers.desk.followups.test_followups import ANY_HOUR, send_outbox
from tests.handlers.desk_harness import MARKETING_ID, Desk, build_desk
from tests.handlers.harness import Customer

SIMPLIFIED = 821


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    app, _engine, built = await build_desk(tmp_path, default_locale="en", **ANY_HOUR)
    async with app:
        yield built


async def test_a_missing_title_and_text_are_the_dealers_default_locales(desk: Desk) -> None:
    services = services_of(desk)
    customer = Customer(desk.app, desk.engine, SIMPLIFIED, "zh-hans")
    await owner(services, SIMPLIFIED, "Toyota")
    now = dt.datetime.now(dt.UTC)
    starts = now + dt.timedelta(days=5)
    async with services.sessions.begin() as session:
        event = await events.create(session, events.EventDraft(
            titles={"zh-Hant": "冬季檢測週", "en": "Winter check week"}, descriptions={}, branch="futian",
            place="bay 2", starts_at=starts, ends_at=starts + dt.timedelta(hours=8), capacity=5,
        ), ["futian"], MARKETING_ID, now)  # fmt: skip
        draft = campaigns.Draft(name="winter", kind="event", audience=Audience(makes=("Toyota",)),
                                texts={"zh-Hant": "免費檢測", "en": "Free check"}, event_id=event.id)  # fmt: skip
        await campaigns.create(session, draft, services.settings.quiet_hours, now, 14, MARKETING_ID,
                               default_locale="en")  # fmt: skip

    listed = (await customer.say("/events"))[-1]["text"]
    assert "Winter check week" in listed and "冬季檢測週" not in listed
    await marketing.tick(services)
    await send_outbox(desk)
    invitation = desk.engine.sent_messages(SIMPLIFIED)[-1]["text"]
    assert invitation.startswith("Free check") and "Winter check week" in invitation and "檢測" not in invitation
