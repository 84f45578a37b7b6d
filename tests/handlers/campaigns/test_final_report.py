"""A campaign's end through the real Application and the real outbox sender: the marketer gets its final report
once (posted as a new message), and the live progress message is closed with its last figures, not made into a
second copy of the report."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.campaigns.models import Campaign
from scheduler import marketing
from tests.handlers.campaigns.test_marketing import TOYOTA, invitation, owner, press, private, services_of
from tests.handlers.desk.followups.test_followups import ANY_HOUR, send_outbox
from tests.handlers.desk_harness import MARKETING_ID, Desk, build_desk
from tests.handlers.harness import Customer

REPORT = "最終報告"  # the marketer's locale is the dealer's default, zh-Hant


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    app, _engine, built = await build_desk(tmp_path, **ANY_HOUR)
    async with app:
        yield built


def report_calls(desk: Desk) -> list[str]:
    """Every send or edit to the marketer that carries a final report (an edited message counts too)."""
    calls = [*desk.engine.calls("sendMessage"), *desk.engine.calls("editMessageText")]
    return [str(c.params.get("text")) for c in calls
            if str(c.params.get("chat_id")) == str(MARKETING_ID) and REPORT in str(c.params.get("text"))]  # fmt: skip


async def test_the_final_report_is_sent_once_and_the_progress_message_is_closed(desk: Desk) -> None:
    services = services_of(desk)
    Customer(desk.app, desk.engine, TOYOTA, "zh-hant")  # a Telegram user the invitation can reach
    await owner(services, TOYOTA, "Toyota")
    _event_id, campaign_id = await invitation(services)
    await marketing.tick(services)  # delivery starts
    await press(desk, MARKETING_ID, (await private(desk, MARKETING_ID, "/campaigns"))[0], "📈")  # the live message
    await send_outbox(desk)  # the invitation goes out
    for _ in range(3):  # the tick that finishes the campaign, and more after it
        await marketing.tick(services)
        await send_outbox(desk)
    async with services.sessions() as session:
        campaign = await session.get(Campaign, campaign_id)
    assert campaign is not None and campaign.status == "done" and campaign.progress_message_id is not None
    assert len(report_calls(desk)) == 1, report_calls(desk)
    [report] = [m for m in desk.engine.sent_messages(MARKETING_ID) if REPORT in m["text"]]
    assert report["message_id"] != campaign.progress_message_id and "已發送：1" in report["text"]
    progress = desk.engine.message(MARKETING_ID, campaign.progress_message_id)
    assert progress is not None and "已完成" in progress["text"] and "尚餘：0" in progress["text"]



async def test_a_campaign_cancelled_before_it_goes_closes_its_progress_message(desk: Desk) -> None:
    """Cancelled from /campaigns while still scheduled: the progress message posted at confirm says "cancelled"
    and the final report follows once (the delivery tick never looks at a cancelled campaign again)."""
    services = services_of(desk)
    Customer(desk.app, desk.engine, TOYOTA, "zh-hant")
    await owner(services, TOYOTA, "Toyota")
    asked = await private(desk, MARKETING_ID, "/campaign")
    for label in ("群發", "下一步", "用範本", "保養月", "預約保養"):
        asked = await press(desk, MARKETING_ID, asked[-1], label)
    later = dt.datetime.now(services.settings.tz).date() + dt.timedelta(days=3)
    asked = await private(desk, MARKETING_ID, f"{later.isoformat()} 10:00")
    await press(desk, MARKETING_ID, asked[-1], "確認")
    async with services.sessions() as session:
        [campaign] = (await session.scalars(select(Campaign))).all()
    assert campaign.progress_message_id is not None
    listed = await private(desk, MARKETING_ID, "/campaigns")
    await press(desk, MARKETING_ID, listed[-1], "取消")
    relisted = desk.engine.message(MARKETING_ID, listed[-1]["message_id"])  # the list as it is now: no Cancel left
    assert relisted is not None and "已取消" in relisted["text"] and "取消 #" not in str(relisted.get("reply_markup"))
    for _ in range(2):
        await send_outbox(desk)
        await marketing.tick(services)
    progress = desk.engine.message(MARKETING_ID, campaign.progress_message_id)
    assert progress is not None and "已取消" in progress["text"] and "已排程" not in progress["text"]
    assert len(report_calls(desk)) == 1
