"""The /campaign wizard's typed send time: one that has passed, or an invitation after its event starts, is
refused with the reason and asked again (never turned silently into "now")."""

from __future__ import annotations

import datetime as dt

from bot.core.campaigns import service as campaigns
from tests.handlers.campaigns.test_marketing import TOYOTA, desk, owner, press, private, services_of
from tests.handlers.desk_harness import MARKETING_ID, Desk

__all__ = ["desk"]  # the fixture, imported


async def _at_when(desk: Desk) -> None:
    asked = await private(desk, MARKETING_ID, "/campaign")
    asked = await press(desk, MARKETING_ID, asked[-1], "群發")
    asked = await press(desk, MARKETING_ID, asked[-1], "下一步")
    asked = await press(desk, MARKETING_ID, asked[-1], "用範本")
    asked = await press(desk, MARKETING_ID, asked[-1], "保養月")
    asked = await press(desk, MARKETING_ID, asked[-1], "預約保養")
    assert "何時發送" in asked[-1]["text"]


async def test_a_past_send_time_is_refused_and_asked_again(desk: Desk) -> None:
    services = services_of(desk)
    await owner(services, TOYOTA, "Toyota")
    await _at_when(desk)
    last_year = dt.datetime.now(services.settings.tz).year - 1
    asked = await private(desk, MARKETING_ID, f"{last_year}-12-18 10:00")
    assert "這個時間已經過了" in asked[0]["text"] and "何時發送" in asked[-1]["text"]
    assert "確認" not in str(asked[-1].get("reply_markup"))  # no preview, nothing to confirm yet
    later = dt.datetime.now(services.settings.tz).date() + dt.timedelta(days=3)
    asked = await private(desk, MARKETING_ID, f"{later.isoformat()} 10:00")
    assert f"{later.year}年{later.month}月{later.day}日" in asked[-1]["text"]  # the preview, with the typed day
    await press(desk, MARKETING_ID, asked[-1], "確認")
    async with services.sessions() as session:
        found = (await campaigns.repo.listed(session))[0]
    assert found.send_at.replace(tzinfo=dt.UTC).astimezone(services.settings.tz).date() == later


async def test_an_invitation_after_its_event_starts_is_refused(desk: Desk) -> None:
    services = services_of(desk)
    await owner(services, TOYOTA, "Toyota")
    day = dt.datetime.now(services.settings.tz).date() + dt.timedelta(days=5)
    asked = await private(desk, MARKETING_ID, "/campaign")
    asked = await press(desk, MARKETING_ID, asked[-1], "活動邀請")
    asked = await private(desk, MARKETING_ID, f"冬季檢測 / {day.isoformat()} 09:00-17:00 / 20 / 福田店")
    asked = await press(desk, MARKETING_ID, asked[-1], "其餘語言都相同")
    asked = await press(desk, MARKETING_ID, asked[-1], "福田旗艦店")
    asked = await press(desk, MARKETING_ID, asked[-1], "下一步")
    asked = await press(desk, MARKETING_ID, asked[-1], "用範本")
    asked = await press(desk, MARKETING_ID, asked[-1], "免費檢測週")
    assert "何時發送" in asked[-1]["text"]
    after = day + dt.timedelta(days=1)
    asked = await private(desk, MARKETING_ID, f"{after.isoformat()} 10:00")
    assert "活動開始後才發出" in asked[0]["text"] and "何時發送" in asked[-1]["text"]
