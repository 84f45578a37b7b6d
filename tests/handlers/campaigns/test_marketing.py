"""Marketing through the real Application: an event invitation for Toyota owners delivered through the outbox,
the live progress message, RSVP, check-in, "no more offers", the deep link, /stats; and who may do what."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.campaigns import service as campaigns
from bot.core.campaigns.segments import Audience
from bot.core.events import service as events
from bot.core.services import Services
from bot.db.campaigns.models import CampaignTouch
from bot.db.events.models import EventRsvp
from bot.db.garage.models import Customer as CustomerRow
from bot.db.garage.models import ServiceVisit, Vehicle
from bot.db.outbox.models import Outbox
from scheduler import marketing
from tests.botapi.recording import process
from tests.handlers.desk.followups.test_followups import ANY_HOUR, send_outbox
from tests.handlers.desk_harness import ADVISOR_ID, MARKETING_ID, SUPERVISOR_ID, Desk, build_desk
from tests.handlers.harness import Customer

TOYOTA, HONDA = 801, 802


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    app, _engine, built = await build_desk(tmp_path, **ANY_HOUR)
    async with app:
        yield built


def services_of(desk: Desk) -> Services:
    return desk.app.bot_data["services"]  # type: ignore[no-any-return]


async def owner(services: Services, user_id: int, make: str) -> None:
    async with services.sessions.begin() as session:
        row = CustomerRow(telegram_user_id=user_id, chat_id=user_id, first_name="Mei", language_code="zh-hant")
        session.add(row)
        await session.flush()
        session.add(Vehicle(customer_id=row.id, plate=f"粤B{user_id}", make=make, model="X"))


async def invitation(services: Services, capacity: int = 5) -> tuple[int, int]:
    """An event in five days and its invitation to Toyota owners (due now: the event is within 14 days)."""
    now = dt.datetime.now(dt.UTC)
    starts = now + dt.timedelta(days=5)
    async with services.sessions.begin() as session:
        event = await events.create(session, events.EventDraft(
            titles={"zh-Hant": "豐田冬季檢測週", "en": "Toyota winter check"}, descriptions={}, branch="futian",
            place="2 號工位", starts_at=starts, ends_at=starts + dt.timedelta(hours=8), capacity=capacity,
        ), ["futian"], MARKETING_ID, now)  # fmt: skip
        draft = campaigns.Draft(name="Toyota winter", kind="event", audience=Audience(makes=("Toyota",)),
                                texts={"zh-Hant": "豐田車主免費檢測", "en": "Free check"},
                                event_id=event.id)  # fmt: skip
        campaign = await campaigns.create(session, draft, services.settings.quiet_hours, now, 14, MARKETING_ID)
        return event.id, campaign.id


async def private(desk: Desk, user_id: int, text: str) -> list[dict[str, Any]]:
    before = len(desk.engine.sent_messages(user_id))
    await process(desk.app, desk.engine.push_text(user_id, text))
    return desk.engine.sent_messages(user_id)[before:]


async def press(desk: Desk, user_id: int, message: dict[str, Any], label_part: str) -> list[dict[str, Any]]:
    before = len(desk.engine.sent_messages(user_id))
    rows = message["reply_markup"]["inline_keyboard"]
    data = next(b["callback_data"] for row in rows for b in row if label_part in b["text"])
    await process(desk.app, desk.engine.push_callback(user_id, message["message_id"], data))
    return desk.engine.sent_messages(user_id)[before:]


async def test_an_event_invitation_from_progress_to_check_in(desk: Desk) -> None:
    services = services_of(desk)
    toyota, _honda = Customer(desk.app, desk.engine, TOYOTA, "zh-hant"), Customer(desk.app, desk.engine, HONDA, "en")
    await owner(services, TOYOTA, "Toyota")
    await owner(services, HONDA, "Honda")
    event_id, campaign_id = await invitation(services)

    listed = await private(desk, MARKETING_ID, "/campaigns")
    assert "Toyota winter" in listed[0]["text"]
    await marketing.tick(services)  # delivery starts: one Toyota owner
    watched = await press(desk, MARKETING_ID, (await private(desk, MARKETING_ID, "/campaigns"))[0], "📈")
    assert "受眾：1" in watched[0]["text"]
    await send_outbox(desk)
    invite = desk.engine.sent_messages(TOYOTA)[-1]
    assert "豐田車主免費檢測" in invite["text"] and "豐田冬季檢測週" in invite["text"]
    assert desk.engine.sent_messages(HONDA) == []
    await marketing.tick(services)  # all sent: done, the progress message edited, the final report posted
    await send_outbox(desk)
    progress = desk.engine.sent_messages(MARKETING_ID)
    assert "已發送：1" in progress[-2]["text"] and "最終報告" in progress[-1]["text"]

    reply = await toyota.press("出席")
    assert "✅ 出席" in reply[-1]["text"]
    shown = await toyota.say("/events")
    assert "✅ 出席" in shown[-1]["text"]

    attendees = await private(desk, ADVISOR_ID, f"/checkin {event_id}")
    await press(desk, ADVISOR_ID, attendees[0], "☑️")
    assert "已報到：Mei" in desk.engine.sent_messages(ADVISOR_ID)[-1]["text"]
    async with services.sessions() as session:
        rsvp = (await session.execute(select(EventRsvp))).scalar_one()
    assert rsvp.answer == "going" and rsvp.campaign_id == campaign_id and rsvp.checked_in_by == ADVISOR_ID

    stats = await private(desk, SUPERVISOR_ID, "/stats")
    assert "推廣帶來的活動回覆：1" in stats[0]["text"]  # the invitation was answered through its button
    assert "photo" in stats[1]  # the weekly chart


async def test_no_more_offers_and_the_deep_link(desk: Desk) -> None:
    services = services_of(desk)
    toyota = Customer(desk.app, desk.engine, TOYOTA, "zh-hant")
    await owner(services, TOYOTA, "Toyota")
    _event_id, campaign_id = await invitation(services)
    await marketing.tick(services)
    await send_outbox(desk)
    await toyota.press("不再接收優惠")
    async with services.sessions() as session:
        row = (await session.execute(select(CustomerRow).where(CustomerRow.telegram_user_id == TOYOTA))).scalar_one()
        assert row.marketing_opt_out
    await toyota.say(f"/start c_{campaign_id}")
    async with services.sessions() as session:
        touch = (await session.execute(select(CampaignTouch))).scalar_one()
    assert touch.campaign_id == campaign_id


async def test_who_may_do_what(desk: Desk) -> None:
    services = services_of(desk)
    customer = Customer(desk.app, desk.engine, TOYOTA, "en")
    await owner(services, TOYOTA, "Toyota")
    event_id, campaign_id = await invitation(services)
    for command in ("/campaigns", "/stats", f"/checkin {event_id}", f"/campaigns cancel {campaign_id}"):
        assert "staff" in (await customer.say(command))[-1]["text"].lower()  # customers: staff only
    assert "市場推廣" in (await private(desk, ADVISOR_ID, f"/campaigns cancel {campaign_id}"))[0]["text"]
    assert "服務顧問" in (await private(desk, MARKETING_ID, f"/checkin {event_id}"))[0]["text"]
    assert "主管" in (await private(desk, ADVISOR_ID, "/stats"))[0]["text"]
    forged = desk.app.bot_data["services"].callbacks.pack(TOYOTA, "cmpa", "cancel", str(campaign_id))
    await process(desk.app, desk.engine.push_callback(TOYOTA, 1, forged, force=True))
    async with services.sessions() as session:
        assert (await campaigns.repo.get(session, campaign_id)).status == "scheduled"  # type: ignore[union-attr]
        assert (await session.execute(select(Outbox))).first() is None
    cancelled = await private(desk, MARKETING_ID, f"/campaigns cancel {campaign_id}")
    assert "已取消" in cancelled[0]["text"]


async def test_the_campaign_wizard_builds_an_event_invitation(desk: Desk) -> None:
    """/campaign as a marketer: a new event for Toyota owners, texts, preview in each locale, test send, confirm."""
    services = services_of(desk)
    Customer(desk.app, desk.engine, TOYOTA, "zh-hant")
    await owner(services, TOYOTA, "Toyota")
    await owner(services, HONDA, "Honda")
    day = (dt.datetime.now(services.settings.tz) + dt.timedelta(days=20)).date()
    asked = await private(desk, MARKETING_ID, "/campaign")
    asked = await press(desk, MARKETING_ID, asked[-1], "活動邀請")
    asked = await private(desk, MARKETING_ID, f"豐田車主之夜 / {day} 18:00-21:00 / 2 / 福田店")
    asked = await press(desk, MARKETING_ID, asked[-1], "其餘語言都相同")  # the title in every locale
    asked = await press(desk, MARKETING_ID, asked[-1], "福田")
    assert "目前收件人數：<b>2</b>" in asked[-1]["text"] or "目前收件人數：2" in asked[-1]["text"]
    asked = await press(desk, MARKETING_ID, asked[-1], "Toyota")
    assert "目前收件人數：1" in asked[-1]["text"]
    asked = await press(desk, MARKETING_ID, asked[-1], "下一步")
    asked = await private(desk, MARKETING_ID, "豐田車主專屬之夜")
    asked = await press(desk, MARKETING_ID, asked[-1], "略過")
    asked = await private(desk, MARKETING_ID, "Toyota owners' evening")
    asked = await press(desk, MARKETING_ID, asked[-1], "現在")
    previews = asked[:-1]
    firsts = [p["text"].split("\n")[0] for p in previews]
    assert firsts == ["豐田車主專屬之夜", "豐田車主專屬之夜", "Toyota owners' evening"]  # zh-Hans falls back
    assert "出席" in str(previews[0]["reply_markup"]) and "不再接收優惠" in str(previews[0]["reply_markup"])
    tested = await press(desk, MARKETING_ID, asked[-1], "測試")
    assert tested[0]["text"].startswith("豐田車主專屬之夜")
    done = await press(desk, MARKETING_ID, asked[-1], "確認")
    assert "已排程" in done[0]["text"] and "受眾" in done[1]["text"]
    again = await press(desk, MARKETING_ID, asked[-1], "確認")  # a double confirm creates nothing more
    assert again == []
    async with services.sessions() as session:
        found = await campaigns.repo.listed(session)
    assert len(found) == 1 and found[0].event_id is not None and found[0].audience == {"makes": ["Toyota"]}


async def test_advisors_record_promised_ready_and_comeback(desk: Desk) -> None:
    services = services_of(desk)
    customer = Customer(desk.app, desk.engine, TOYOTA, "en")
    await owner(services, TOYOTA, "Toyota")
    async with services.sessions.begin() as session:
        car = (await session.execute(select(Vehicle))).scalar_one()
        session.add(ServiceVisit(visit_no="RO-9", vehicle_id=car.id, visit_date=dt.date(2026, 11, 20), kind="repair"))
    said = await private(desk, ADVISOR_ID, "/promised RO-9 2026-11-20 18:00")
    assert "承諾交車 2026年11月20日 18:00" in said[0]["text"]
    said = await private(desk, ADVISOR_ID, "/ready RO-9 2026-11-20 17:30")
    assert "完工 2026年11月20日 17:30" in said[0]["text"]
    said = await private(desk, ADVISOR_ID, "/comeback RO-9")
    assert "返修" in said[0]["text"]
    assert "用法" in (await private(desk, ADVISOR_ID, "/promised RO-9"))[0]["text"]
    assert "RO-404" in (await private(desk, ADVISOR_ID, "/ready RO-404"))[0]["text"]
    assert "staff" in (await customer.say("/ready RO-9"))[-1]["text"].lower()
    async with services.sessions() as session:
        visit = (await session.execute(select(ServiceVisit))).scalar_one()
    assert visit.comeback and visit.promised_at is not None and visit.ready_at is not None


async def test_preview_buttons_only_say_they_are_a_preview(desk: Desk) -> None:
    """A marketer pressing "going" or "no more offers" on the preview or the test send records nothing and is told
    why (it used to answer "the event has started or was cancelled")."""
    services = services_of(desk)
    await owner(services, TOYOTA, "Toyota")
    day = (dt.datetime.now(services.settings.tz) + dt.timedelta(days=20)).date()
    asked = await private(desk, MARKETING_ID, "/campaign")
    asked = await press(desk, MARKETING_ID, asked[-1], "活動邀請")
    asked = await private(desk, MARKETING_ID, f"豐田車主之夜 / {day} 18:00-21:00 / 2 / 福田店")
    asked = await press(desk, MARKETING_ID, asked[-1], "其餘語言都相同")
    asked = await press(desk, MARKETING_ID, asked[-1], "福田")
    asked = await press(desk, MARKETING_ID, asked[-1], "下一步")
    asked = await private(desk, MARKETING_ID, "豐田車主專屬之夜")
    asked = await press(desk, MARKETING_ID, asked[-1], "略過")
    asked = await private(desk, MARKETING_ID, "Toyota owners' evening")
    asked = await press(desk, MARKETING_ID, asked[-1], "現在")
    assert f"{day.year}年{day.month}月{day.day}日" in asked[0]["text"] and str(day) not in asked[0]["text"]
    assert f"{day.day} " in asked[2]["text"] and str(day) not in asked[2]["text"]  # en: "Sun 20 December 2026"
    tested = await press(desk, MARKETING_ID, asked[-1], "測試")
    for shown, label in ((asked[0], "出席"), (asked[2], "Going"), (tested[0], "出席"), (tested[0], "不再接收優惠")):
        rows = shown["reply_markup"]["inline_keyboard"]
        data = next(b["callback_data"] for row in rows for b in row if label in b["text"])
        update = desk.engine.push_callback(MARKETING_ID, shown["message_id"], data)
        await process(desk.app, update)
        answered = desk.engine.callback_answer(update["callback_query"]["id"])
        assert answered is not None and "預覽" in answered["text"]
    async with services.sessions() as session:
        assert (await session.execute(select(EventRsvp))).first() is None
        opted_out = (await session.execute(select(CustomerRow.marketing_opt_out))).scalars().all()
    assert not any(opted_out)


async def test_an_invitation_sent_early_is_listed_in_events_once_answered(desk: Desk) -> None:
    """An invitation sent three weeks ahead (before the rule's two weeks): after "going", /events shows the event
    and the answer, with the day written as the chat writes days."""
    services = services_of(desk)
    toyota = Customer(desk.app, desk.engine, TOYOTA, "zh-hant")
    await owner(services, TOYOTA, "Toyota")
    now = dt.datetime.now(dt.UTC)
    starts = now + dt.timedelta(days=21)
    async with services.sessions.begin() as session:
        event = await events.create(session, events.EventDraft(
            titles={"zh-Hant": "豐田車主之夜"}, descriptions={}, branch="futian", place="展廳",
            starts_at=starts, ends_at=starts + dt.timedelta(hours=3), capacity=5,
        ), ["futian"], MARKETING_ID, now)  # fmt: skip
        draft = campaigns.Draft(name="Toyota evening", kind="event", audience=Audience(makes=("Toyota",)),
                                texts={"zh-Hant": "誠邀您參加"}, event_id=event.id, send_at=now)  # fmt: skip
        await campaigns.create(session, draft, services.settings.quiet_hours, now, 14, MARKETING_ID)
    assert "沒有即將舉行的活動" in (await toyota.say("/events"))[-1]["text"]  # not invited, not answered yet
    await marketing.tick(services)
    await send_outbox(desk)
    await marketing.tick(services)
    await send_outbox(desk)
    await toyota.press("出席")
    shown = (await toyota.say("/events"))[-1]["text"]
    local = starts.astimezone(services.settings.tz)
    assert "豐田車主之夜" in shown and "✅ 出席" in shown
    assert f"{local.year}年{local.month}月{local.day}日" in shown


async def test_the_wizard_says_what_is_wrong_with_a_new_events_line(desk: Desk) -> None:
    """A marketer typing the event in their own words: a Chinese date is taken; a wrong part is named, and the
    example shows a date in the dealer's style, not an ISO one from the past."""
    asked = await private(desk, MARKETING_ID, "/campaign")
    asked = await press(desk, MARKETING_ID, asked[-1], "活動邀請")
    assert "2026-12-20" not in asked[-1]["text"] and "月" in asked[-1]["text"]
    refused = await private(desk, MARKETING_ID, "冬季檢測日 / 12月20日 全天 / 30 / 展廳")
    assert "找不到活動時間" in refused[0]["text"] and "09:00-17:00" in refused[0]["text"]
    refused = await private(desk, MARKETING_ID, "冬季檢測日 / 12月20日 17:00-09:00 / 30 / 展廳")
    assert "結束時間要晚於開始時間" in refused[0]["text"]
    refused = await private(desk, MARKETING_ID, "冬季檢測日 <b>")
    assert "請用「/」分成四段" in refused[0]["text"] and "冬季檢測日 <b>" in refused[0]["text"]  # escaped, shown
    day = (dt.datetime.now(services_of(desk).settings.tz) + dt.timedelta(days=20)).date()
    asked = await private(desk, MARKETING_ID, f"冬季檢測日 / {day.month}月{day.day}日 9點-17點 / 30 / 展廳")
    assert "簡體中文" in asked[-1]["text"]  # on to the next locale's title: the line was taken


async def test_the_wizard_goes_back_a_question_without_losing_the_rest(desk: Desk) -> None:
    """A marketer who picked the wrong branch goes back, picks the other one, and the audience step shows it."""
    services = services_of(desk)
    day = (dt.datetime.now(services.settings.tz) + dt.timedelta(days=20)).date()
    asked = await private(desk, MARKETING_ID, "/campaign")
    asked = await press(desk, MARKETING_ID, asked[-1], "活動邀請")
    asked = await private(desk, MARKETING_ID, f"車主之夜 / {day} 18:00-21:00 / 20 / 展廳")
    asked = await press(desk, MARKETING_ID, asked[-1], "其餘語言都相同")
    asked = await press(desk, MARKETING_ID, asked[-1], "福田")
    assert "發送給誰" in asked[-1]["text"]
    asked = await press(desk, MARKETING_ID, asked[-1], "上一步")
    assert "活動在哪間分店" in asked[-1]["text"]
    asked = await press(desk, MARKETING_ID, asked[-1], "南山")
    assert "發送給誰" in asked[-1]["text"]
    asked = await press(desk, MARKETING_ID, asked[-1], "下一步")
    asked = await press(desk, MARKETING_ID, asked[-1], "上一步")
    assert "發送給誰" in asked[-1]["text"]  # back from the first text to the audience
    a = desk.app.user_data[MARKETING_ID]["campaign_wizard"]
    assert a["new_event"]["branch"] != "futian"  # the branch picked after going back
    assert a["new_event"]["titles"]["en"] == "車主之夜" and not a.get("audience_done")


async def test_stats_says_when_it_cannot_read_the_days(desk: Desk) -> None:
    """"/stats week" or "/stats <b>7d" is not a number of days: the reader is told, then gets the default 30."""
    typed = await private(desk, SUPERVISOR_ID, "/stats <b>7d")
    assert "看不懂天數：<b>7d" in typed[0]["text"]  # shown as typed: escaped, not parsed as HTML
    assert "/stats 7" in typed[0]["text"]
    today = dt.datetime.now(services_of(desk).settings.tz).date()
    since = today - dt.timedelta(days=29)
    assert f"{since.year}年{since.month}月{since.day}日" in typed[1]["text"]  # then the last 30 days
    plain = await private(desk, SUPERVISOR_ID, "/stats 7")
    assert "看不懂" not in plain[0]["text"] and "photo" in plain[1]
