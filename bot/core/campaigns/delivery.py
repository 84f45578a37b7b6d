"""Campaign delivery, a tick every `campaign_tick_seconds` (scheduler/marketing.py; no telegram import).

A scheduled campaign whose time has come starts: its audience is counted, then enqueued into the outbox in
keyset pages of `campaign_page_size` customers, one transaction per page that also moves `campaign.cursor`.
Every message's key is `campaign:{id}:{customer}` (ON CONFLICT DO NOTHING), so a campaign started twice, a
restart mid-page or two replicas ticking at once reach each customer once. Rows carry CAMPAIGN_PRIORITY: the
sender claims every due answer-notice, reminder and roadside message first. Customers over the weekly cap
(`campaign_cap_per_week` campaign messages in 7 days) are skipped and counted. A campaign is done when every
page is enqueued and none of its rows is pending or being sent.

Progress: the marketer's progress message is edited through the outbox (`editMessageText`, priority 0) at most
every `campaign_progress_seconds`, and only when a figure changed (the key holds the figures); when the campaign
ends it shows its last figures and status, and the final report follows once, as a new message (one that
notifies; the progress message is not made into a second copy of it).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from bot.core.campaigns import message, repo, segments
from bot.core.campaigns.segments import WarrantyPeriods
from bot.core.campaigns.service import CampaignError, Progress, audience_of, progress
from bot.core.common.locale import LOCALES, Locale
from bot.core.events.view import EventView, view_in
from bot.core.outbox.store import CAMPAIGN_PRIORITY, OutboxItem, enqueue_many, message_payload
from bot.core.reminders.message import reminder_locale
from bot.db.campaigns.models import Campaign
from bot.db.events.models import Event

if TYPE_CHECKING:
    from bot.core.services import Services


WINDOW_PAGES = 2


def warranty_periods(services: Services) -> WarrantyPeriods:
    """包修期 and 三包有效期 in months from knowledge/warranty.yaml (the defaults when given in days)."""
    periods, default = services.warranty.periods, WarrantyPeriods()
    repair, three = periods.repair_warranty.years, periods.three_guarantees.years
    return WarrantyPeriods(int(repair) * 12 if repair else default.repair_months,
                           int(three) * 12 if three else default.three_guarantees_months)  # fmt: skip


def today(services: Services, now: dt.datetime) -> dt.date:
    return now.astimezone(services.settings.tz).date()


async def audience_count(services: Services, campaign_audience: segments.Audience, now: dt.datetime) -> int:
    """How many customers the audience reaches; its date filters (insurance, warranty, service due) read on the
    day of `now`: pass the send time to count for the send day."""
    async with services.sessions() as session:
        return await segments.count(session, campaign_audience, today(services, now), warranty_periods(services))


async def require_audience(services: Services, session: Any, campaign_audience: segments.Audience,
                           send_at: dt.datetime) -> int:  # fmt: skip
    """The audience's size on the send day; CampaignError("audience") when nobody would receive it. Only today's
    customers can be counted: one who joins, turns offers off or blocks the bot before then changes the figure, and
    delivery counts again when it starts (`_start`)."""
    day = today(services, send_at)
    found = await segments.count(session, campaign_audience, day, warranty_periods(services))
    if found == 0:
        raise CampaignError("audience", f"nobody would receive it: no customer the bot can write to who accepts "
                                        f"offers matches these filters on {day.isoformat()}, the send day; "
                                        f"change the audience (or the send time)")  # fmt: skip
    return found


async def event_views(services: Services, event_id: int | None) -> dict[Locale, EventView] | None:
    if event_id is None:
        return None
    async with services.sessions() as session:
        event = await session.get(Event, event_id)
    if event is None:
        return None
    return {locale: view_in(services, event, locale) for locale in LOCALES}


async def _start(services: Services, campaign_id: int, now: dt.datetime) -> None:
    async with services.sessions.begin() as session:
        if not await repo.start(session, campaign_id, now):  # given a later send time since `active` read it
            return
        campaign = await repo.get(session, campaign_id)
        assert campaign is not None
        campaign.audience_size = await segments.count(
            session, audience_of(campaign), today(services, now), warranty_periods(services)
        )


async def _enqueue_page(services: Services, campaign_id: int, now: dt.datetime,
                        events: dict[Locale, EventView] | None) -> int | None:  # fmt: skip
    """One page: enqueue and move the cursor in one transaction. None when nothing was left (or not sending)."""
    settings = services.settings
    async with services.sessions.begin() as session:
        campaign = await repo.get(session, campaign_id, lock=True)
        if campaign is None or campaign.status != "sending":
            return None
        found = await segments.page(session, audience_of(campaign), today(services, now), campaign.cursor,
                                    settings.campaign_page_size, warranty_periods(services))  # fmt: skip
        if not found:
            return None
        since = now - dt.timedelta(days=7)
        recent = await repo.recent_counts(session, [r.customer_id for r in found], since)
        existing = {
            key for key in await repo.existing_keys(session, [repo.key(campaign.id, r.customer_id) for r in found])
        }
        items, capped = [], 0
        for r in found:
            item_key = repo.key(campaign.id, r.customer_id)
            if item_key in existing:
                continue
            if recent.get(r.customer_id, 0) >= settings.campaign_cap_per_week:
                capped += 1
                continue
            locale = reminder_locale(r.locale_choice, r.last_locale, r.language_code, settings.default_locale)
            event = events.get(locale) if events else None
            payload = message.payload(services, locale, r.telegram_user_id, campaign.id, campaign.texts,
                                      campaign.button, event)  # fmt: skip
            items.append(OutboxItem(item_key, repo.KIND, r.chat_id, payload, now, None, r.customer_id,
                                    CAMPAIGN_PRIORITY))  # fmt: skip
        added = await enqueue_many(session, items, now)
        campaign.cursor = found[-1].customer_id
        campaign.enqueued += added
        campaign.capped += capped
        return added


def _progress_text(services: Services, figures: Progress, now: dt.datetime, final: bool) -> str:
    settings = services.settings
    eta = figures.finish_eta(now, settings.outbox_rate_per_second)
    return services.messages.render(
        settings.default_locale, "campaign_progress", p=figures, final=final,
        eta=eta.astimezone(settings.tz).strftime("%H:%M") if eta else None, at=figures.send_at.astimezone(settings.tz),
    )  # fmt: skip


async def report(services: Services, campaign: Campaign, now: dt.datetime, force: bool = False) -> int:
    """Edit the progress message when due and changed (`force`: changed now, e.g. a new send time); when the
    campaign is over, its last figures there and the final report once, as a new message."""
    if campaign.progress_chat_id is None:
        return 0
    last = campaign.progress_at
    last = last.replace(tzinfo=dt.UTC) if last is not None and last.tzinfo is None else last
    final = campaign.status in ("done", "cancelled")
    if not final and not force and last is not None and (
            now - last).total_seconds() < services.settings.campaign_progress_seconds:
        return 0
    async with services.sessions.begin() as session:
        fresh = await repo.get(session, campaign.id, lock=True)
        if fresh is None:
            return 0
        figures = await progress(session, fresh)
        items = []
        if fresh.progress_message_id is not None:
            # The live message ends as "done" with its last figures; only the new message below is the report
            # (when both were, the marketer read the final report twice).
            text = _progress_text(services, figures, now, final=False)
            payload: dict[str, Any] = {**message_payload(text), "method": "editMessageText",
                                       "message_id": fresh.progress_message_id}  # fmt: skip
            figures_key = f"{figures.status}:{figures.sent}:{figures.failed}:{figures.blocked}:{figures.dropped}"
            if figures.status == "scheduled":  # the message shows the send time until sending starts
                figures_key += f":{figures.send_at:%Y%m%d%H%M}"
            items.append(OutboxItem(f"campaign-progress:{fresh.id}:{figures_key}", "notice", fresh.progress_chat_id,
                                    payload, now))  # fmt: skip
        if final:
            report = _progress_text(services, figures, now, final=True)
            items.append(OutboxItem(f"campaign-report:{fresh.id}", "notice", fresh.progress_chat_id,
                                    message_payload(report), now))  # fmt: skip
        fresh.progress_at = now
        return await enqueue_many(session, items, now)


async def _all_enqueued(services: Services, session: Any, campaign: Campaign, now: dt.datetime) -> bool:
    """No recipient left after the cursor (the window may have stopped enqueueing before the end)."""
    left = await segments.page(session, audience_of(campaign), today(services, now), campaign.cursor, 1,
                               warranty_periods(services))  # fmt: skip
    return not left


async def tick(services: Services, now: dt.datetime) -> int:
    """Start what is due, enqueue what is left, finish what is delivered; returns the messages enqueued."""
    async with services.sessions.begin() as session:
        await repo.drop_opted_out(session)
        due = [(c.id, c.status, c.event_id) for c in await repo.active(session, now)]
    added = 0
    for campaign_id, status, event_id in due:
        if status == "scheduled":
            await _start(services, campaign_id, now)
        events = await event_views(services, event_id)
        window = WINDOW_PAGES * services.settings.campaign_page_size
        while True:
            async with services.sessions() as session:
                if await repo.unsent(session, campaign_id) >= window:
                    break  # the next tick tops the window up
            page = await _enqueue_page(services, campaign_id, now, events)
            if page is None:
                break
            added += page
        async with services.sessions.begin() as session:
            campaign = await repo.get(session, campaign_id, lock=True)
            if campaign is None:
                continue
            if campaign.status == "sending" and await _all_enqueued(services, session, campaign, now):
                figures = await repo.figures(session, campaign_id)
                if figures["pending"] + figures["sending"] == 0:
                    campaign.status, campaign.finished_at = "done", now
            await session.flush()  # before the row leaves the session: an expunged change is never written
            session.expunge(campaign)
        await report(services, campaign, now)
    return added
