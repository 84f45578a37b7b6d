"""A scheduled campaign moved later while delivery is starting it (SQLite: reads take no lock): the marketer is
told what happens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.core.campaigns import actions, delivery, service
from bot.core.campaigns.segments import Audience
from bot.core.campaigns.service import Draft
from bot.core.common.quiet_hours import QuietHours
from bot.core.common.settings import Settings
from bot.core.services import build_services
from bot.db.campaigns.models import Campaign
from tests.core.campaigns.conftest import NOW, seed

QUIET = QuietHours.parse("21:00", "08:30", "Asia/Shanghai")


async def test_a_campaign_moved_later_while_delivery_starts_it_is_not_sent_now(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, marketer = build_services(settings), build_services(settings)  # delivery's process, the bot's
    try:
        await seed(services)
        draft = Draft(name="Winter", kind="broadcast", audience=Audience(), texts={"zh-Hant": "冬季", "en": "Winter"},
                      button=None)  # fmt: skip
        async with services.sessions.begin() as session:
            campaign_id = (await service.create(session, draft, QUIET, NOW, 14)).id
        later = NOW + dt.timedelta(days=2)
        get, moved, refused = delivery.repo.get, [], []

        async def get_while_the_marketer_moves_it(*args: Any, **kwargs: Any) -> Campaign | None:
            found = await get(*args, **kwargs)
            if kwargs.get("lock") and not moved:  # delivery read it as due (to start or send): a new time lands
                moved.append(True)
                try:
                    await actions.reschedule(marketer, campaign_id, later, NOW)
                except service.ScheduleError as exc:
                    refused.append(exc.reason)
            return found

        monkeypatch.setattr(delivery.repo, "get", get_while_the_marketer_moves_it)
        await delivery.tick(services, NOW)
        async with services.sessions() as session:
            campaign = await session.get(Campaign, campaign_id)
        assert moved and campaign is not None
        shown = (refused, campaign.status, campaign.enqueued)
        if refused:  # the marketer was told it has started: it has
            assert refused == ["started"] and campaign.status == "sending", shown
        else:  # the marketer was told the new time: it keeps it, nothing went
            assert (campaign.status, campaign.enqueued) == ("scheduled", 0), shown
    finally:
        await services.engine.dispose()
        await marketer.engine.dispose()
