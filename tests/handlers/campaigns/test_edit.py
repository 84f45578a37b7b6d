"""A scheduled campaign changed from /campaigns: its send time (🕘, then the time typed) with the wizard's rules (not
in the past, an invitation before its event, someone in the audience that day), or its text in one locale (✏️);
marketing staff only, the button verified against who pressed it, a double tap harmless, and refused once sending
has begun, also when it began while the marketer typed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update

from bot.core.campaigns import actions
from bot.core.campaigns import service as campaigns
from bot.core.campaigns.segments import Audience
from bot.core.events import service as events
from bot.db.campaigns.models import Campaign
from bot.db.garage.models import Vehicle
from scheduler import marketing
from tests.botapi.recording import process
from tests.handlers.campaigns.test_marketing import TOYOTA, desk, owner, press, private, services_of
from tests.handlers.campaigns.test_wizard_ended import a_while_ago
from tests.handlers.desk.followups.test_followups import send_outbox
from tests.handlers.desk_harness import ADMIN_ID, ADVISOR_ID, MARKETING_ID, Desk
from tests.handlers.harness import Customer

__all__ = ["desk"]  # the fixture, imported


def popup(desk: Desk) -> dict[str, Any]:
    return dict(desk.engine.calls("answerCallbackQuery")[-1].params)


async def _scheduled(desk: Desk, days: int = 3, event_in_days: int | None = None) -> int:
    """A broadcast (or, with `event_in_days`, an invitation) for Toyota owners, `days` ahead at 10:00."""
    services = services_of(desk)
    await owner(services, TOYOTA, "Toyota")
    now, tz = dt.datetime.now(dt.UTC), services.settings.tz
    send_at = dt.datetime.combine(dt.datetime.now(tz).date() + dt.timedelta(days=days), dt.time(10), tzinfo=tz)
    async with services.sessions.begin() as session:
        event_id = None
        if event_in_days is not None:
            starts = dt.datetime.combine(dt.datetime.now(tz).date() + dt.timedelta(days=event_in_days), dt.time(9),
                                         tzinfo=tz)  # fmt: skip
            event_id = (await events.create(session, events.EventDraft(
                titles={"zh-Hant": "冬季檢測"}, descriptions={}, branch="futian", place="2 號工位", starts_at=starts,
                ends_at=starts + dt.timedelta(hours=8), capacity=5), ["futian"], MARKETING_ID, now)).id  # fmt: skip
        draft = campaigns.Draft(name="冬季優惠", kind="event" if event_id else "broadcast",
                                audience=Audience(makes=("Toyota",)), texts={"zh-Hant": "冬季優惠"}, event_id=event_id,
                                send_at=send_at)  # fmt: skip
        return (await campaigns.create(session, draft, services.settings.quiet_hours, now, 14, MARKETING_ID)).id


async def _send_at(desk: Desk, campaign_id: int) -> dt.datetime:
    services = services_of(desk)
    async with services.sessions() as session:
        found = await campaigns.repo.get(session, campaign_id)
    assert found is not None
    return found.send_at.replace(tzinfo=dt.UTC).astimezone(services.settings.tz)


async def _ask(desk: Desk) -> list[dict[str, Any]]:
    listed = await private(desk, MARKETING_ID, "/campaigns")
    return await press(desk, MARKETING_ID, listed[-1], "改時間")


async def test_the_send_time_changes_with_the_wizards_rules(desk: Desk) -> None:
    services = services_of(desk)
    campaign_id = await _scheduled(desk)
    before = await _send_at(desk, campaign_id)
    watched = await private(desk, MARKETING_ID, "/campaigns")  # a progress message the tick keeps up to date
    await actions.watch(services, campaign_id, MARKETING_ID, watched[0]["message_id"], dt.datetime.now(dt.UTC))

    asked = await _ask(desk)
    assert f"推廣 #{campaign_id} 冬季優惠 要改在什麼時間發送" in asked[-1]["text"]
    last_year = before.year - 1
    said = await private(desk, MARKETING_ID, f"{last_year}-12-18 10:00")
    assert "這個時間已經過了" in said[-1]["text"]
    said = await private(desk, MARKETING_ID, "whenever suits")
    assert "看不懂發送時間" in said[-1]["text"]
    assert await _send_at(desk, campaign_id) == before  # nothing changed by a refused time
    later = before.date() + dt.timedelta(days=2)
    said = await private(desk, MARKETING_ID, f"{later.isoformat()} 15:30")  # still asked: the flow took it
    assert f"推廣 #{campaign_id} 改在 {later.year}年{later.month}月{later.day}日 15:30 發送" in said[-1]["text"]
    moved = await _send_at(desk, campaign_id)
    assert (moved.date(), moved.strftime("%H:%M")) == (later, "15:30")

    await send_outbox(desk)  # the watched progress message shows the new time
    shown = desk.engine.message(MARKETING_ID, watched[0]["message_id"])
    assert shown is not None and f"{later.year}年{later.month}月{later.day}日 15:30" in shown["text"]
    again = await private(desk, MARKETING_ID, "2030-01-01 10:00")  # the question is over: no second change
    assert "改在" not in str(again) and await _send_at(desk, campaign_id) == moved


async def test_an_invitation_cannot_move_past_its_event(desk: Desk) -> None:
    campaign_id = await _scheduled(desk, days=2, event_in_days=6)
    before = await _send_at(desk, campaign_id)
    asked = await _ask(desk)
    assert "活動邀請要在活動開始前發出" in asked[-1]["text"]
    after = before.date() + dt.timedelta(days=5)
    said = await private(desk, MARKETING_ID, f"{after.isoformat()} 10:00")
    assert "這樣邀請會在活動開始後才發出" in said[-1]["text"]
    assert await _send_at(desk, campaign_id) == before
    said = await press(desk, MARKETING_ID, said[-1], "保留原樣")
    assert f"推廣 #{campaign_id} 維持不變" in said[-1]["text"]
    assert await _send_at(desk, campaign_id) == before


async def test_refused_once_sending_has_begun(desk: Desk) -> None:
    services = services_of(desk)
    campaign_id = await _scheduled(desk)
    before = await _send_at(desk, campaign_id)
    listed = await private(desk, MARKETING_ID, "/campaigns")
    await press(desk, MARKETING_ID, listed[-1], "改時間")
    async with services.sessions.begin() as session:  # due now, and the tick starts it while the marketer types
        await session.execute(update(Campaign).values(send_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    await marketing.tick(services)
    said = await private(desk, MARKETING_ID, f"{(before.date() + dt.timedelta(days=1)).isoformat()} 10:00")
    assert f"推廣 #{campaign_id} 已經開始發送" in said[-1]["text"] and "暫停或取消" in said[-1]["text"]
    async with services.sessions() as session:
        found = await campaigns.repo.get(session, campaign_id)
    assert found is not None and found.status == "sending" and found.send_at.date() != before.date() + dt.timedelta(1)
    a_while_ago(desk)
    said = await press(desk, MARKETING_ID, listed[-1], "改時間")  # the old list's button, pressed again later
    assert f"推廣 #{campaign_id} 已經開始發送" in said[-1]["text"]
    relisted = await private(desk, MARKETING_ID, "/campaigns")
    assert "改時間" not in str(relisted[-1].get("reply_markup"))  # sending: no such button any more


async def test_who_may_press_it_and_double_taps(desk: Desk) -> None:
    services = services_of(desk)
    campaign_id = await _scheduled(desk)
    before = await _send_at(desk, campaign_id)
    own = services.callbacks.pack(ADVISOR_ID, "cmpa", "when", str(campaign_id))
    await process(desk.app, desk.engine.push_callback(ADVISOR_ID, 1, own, force=True))
    assert "市場推廣" in popup(desk)["text"]  # an advisor: the marketing role is needed
    marketers = services.callbacks.pack(MARKETING_ID, "cmpa", "when", str(campaign_id))
    sent_before = len(desk.engine.sent_messages(ADMIN_ID))
    await process(desk.app, desk.engine.push_callback(ADMIN_ID, 1, marketers, force=True))
    assert popup(desk)["show_alert"] and len(desk.engine.sent_messages(ADMIN_ID)) == sent_before  # not theirs
    said = await private(desk, ADMIN_ID, "2030-01-01 10:00")
    assert "改在" not in str(said) and await _send_at(desk, campaign_id) == before

    listed = await private(desk, MARKETING_ID, "/campaigns")
    first = await press(desk, MARKETING_ID, listed[-1], "改時間")
    second = await press(desk, MARKETING_ID, listed[-1], "改時間")  # a double tap: asked once
    assert len(first) == 1 and second == []
    kept = await press(desk, MARKETING_ID, first[-1], "保留原樣")
    assert "維持不變" in kept[-1]["text"]
    assert await press(desk, MARKETING_ID, first[-1], "保留原樣") == []  # again: nothing to say, nothing changed
    assert "text" not in popup(desk) and await _send_at(desk, campaign_id) == before


async def test_a_time_when_nobody_would_receive_it_is_refused(desk: Desk) -> None:
    """Insurance expiring within 30 days: the only car's ends in 20 days, so a send 3 days ahead reaches it and one
    25 days ahead reaches nobody: refused, the time kept, and another time asked for."""
    services = services_of(desk)
    campaign_id = await _scheduled(desk)
    before = await _send_at(desk, campaign_id)
    today = dt.datetime.now(services.settings.tz).date()
    async with services.sessions.begin() as session:
        await session.execute(update(Campaign).values(audience={"insurance_days": 30}))
        await session.execute(update(Vehicle).values(insurance_expiry=today + dt.timedelta(days=20)))
    await _ask(desk)
    said = await private(desk, MARKETING_ID, f"{(today + dt.timedelta(days=25)).isoformat()} 10:00")
    assert "改到這個時間就沒有人會收到" in said[-1]["text"] and "保留原樣" in str(said[-1]["reply_markup"])
    assert await _send_at(desk, campaign_id) == before
    later = today + dt.timedelta(days=5)
    said = await private(desk, MARKETING_ID, f"{later.isoformat()} 10:00")  # still asked: another time does
    assert f"改在 {later.year}年{later.month}月{later.day}日 10:00 發送" in said[-1]["text"]


async def _texts(desk: Desk, campaign_id: int) -> dict[str, str]:
    async with services_of(desk).sessions() as session:
        found = await campaigns.repo.get(session, campaign_id)
    assert found is not None
    return dict(found.texts)


async def test_the_text_changes_in_one_locale_and_is_delivered(desk: Desk) -> None:
    """The default locale's text, typed anew: the locales that had the same follow it, one with its own keeps it;
    customers get the new text."""
    services = services_of(desk)
    campaign_id = await _scheduled(desk)
    async with services.sessions.begin() as session:
        await session.execute(update(Campaign).values(texts={"zh-Hant": "冬季優惠", "zh-Hans": "冬季優惠",
                                                             "en": "Winter offer"}))  # fmt: skip
    listed = await private(desk, MARKETING_ID, "/campaigns")
    asked = await press(desk, MARKETING_ID, listed[-1], "改文字")
    assert "哪種語言的文字" in asked[-1]["text"]
    asked = await press(desk, MARKETING_ID, asked[-1], "繁體中文")
    assert "繁體中文" in asked[-1]["text"] and "冬季優惠" in asked[-1]["text"]  # what it says now
    said = await private(desk, MARKETING_ID, "   ")
    assert "文字是空的" in said[-1]["text"]
    said = await private(desk, MARKETING_ID, "長" * 3501)
    assert "文字太長：3501 字，最多 3500 字" in said[-1]["text"]
    assert (await _texts(desk, campaign_id))["zh-Hant"] == "冬季優惠"
    said = await private(desk, MARKETING_ID, "冬季保養八折優惠")
    assert said[0]["text"].startswith("冬季保養八折優惠") and "不再接收優惠" in str(said[0]["reply_markup"])
    assert f"推廣 #{campaign_id} 的繁體中文文字已更新" in said[-1]["text"]
    assert await _texts(desk, campaign_id) == {"zh-Hant": "冬季保養八折優惠", "zh-Hans": "冬季保養八折優惠",
                                                "en": "Winter offer"}  # fmt: skip

    asked = await press(desk, MARKETING_ID, (await private(desk, MARKETING_ID, "/campaigns"))[-1], "改文字")
    asked = await press(desk, MARKETING_ID, asked[-1], "英文")
    await private(desk, MARKETING_ID, "Winter service, 20% off")
    assert (await _texts(desk, campaign_id))["en"] == "Winter service, 20% off"

    toyota = Customer(desk.app, desk.engine, TOYOTA, "zh-hant")
    async with services.sessions.begin() as session:
        await session.execute(update(Campaign).values(send_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    await marketing.tick(services)
    await send_outbox(desk)
    assert desk.engine.sent_messages(toyota.user.id)[-1]["text"].startswith("冬季保養八折優惠")


async def test_the_text_cannot_change_once_sending_has_begun(desk: Desk) -> None:
    services = services_of(desk)
    campaign_id = await _scheduled(desk)
    listed = await private(desk, MARKETING_ID, "/campaigns")
    asked = await press(desk, MARKETING_ID, listed[-1], "改文字")
    asked = await press(desk, MARKETING_ID, asked[-1], "繁體中文")
    async with services.sessions.begin() as session:
        await session.execute(update(Campaign).values(send_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    await marketing.tick(services)
    said = await private(desk, MARKETING_ID, "新的文字")
    assert f"推廣 #{campaign_id} 已經開始發送" in said[-1]["text"] and "不能再改時間或文字" in said[-1]["text"]
    assert (await _texts(desk, campaign_id))["zh-Hant"] == "冬季優惠"
