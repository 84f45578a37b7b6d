"""Follow-ups after a visit (the seed's rules, FACTS.md §6): the sweep, the message, the rating (no telegram).

The desk task `tick` does two things, each idempotent:
- `create`: every completed visit whose car's owner the bot may write to gets two FollowUp rows: stage 1 due
  `follow_up_first_days` after the visit, stage 2 `follow_up_second_days` after stage 1, both at the dealer's
  reminder hour (settings.reminder_sweep_time, local time: customers get the bot's service messages at one
  hour of the day). Only visits whose stage 1 is at most FRESH_DAYS old: importing years of history sends
  nothing. The (visit, stage) unique key makes a second run add nothing.
- `enqueue`: pending follow-ups due by `now` become outbox messages (kind follow_up, key
  `follow_up:{visit}:{stage}`), not_before shifted out of quiet hours, in the customer's locale, with five
  rating buttons signed for the customer. A follow-up is skipped instead when the owner may no longer be
  written to (the car sold, the customer unreachable or opted out since), when it is over FRESH_DAYS late
  (after long downtime), or — stage 2 — when stage 1 opened a complaint ticket: the case is with a person.

Which opt-out governs: Customer.reminders_opt_out ("service reminders" in /settings). A follow-up is a service
message about the customer's own car, like a reminder, not marketing (marketing_opt_out governs campaigns).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from bot.core.common.identifiers import format_plate
from bot.core.common.locale import Locale
from bot.core.common.quiet_hours import parse_clock
from bot.core.common.settings import Settings
from bot.core.desk.followups import repo as followup_repo
from bot.core.desk.followups.repo import DueRow, FollowUpView
from bot.core.desk.handoff import repo as ticket_repo
from bot.core.outbox import store as outbox
from bot.core.outbox.store import OutboxItem, message_payload
from bot.core.reminders.message import reminder_locale

if TYPE_CHECKING:  # the services type only: the desk sits below the services container
    from bot.core.services import Services

FEATURE = "fu"  # callback data fu:rate:<follow-up id>:<1-5> and fu:skip:<follow-up id>, signed for the customer
RATINGS = (1, 2, 3, 4, 5)
FRESH_DAYS = 3
KEY = "follow_up:{visit}:{stage}"


def due_times(visit_date: dt.date, settings: Settings) -> tuple[dt.datetime, dt.datetime]:
    """(stage 1, stage 2) due times in UTC for a visit on `visit_date` (dealer's calendar)."""
    hour = parse_clock(settings.reminder_sweep_time)
    day = visit_date + dt.timedelta(days=settings.follow_up_first_days)
    first = dt.datetime.combine(day, hour, tzinfo=settings.tz).astimezone(dt.UTC)
    second = dt.datetime.combine(day + dt.timedelta(days=settings.follow_up_second_days), hour, tzinfo=settings.tz)
    return first, second.astimezone(dt.UTC)


async def create(services: Services, now: dt.datetime) -> int:
    """Add the follow-ups of recent completed visits; returns how many rows were new."""
    settings = services.settings
    today = now.astimezone(settings.tz).date()
    since = today - dt.timedelta(days=settings.follow_up_first_days + FRESH_DAYS)
    async with services.sessions.begin() as session:
        visits = await followup_repo.visits_without_follow_ups(session, since, today)
        rows: list[dict[str, Any]] = []
        for visit_id, visit_date in visits:
            first, second = due_times(visit_date, settings)
            if first < now - dt.timedelta(days=FRESH_DAYS):
                continue  # the visit's day is in range but its hour is not: the same cut-off, to the minute
            rows += [{"visit_id": visit_id, "stage": 1, "due_at": first},
                     {"visit_id": visit_id, "stage": 2, "due_at": second}]  # fmt: skip
        return await followup_repo.add_follow_ups(session, rows)


def skip_reason(row: DueRow, now: dt.datetime) -> str | None:
    """Why a due follow-up is not sent (None: send it)."""
    if not row.writable or row.telegram_user_id is None or row.chat_id is None:
        return "not_writable"
    if row.due_at < now - dt.timedelta(days=FRESH_DAYS):
        return "too_late"
    if row.earlier_ticket:
        return "complaint_open"
    return None


async def enqueue(services: Services, now: dt.datetime) -> int:
    """Enqueue the follow-ups due by `now` (or skip them), a batch per transaction; returns how many were enqueued.

    Each row's status moves from pending with a conditional UPDATE, so a racing tick cannot send it twice (and
    the outbox key would refuse a second message anyway)."""
    async with services.sessions.begin() as session:
        items: list[OutboxItem] = []
        for row in await followup_repo.due_follow_ups(session, now):
            reason = skip_reason(row, now)
            if await followup_repo.set_status(session, row.id, "skipped" if reason else "sent") and reason is None:
                items.append(_item(services, row, now))
        return await outbox.enqueue_many(session, items, now)


async def tick(services: Services, now: dt.datetime) -> int:
    """The desk task: create, then enqueue; returns rows created plus messages enqueued."""
    return await create(services, now) + await enqueue(services, now)


def _item(services: Services, row: DueRow, now: dt.datetime) -> OutboxItem:
    assert row.telegram_user_id is not None and row.chat_id is not None
    settings = services.settings
    locale = reminder_locale(row.locale_choice, row.last_locale, row.language_code, settings.default_locale)
    text = services.messages.render(
        locale, "followup_ask", stage=row.stage, name=row.first_name or row.name or "",
        car=car_data(row.plate, row.make, row.model), visit_date=row.visit_date, visit_kind=row.visit_kind,
    )  # fmt: skip
    payload = message_payload(text, keyboard(services, locale, row.telegram_user_id, row.id))
    return OutboxItem(
        KEY.format(visit=row.visit_id, stage=row.stage), "follow_up", row.chat_id, payload,
        not_before=settings.quiet_hours.shift(now), customer_id=row.customer_id,
    )  # fmt: skip


def car_data(plate: str | None, make: str | None, model: str | None) -> dict[str, str]:
    """The car as messages name it: 粤B·12345 Toyota Corolla."""
    return {"plate": format_plate(plate) if plate else "", "make": make or "", "model": model or ""}


def keyboard(services: Services, locale: Locale, user_id: int, follow_up_id: int) -> dict[str, Any]:
    """The five rating buttons in one row, as Bot API JSON (signed for the customer)."""
    label, pack = services.messages.label, services.callbacks.pack
    row = [
        {
            "text": label(locale, f"followup_rate_{n}"),
            "callback_data": pack(user_id, FEATURE, "rate", str(follow_up_id), str(n)),
        }
        for n in RATINGS
    ]
    return {"inline_keyboard": [row]}


RateOutcome = Literal["recorded", "already", "not_yours"]


@dataclass(frozen=True)
class Rated:
    outcome: RateOutcome
    follow_up: FollowUpView | None = None
    alert: bool = False  # at or below settings.follow_up_alert_rating: a complaint ticket and the supervisor
    # an active ticket: the customer's messages go to the advisors (bot.handlers.desk.handoff.tickets)
    in_chat: bool = False


async def rate(
    services: Services, user_id: int, follow_up_id: int, rating: int, now: dt.datetime, *, change: bool = False
) -> Rated:
    """Record a rating pressed by `user_id`: only on their own follow-up, and only the first one — or, with
    `change` (the customer went back from the comment question), in place of a rating above the alert line
    that nothing has followed yet (no comment, no ticket)."""
    if rating not in RATINGS:
        return Rated("not_yours")
    async with services.sessions.begin() as session:
        view = await followup_repo.customers_follow_up(session, follow_up_id, user_id)
        if view is None:
            return Rated("not_yours")
        if change:
            was = view.rating
            good = was is not None and was > services.settings.follow_up_alert_rating
            recorded = good and await followup_repo.change_rating(session, follow_up_id, was or 0, rating)
        else:
            recorded = await followup_repo.record_rating(session, follow_up_id, rating, now)
        if not recorded:
            return Rated("already", view)
        active = await ticket_repo.active_for_user(session, user_id, services.settings.default_locale)
    alert = rating <= services.settings.follow_up_alert_rating
    return Rated("recorded", view, alert=alert, in_chat=active is not None)


async def owned(services: Services, user_id: int, follow_up_id: int) -> FollowUpView | None:
    """The follow-up if it asks this Telegram user about their own car."""
    async with services.sessions() as session:
        return await followup_repo.customers_follow_up(session, follow_up_id, user_id)


async def comment(services: Services, user_id: int, follow_up_id: int, text: str) -> FollowUpView | None:
    """Keep the customer's comment on their follow-up (the first one); None if it is not theirs."""
    async with services.sessions.begin() as session:
        view = await followup_repo.customers_follow_up(session, follow_up_id, user_id)
        if view is None:
            return None
        await followup_repo.record_comment(session, follow_up_id, text[:4000])
    return view


async def link_ticket(services: Services, follow_up_id: int, ticket_id: int, rating: int | None) -> int | None:
    """Remember the complaint ticket a follow-up opened, log the supervisors' alert on it; the forum topic."""
    async with services.sessions.begin() as session:
        await followup_repo.link_ticket(session, follow_up_id, ticket_id)
        detail = f"follow-up {follow_up_id}, rating {rating if rating is not None else '-'}; supervisors alerted"
        await followup_repo.log_event(session, ticket_id, "follow_up_alert", detail, dt.datetime.now(dt.UTC))
        return await followup_repo.ticket_topic(session, ticket_id)


def car_name(view: FollowUpView) -> str:
    """粤B·12345 Toyota Corolla."""
    car = car_data(view.plate, view.make, view.model)
    return " ".join(part for part in (car["plate"], car["make"], car["model"]) if part)


def card_facts(view: FollowUpView, rating: int | None, comment_text: str | None) -> dict[str, Any]:
    """What the ticket's context card shows (keys its template names: visit, rating, comment). The visit
    carries the advisor who served, so the supervisor sees who it was; the card's template words it in the
    staff's locale."""
    visit = {
        "no": view.visit_no, "date": view.visit_date.isoformat(), "kind": view.visit_kind, "car": car_name(view),
        "plate": car_data(view.plate, view.make, view.model)["plate"] or None,
        "advisor": view.advisor, "stage": view.stage, "work": (view.work_done or "")[:300],
    }  # fmt: skip
    facts: dict[str, Any] = {"visit": visit}
    if rating is not None:
        facts["rating"] = f"{rating}/5"
    if comment_text:
        facts["comment"] = comment_text[:1000]
    return facts
