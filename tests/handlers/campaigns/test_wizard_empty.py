"""The /campaign wizard's confirm step with an audience nobody is in: it says so and why, offers no Confirm (and a
Confirm pressed from an older preview creates nothing), and "change audience" leads back to the filters with the
rest kept. The count is for the send day: a date filter reads the day the campaign goes out, not today."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update

from bot.core.campaigns import service as campaigns
from bot.db.garage.models import Customer as CustomerRow
from bot.db.garage.models import Vehicle
from tests.handlers.campaigns.test_marketing import HONDA, TOYOTA, desk, owner, press, private, services_of
from tests.handlers.desk_harness import MARKETING_ID, Desk

__all__ = ["desk"]  # the fixture, imported


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


async def _to_preview(desk: Desk, *filters: str) -> list[dict[str, Any]]:
    asked = await private(desk, MARKETING_ID, "/campaign")
    asked = await press(desk, MARKETING_ID, asked[-1], "群發")
    for name in filters:
        asked = await press(desk, MARKETING_ID, asked[-1], name)
    asked = await press(desk, MARKETING_ID, asked[-1], "下一步")
    asked = await private(desk, MARKETING_ID, "冬季保養優惠")
    asked = await press(desk, MARKETING_ID, asked[-1], "略過")
    asked = await press(desk, MARKETING_ID, asked[-1], "略過")
    asked = await press(desk, MARKETING_ID, asked[-1], "不加按鈕")
    return await press(desk, MARKETING_ID, asked[-1], "現在")


async def _created(desk: Desk) -> int:
    async with services_of(desk).sessions() as session:
        return len(await campaigns.repo.listed(session))


async def test_nobody_in_the_audience_cannot_be_confirmed_and_the_audience_can_be_changed(desk: Desk) -> None:
    await owner(services_of(desk), HONDA, "Honda")  # a customer, but no Toyota owner
    asked = await _to_preview(desk, "Toyota")
    confirm = asked[-1]
    assert "沒有人會收到這則推廣，所以無法排程" in confirm["text"] and "改選受眾" in confirm["text"]
    assert not any("確認" in text or "測試" in text for text in labels(confirm))
    asked = await press(desk, MARKETING_ID, confirm, "改選受眾")
    assert "發送給誰" in asked[-1]["text"] and "目前收件人數：0" in asked[-1]["text"]
    asked = await press(desk, MARKETING_ID, asked[-1], "Toyota")  # the filter off: every customer
    asked = await press(desk, MARKETING_ID, asked[-1], "下一步")  # straight back to the preview, texts kept
    assert asked[0]["text"].startswith("冬季保養優惠")
    assert "發送日的收件人數：1" in asked[-1]["text"] and "✅ 確認" in labels(asked[-1])
    await press(desk, MARKETING_ID, asked[-1], "確認")
    assert await _created(desk) == 1


async def test_a_confirm_from_a_preview_whose_audience_emptied_since_creates_nothing(desk: Desk) -> None:
    services = services_of(desk)
    await owner(services, TOYOTA, "Toyota")
    confirm = (await _to_preview(desk, "Toyota"))[-1]
    assert "發送日的收件人數：1" in confirm["text"]
    async with services.sessions.begin() as session:  # the only owner turns offers off meanwhile
        await session.execute(update(CustomerRow).values(marketing_opt_out=True))
    again = await press(desk, MARKETING_ID, confirm, "確認")
    assert await _created(desk) == 0
    assert "沒有人會收到這則推廣" in again[-1]["text"] and "✅ 確認" not in labels(again[-1])


async def test_the_count_is_for_the_send_day(desk: Desk) -> None:
    """Insurance expiring within 30 days: a car whose insurance ends in 40 days is not in it today, and is on a
    send day 15 days ahead; a campaign sent today to that filter reaches nobody."""
    services = services_of(desk)
    await owner(services, TOYOTA, "Toyota")
    today = dt.datetime.now(services.settings.tz).date()
    async with services.sessions.begin() as session:
        await session.execute(update(Vehicle).values(insurance_expiry=today + dt.timedelta(days=40)))
    asked = await private(desk, MARKETING_ID, "/campaign")
    asked = await press(desk, MARKETING_ID, asked[-1], "群發")
    asked = await press(desk, MARKETING_ID, asked[-1], "保險 30 天內到期")
    assert "目前收件人數：0" in asked[-1]["text"]  # today
    asked = await press(desk, MARKETING_ID, asked[-1], "下一步")
    asked = await private(desk, MARKETING_ID, "續保提醒")
    asked = await press(desk, MARKETING_ID, asked[-1], "略過")
    asked = await press(desk, MARKETING_ID, asked[-1], "略過")
    asked = await press(desk, MARKETING_ID, asked[-1], "不加按鈕")
    later = today + dt.timedelta(days=15)
    asked = await private(desk, MARKETING_ID, f"{later.isoformat()} 10:00")
    assert "發送日的收件人數：1" in asked[-1]["text"]
    asked = await press(desk, MARKETING_ID, asked[-1], "上一步")
    asked = await press(desk, MARKETING_ID, asked[-1], "現在")
    assert "沒有人會收到這則推廣" in asked[-1]["text"]
