"""The /campaign wizard asks a new event's title per locale: the dealer's default first (in the event's line),
then each other locale typed or "same as" the first (or all at once); each locale's preview shows its own title,
escaped, and the event is stored with them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from bot.db.events.models import Event
from tests.handlers.campaigns.test_marketing import TOYOTA, desk, owner, press, private, services_of
from tests.handlers.desk_harness import MARKETING_ID, Desk

__all__ = ["desk"]  # the fixture, imported


async def _described(desk: Desk, title: str) -> list[dict[str, Any]]:
    services = services_of(desk)
    await owner(services, TOYOTA, "Toyota")
    day = (dt.datetime.now(services.settings.tz) + dt.timedelta(days=20)).date()
    asked = await private(desk, MARKETING_ID, "/campaign")
    asked = await press(desk, MARKETING_ID, asked[-1], "活動邀請")
    assert "標題用繁體中文" in asked[-1]["text"]  # the first title is the dealer's default locale's
    return await private(desk, MARKETING_ID, f"{title} / {day} 18:00-21:00 / 20 / 福田店")


async def _to_preview(desk: Desk, asked: list[dict[str, Any]]) -> list[dict[str, Any]]:
    asked = await press(desk, MARKETING_ID, asked[-1], "福田")
    asked = await press(desk, MARKETING_ID, asked[-1], "下一步")
    asked = await private(desk, MARKETING_ID, "歡迎參加")
    asked = await press(desk, MARKETING_ID, asked[-1], "略過")
    asked = await press(desk, MARKETING_ID, asked[-1], "略過")
    return await press(desk, MARKETING_ID, asked[-1], "現在")


async def _titles(desk: Desk) -> dict[str, str]:
    async with services_of(desk).sessions() as session:
        return dict((await session.execute(select(Event))).scalar_one().titles)


async def test_each_locale_gets_its_own_title_in_the_preview_and_the_event(desk: Desk) -> None:
    asked = await _described(desk, "車主之夜 <VIP> & 茶點")
    assert "簡體中文" in asked[-1]["text"] and "車主之夜 <VIP> & 茶點" in asked[-1]["text"]  # shown escaped
    assert "與繁體中文相同" in str(asked[-1]["reply_markup"]) and "其餘語言都相同" in str(asked[-1]["reply_markup"])
    asked = await private(desk, MARKETING_ID, "车主之夜 <VIP>")
    assert "英文" in asked[-1]["text"] and "其餘語言" not in str(asked[-1]["reply_markup"])  # the last one
    asked = await private(desk, MARKETING_ID, "Owners' evening <VIP> & tea")
    assert "分店" in asked[-1]["text"]  # on to the branch
    asked = await _to_preview(desk, asked)
    previews = [p["text"] for p in asked[:-1]]
    assert "🎉 車主之夜 <VIP> & 茶點" in previews[0] and "🎉 车主之夜 <VIP>" in previews[1]
    assert "🎉 Owners' evening <VIP> & tea" in previews[2]
    await press(desk, MARKETING_ID, asked[-1], "確認")
    assert await _titles(desk) == {"zh-Hant": "車主之夜 <VIP> & 茶點", "zh-Hans": "车主之夜 <VIP>",
                                   "en": "Owners' evening <VIP> & tea"}  # fmt: skip


async def test_same_as_the_first_one_locale_or_all_remaining(desk: Desk) -> None:
    asked = await _described(desk, "車主之夜")
    asked = await press(desk, MARKETING_ID, asked[-1], "與繁體中文相同")
    assert "英文" in asked[-1]["text"]
    asked = await private(desk, MARKETING_ID, "Owners' evening")
    asked = await _to_preview(desk, asked)
    assert ["🎉 車主之夜" in asked[0]["text"], "🎉 車主之夜" in asked[1]["text"]] == [True, True]
    assert "🎉 Owners' evening" in asked[2]["text"]
    await press(desk, MARKETING_ID, asked[-1], "確認")
    assert await _titles(desk) == {"zh-Hant": "車主之夜", "zh-Hans": "車主之夜", "en": "Owners' evening"}


async def test_one_button_skips_every_remaining_translation(desk: Desk) -> None:
    asked = await _described(desk, "車主之夜")
    asked = await press(desk, MARKETING_ID, asked[-1], "其餘語言都相同")
    assert "分店" in asked[-1]["text"]
    asked = await _to_preview(desk, asked)
    await press(desk, MARKETING_ID, asked[-1], "確認")
    assert await _titles(desk) == dict.fromkeys(("zh-Hant", "zh-Hans", "en"), "車主之夜")


async def test_the_event_line_typed_again_replaces_the_event(desk: Desk) -> None:
    asked = await _described(desk, "車主之夜")
    day = (dt.datetime.now(services_of(desk).settings.tz) + dt.timedelta(days=21)).date()
    asked = await private(desk, MARKETING_ID, f"冬季車主之夜 / {day} 18:00-21:00 / 20 / 福田店")
    assert "簡體中文" in asked[-1]["text"] and "冬季車主之夜" in asked[-1]["text"]  # asked again, for the new one
    asked = await press(desk, MARKETING_ID, asked[-1], "其餘語言都相同")
    asked = await _to_preview(desk, asked)
    await press(desk, MARKETING_ID, asked[-1], "確認")
    assert await _titles(desk) == dict.fromkeys(("zh-Hant", "zh-Hans", "en"), "冬季車主之夜")
