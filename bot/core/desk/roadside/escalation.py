"""The advisors' side of roadside help without Telegram: the alert's words, and the escalation desk task.

The escalation task (scheduler/desk.py runs it every tick with its own `now`) finds requests still 'new' at
`escalate_at`, turns each into 'escalated' with one conditional UPDATE (so it happens once, however many
ticks or replicas run), and in the same transaction enqueues two outbox messages: the supervisor alert in
the advisors' group (with the claim button again: an escalated request can still be claimed) and the notice
telling the customer to call the rescue line. Roadside messages are urgent: not held by quiet hours.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.common.identifiers import format_plate
from bot.core.common.locale import LOCALES, Locale
from bot.core.desk.roadside import repo as roadside_repo
from bot.core.desk.roadside.requests import CustomerCard, RoadsideView, map_link
from bot.core.outbox import store as outbox
from bot.core.outbox.store import message_payload
from bot.core.staff import repo as staff_repo

if TYPE_CHECKING:
    from bot.core.services import Services

FEATURE = "rsd"  # callback data: rsd:<action>[:<request id>[:<arg>]]
NOTICE = "notice"


def locale_of(card: CustomerCard | None, default: Locale) -> Locale:
    found = card.locale if card is not None else None
    return found if found in LOCALES else default  # type: ignore[return-value]


def alert_data(services: Services, view: RoadsideView, card: CustomerCard | None) -> dict[str, Any]:
    """What the alert (and the supervisor's escalation) shows: problem, plate, phone, caller, place, map."""
    region = services.dealer.region
    link = map_link(region, view.latitude, view.longitude) if view.has_point else None  # type: ignore[arg-type]
    return {
        "r": view,
        "plate": format_plate(view.plate) if view.plate else None,
        "card": card,
        "map_url": link,
        "region": region,
    }


def claim_markup(services: Services, request_id: int) -> dict[str, Any] | None:
    """The claim button as Bot API JSON, signed for the advisors' group (any advisor may press it)."""
    group = services.settings.advisor_group_id
    if group is None:
        return None
    label = services.messages.label(services.settings.default_locale, "rsd_claim")
    data = services.callbacks.pack(group, FEATURE, "claim", str(request_id))
    return {"inline_keyboard": [[{"text": label, "callback_data": data}]]}


async def escalate_unclaimed(services: Services, now: dt.datetime) -> int:
    """The desk task: escalate every request unclaimed at its deadline, once. Returns how many it escalated.

    Without an advisors' group there is nobody to escalate to: the customer was told at once to call the
    rescue line (roadside_confirmed), so nothing more is said."""
    if services.settings.advisor_group_id is None:
        return 0
    async with services.sessions() as session:
        due = await roadside_repo.due_for_escalation(session, now)
    escalated = 0
    for view in due:
        async with services.sessions.begin() as session:
            if not await roadside_repo.mark_escalated(session, view.id, now):
                continue  # claimed in the meantime, or another tick got there first
            card = await roadside_repo.card(session, view.customer_id, services.settings.default_locale)
            await outbox.enqueue_many(session, await _notices(session, services, view, card, now))
        escalated += 1
    return escalated


async def _notices(
    session: AsyncSession, services: Services, view: RoadsideView, card: CustomerCard | None, now: dt.datetime
) -> list[outbox.OutboxItem]:
    settings, messages = services.settings, services.messages
    items: list[outbox.OutboxItem] = []
    if settings.advisor_group_id is not None:  # always, since escalate_unclaimed checked it
        supervisors = await staff_repo.members(session, "supervisor", on_duty=True)
        supervisors = supervisors or await staff_repo.members(session, "supervisor")
        staff_locale = settings.default_locale
        text = messages.render(
            staff_locale, "roadside_escalated_desk", supervisors=supervisors, **alert_data(services, view, card)
        )
        payload = message_payload(text, claim_markup(services, view.id))
        key = f"roadside:{view.id}:escalated:desk"
        items.append(outbox.OutboxItem(key, NOTICE, settings.advisor_group_id, payload, not_before=now,
                                       customer_id=view.customer_id))  # /forget finds it by the customer
    if card is not None and card.chat_id is not None:
        text = messages.render(locale_of(card, settings.default_locale), "roadside_escalated_customer", r=view)
        key = f"roadside:{view.id}:escalated:customer"
        item = outbox.OutboxItem(key, NOTICE, card.chat_id, message_payload(text), now, customer_id=card.customer_id)
        items.append(item)
    return items
