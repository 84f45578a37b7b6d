"""What the campaign handlers call: each one session, plain data back (no telegram import)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from bot.core.campaigns import delivery, message, repo
from bot.core.campaigns import service as campaigns
from bot.core.common.locale import Locale
from bot.core.events.service import customer_id_of
from bot.core.outbox import store as outbox
from bot.db.campaigns.models import Campaign
from bot.db.garage.models import Customer
from bot.db.outbox.models import Outbox

if TYPE_CHECKING:
    from bot.core.services import Services


async def stop_offers(services: Services, telegram_user_id: int) -> bool:
    """"No more offers": marketing off, and their unsent campaign messages are never sent. False: not a customer."""
    async with services.sessions.begin() as session:
        customer_id = await customer_id_of(session, telegram_user_id)
        if customer_id is None:
            return False
        await session.execute(update(Customer).where(Customer.id == customer_id).values(marketing_opt_out=True))
        await session.execute(
            update(Outbox)
            .where(Outbox.kind == repo.KIND, Outbox.customer_id == customer_id, Outbox.status == outbox.PENDING)
            .values(status=outbox.DROPPED, last_error="not sent: the customer turned offers off")
        )
    return True


async def attribute(services: Services, telegram_user_id: int, campaign_id: int, now: dt.datetime) -> bool:
    """A customer came through `/start c_<id>`: later bookings and RSVPs count for the campaign."""
    async with services.sessions.begin() as session:
        customer_id = await customer_id_of(session, telegram_user_id)
        return customer_id is not None and await repo.touch(session, campaign_id, customer_id, now)


async def listing(services: Services, limit: int = 10) -> list[campaigns.Progress]:
    async with services.sessions() as session:
        return [await campaigns.progress(session, c) for c in await repo.listed(session, limit)]


async def change(services: Services, campaign_id: int, action: str, now: dt.datetime) -> campaigns.Progress:
    """Pause, resume or cancel; raises CampaignError with the reason. A cancelled campaign's progress message is
    closed and its final report posted now: the delivery tick no longer looks at it, and the marketer's message
    would otherwise say "scheduled" (or "sending") for good."""
    async with services.sessions.begin() as session:
        campaign = await campaigns.change(session, campaign_id, action, now)
        figures = await campaigns.progress(session, campaign)
        session.expunge(campaign)
    if campaign.status == "cancelled":
        await delivery.report(services, campaign, now)
    return figures


async def editable(services: Services, campaign_id: int) -> tuple[campaigns.Progress, dict[str, str]]:
    """The campaign the marketer is about to change, and its texts; ScheduleError when it can no longer change."""
    async with services.sessions() as session:
        campaign = await campaigns.editable(session, campaign_id)
        return await campaigns.progress(session, campaign), dict(campaign.texts or {})


async def retext(services: Services, campaign_id: int, locale: Locale, text: str, user_id: int) -> dict[str, Any]:
    """A scheduled campaign's new text in `locale`; the message as that locale's customers will get it (a preview
    for `user_id`: its buttons only say so). Raises ScheduleError."""
    async with services.sessions.begin() as session:
        campaign = await campaigns.retext(session, campaign_id, locale, text, services.settings.default_locale)
        texts, button, event_id = dict(campaign.texts), campaign.button, campaign.event_id
    event = (await delivery.event_views(services, event_id) or {}).get(locale)
    return message.payload(services, locale, user_id, campaign_id, texts, button, event, preview=True)


async def reschedule(services: Services, campaign_id: int, when: dt.datetime, now: dt.datetime
                     ) -> tuple[campaigns.Progress, bool]:  # fmt: skip
    """A scheduled campaign's new send time (and whether quiet hours moved it); raises ScheduleError, "empty" when
    nobody would receive it on the new day (a date filter, as at the wizard's confirm). The watched progress message
    shows the new time at once."""
    async with services.sessions.begin() as session:
        campaign = await campaigns.reschedule(session, campaign_id, when, services.settings.quiet_hours, now)
        try:
            await delivery.require_audience(services, session, campaigns.audience_of(campaign), campaign.send_at)
        except campaigns.CampaignError as exc:  # the transaction rolls back: the old time stays
            raise campaigns.ScheduleError("empty", str(exc)) from exc
        figures, shifted = await campaigns.progress(session, campaign), bool(campaign.quiet_shifted)
        session.expunge(campaign)
    await delivery.report(services, campaign, now, force=True)
    return figures, shifted


async def current(services: Services, campaign_id: int) -> campaigns.Progress | None:
    async with services.sessions() as session:
        campaign = await repo.get(session, campaign_id)
        return None if campaign is None else await campaigns.progress(session, campaign)


async def watch(services: Services, campaign_id: int, chat_id: int, message_id: int, now: dt.datetime) -> None:
    """The delivery tick edits this message with the campaign's figures from now on."""
    async with services.sessions.begin() as session:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is not None:
            campaign.progress_chat_id, campaign.progress_message_id, campaign.progress_at = chat_id, message_id, now
