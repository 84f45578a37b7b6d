"""Campaign delivery through the outbox: once per customer, priorities, cap, opt-outs, pause/resume/cancel."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.core.campaigns import delivery, service
from bot.core.campaigns.segments import Audience
from bot.core.campaigns.service import CampaignError, Draft
from bot.core.common.quiet_hours import QuietHours
from bot.core.outbox import store as outbox
from bot.core.services import Services
from bot.db.garage.models import Customer
from bot.db.outbox.models import Outbox
from tests.core.campaigns.conftest import NOW, seed

QUIET = QuietHours.parse("21:00", "08:30", "Asia/Shanghai")


def _draft(**changes: object) -> Draft:
    values: dict[str, object] = dict(name="Winter check", kind="broadcast", audience=Audience(),
                                      texts={"zh-Hant": "冬季檢測 8 折", "en": "Winter check, 20% off"},
                                      button={"kind": "book"})  # fmt: skip
    values.update(changes)
    return Draft(**values)  # type: ignore[arg-type]


async def _create(services: Services, **changes: object) -> int:
    async with services.sessions.begin() as session:
        campaign = await service.create(session, _draft(**changes), QUIET, NOW, 14)
        return campaign.id


async def _rows(services: Services) -> list[Outbox]:
    async with services.sessions() as session:
        return list((await session.execute(select(Outbox).order_by(Outbox.id))).scalars())


async def _send_all(services: Services) -> int:
    async with services.sessions.begin() as session:
        rows = await outbox.claim_batch(session, 100, "test", NOW + dt.timedelta(minutes=1))
        for row in rows:
            await outbox.mark_sent(session, row.id, 1, NOW)
    return len(rows)


async def test_delivery_keeps_a_window_ahead_of_the_sender_not_the_whole_audience(services_on: Services) -> None:
    await seed(services_on)
    services_on.settings.campaign_page_size = 1
    campaign_id = await _create(services_on)
    assert await delivery.tick(services_on, NOW) == delivery.WINDOW_PAGES == 2
    assert await delivery.tick(services_on, NOW) == 0  # nothing sent yet: the window is full
    assert await _send_all(services_on) == 2
    assert await delivery.tick(services_on, NOW) == 2
    await _send_all(services_on)
    await delivery.tick(services_on, NOW)
    async with services_on.sessions() as session:
        campaign = await service.repo.get(session, campaign_id)
        assert campaign is not None
        figures = await service.progress(session, campaign)
    assert (campaign.status, figures.sent, figures.remaining) == ("done", 4, 0)


async def test_a_campaign_reaches_each_customer_once_with_low_priority(services_on: Services) -> None:
    await seed(services_on)
    campaign_id = await _create(services_on)
    assert await delivery.tick(services_on, NOW) == 4
    assert await delivery.tick(services_on, NOW) == 0  # a second tick (a restart, a replica) adds nothing
    rows = await _rows(services_on)
    assert len(rows) == 4 and {r.priority for r in rows} == {outbox.CAMPAIGN_PRIORITY}
    assert all(r.idempotency_key.startswith(f"campaign:{campaign_id}:") for r in rows)
    buttons = [b["text"] for row in rows[0].payload["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[-1] in ("🔕 不再接收優惠", "🔕 No more offers")
    async with services_on.sessions.begin() as session:  # a reminder enqueued later is claimed first
        await outbox.enqueue(session, "reminder:1:service:2026-12-10", "reminder", 1, outbox.message_payload("hi"),
                             not_before=NOW + dt.timedelta(seconds=1))  # fmt: skip
        claimed = await outbox.claim_batch(session, 1, "test", NOW + dt.timedelta(minutes=1))
    assert claimed[0].kind == "reminder"


async def test_restart_mid_delivery_sends_nobody_twice(services_on: Services) -> None:
    await seed(services_on)
    services_on.settings.campaign_page_size = 1
    campaign_id = await _create(services_on)
    await delivery._start(services_on, campaign_id, NOW)
    assert await delivery._enqueue_page(services_on, campaign_id, NOW, None) == 1  # then the process dies
    async with services_on.sessions.begin() as session:  # as if the cursor's move was lost with it
        campaign = await service.repo.get(session, campaign_id)
        assert campaign is not None
        campaign.cursor = 0
    for _ in range(4):  # the window (two pages of one) is topped up as the sender empties it
        await delivery.tick(services_on, NOW)
        await _send_all(services_on)
    keys = [r.idempotency_key for r in await _rows(services_on)]
    assert len(keys) == len(set(keys)) == 4


async def test_the_weekly_cap_and_opt_outs(services_on: Services) -> None:
    ids = await seed(services_on)
    services_on.settings.campaign_cap_per_week = 1
    await _create(services_on)
    await delivery.tick(services_on, NOW)
    second = await _create(services_on, name="Second")
    async with services_on.sessions.begin() as session:  # one customer turns offers off after the first one
        customer = await session.get(Customer, ids["toyota_recent"])
        assert customer is not None
        customer.marketing_opt_out = True
    assert await delivery.tick(services_on, NOW) == 0
    async with services_on.sessions() as session:
        campaign = await service.repo.get(session, second)
        assert campaign is not None and campaign.capped == 3  # everybody had one this week; one opted out
        dropped = (await session.execute(select(Outbox).where(Outbox.customer_id == ids["toyota_recent"]))).scalar_one()
    assert dropped.status == outbox.DROPPED  # the first campaign's unsent message to them is never sent


async def test_pause_resume_and_cancel_mid_delivery(services_on: Services) -> None:
    await seed(services_on)
    campaign_id = await _create(services_on)
    await delivery.tick(services_on, NOW)
    async with services_on.sessions.begin() as session:
        await service.change(session, campaign_id, "pause", NOW)
        assert await outbox.claim_batch(session, 10, "test", NOW + dt.timedelta(minutes=5)) == []
    async with services_on.sessions.begin() as session:
        await service.change(session, campaign_id, "resume", NOW)
        claimed = await outbox.claim_batch(session, 1, "test", NOW + dt.timedelta(minutes=5))
        await outbox.mark_sent(session, claimed[0].id, 1, NOW)
    async with services_on.sessions.begin() as session:
        await service.change(session, campaign_id, "cancel", NOW)
        with pytest.raises(CampaignError):
            await service.change(session, campaign_id, "resume", NOW)
    async with services_on.sessions() as session:
        campaign = await service.repo.get(session, campaign_id)
        assert campaign is not None
        figures = await service.progress(session, campaign)
    assert (figures.sent, figures.dropped, figures.pending, figures.remaining) == (1, 3, 0, 0)


@pytest.mark.parametrize(
    ("wanted", "expected", "shifted"),
    [(dt.datetime(2026, 12, 3, 14, 0, tzinfo=dt.UTC), dt.datetime(2026, 12, 4, 0, 30, tzinfo=dt.UTC), True),
     (dt.datetime(2026, 12, 3, 5, 0, tzinfo=dt.UTC), dt.datetime(2026, 12, 3, 5, 0, tzinfo=dt.UTC), False),
     (None, NOW, False)],
)  # fmt: skip
def test_send_time_moves_out_of_quiet_hours(wanted: dt.datetime | None, expected: dt.datetime, shifted: bool) -> None:
    # 22:00 in Shanghai is quiet: moved to 08:30 the next morning (00:30 UTC)
    assert service.send_time(_draft(send_at=wanted), None, QUIET, NOW, 14) == (expected, shifted)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"name": " "}, "name"), ({"kind": "sms"}, "kind"), ({"texts": {"en": "hi"}}, "texts"),
     ({"texts": {"zh-Hant": "x", "fr": "y"}}, "texts"), ({"button": {"kind": "url", "url": "http://x"}}, "button"),
     ({"button": {"kind": "rsvp"}}, "button"), ({"kind": "event"}, "event")],
)  # fmt: skip
def test_bad_drafts_are_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(CampaignError) as error:
        service.validate(_draft(**changes))
    assert error.value.field == field


async def test_a_campaign_is_done_once_everything_is_sent_and_its_report_follows(services_on: Services) -> None:
    await seed(services_on)
    campaign_id = await _create(services_on)
    await delivery.tick(services_on, NOW)
    async with services_on.sessions.begin() as session:
        campaign = await service.repo.get(session, campaign_id)
        assert campaign is not None
        campaign.progress_chat_id, campaign.progress_message_id = 9005, 77
        for row in await outbox.claim_batch(session, 10, "test", NOW):
            await outbox.mark_sent(session, row.id, 1, NOW)
    await delivery.tick(services_on, NOW + dt.timedelta(minutes=1))
    async with services_on.sessions() as session:
        campaign = await service.repo.get(session, campaign_id)
        notices = (await session.execute(select(Outbox).where(Outbox.kind == "notice"))).scalars().all()
    assert campaign is not None and campaign.status == "done"
    assert sorted(n.payload["method"] for n in notices) == ["editMessageText", "sendMessage"]
    by_method = {n.payload["method"]: n.payload["text"] for n in notices}  # the report once: the edit is no copy
    assert "最終報告" in by_method["sendMessage"] and "最終報告" not in by_method["editMessageText"]
    assert "已完成" in by_method["editMessageText"]
