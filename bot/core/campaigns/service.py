"""Campaigns: create (validated, moved out of quiet hours), pause, resume, cancel, and their figures.

Everything here is plain data in, plain data out (no telegram import); the wizard, `/campaigns` and
`python -m bot campaign …` call the same functions. Delivery is bot.core.campaigns.delivery.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.campaigns import repo
from bot.core.campaigns.message import BUTTON_KINDS
from bot.core.campaigns.segments import Audience, AudienceError
from bot.core.common.locale import DEFAULT_LOCALE, LOCALES, Locale
from bot.core.common.quiet_hours import QuietHours
from bot.db.campaigns.models import CAMPAIGN_KINDS, Campaign
from bot.db.events.models import Event

MAX_TEXT = 3500  # Telegram allows 4096 characters; the event block and the buttons' hint need the rest


class CampaignError(ValueError):
    """A campaign that cannot be created or changed; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Draft:
    """What the wizard or a YAML file gives: validated by `validate`."""

    name: str
    kind: str
    audience: Audience
    texts: Mapping[str, str]
    button: Mapping[str, Any] | None = None
    event_id: int | None = None
    send_at: dt.datetime | None = None  # None: now (or, for an event, `invite_days` before it starts)
    extra: dict[str, Any] = field(default_factory=dict)


def validate(draft: Draft, default_locale: Locale = DEFAULT_LOCALE) -> None:
    """Raise CampaignError naming the first field that is wrong; `default_locale`: the dealer's
    (settings.default_locale), whose text is required."""
    if not draft.name.strip():
        raise CampaignError("name", "must not be empty")
    if draft.kind not in CAMPAIGN_KINDS:
        raise CampaignError("kind", f"expected one of {', '.join(CAMPAIGN_KINDS)}")
    if draft.kind == "event" and draft.event_id is None:
        raise CampaignError("event", "an event invitation names its event")
    unknown = sorted(set(draft.texts) - set(LOCALES))
    if unknown:
        raise CampaignError("texts", f"unknown locale {unknown[0]!r}; expected {', '.join(LOCALES)}")
    if not (draft.texts.get(default_locale) or "").strip():
        raise CampaignError("texts", f"the default locale {default_locale} needs a text (others fall back to it)")
    for locale, text in draft.texts.items():
        if len(text) > MAX_TEXT:
            raise CampaignError("texts", f"{locale}: {len(text)} characters, at most {MAX_TEXT}")
    if draft.button is not None:
        kind = draft.button.get("kind")
        if kind not in BUTTON_KINDS:
            raise CampaignError("button", f"kind must be one of {', '.join(BUTTON_KINDS)}")
        if kind == "url" and not str(draft.button.get("url", "")).startswith("https://"):
            raise CampaignError("button", "url must start with https://")
        if kind == "rsvp" and draft.kind != "event":
            raise CampaignError("button", "RSVP buttons belong to event invitations")
    if draft.send_at is not None and draft.send_at.tzinfo is None:
        raise CampaignError("send_at", "needs a time zone")


def send_time(
    draft: Draft, event: Event | None, quiet: QuietHours, now: dt.datetime, invite_days: int
) -> tuple[dt.datetime, bool]:
    """When delivery starts, in UTC, and whether quiet hours moved it: the draft's time, or now; an event
    invitation without one goes out `invite_days` before the event (the seed: two weeks ahead), or now."""
    wanted = draft.send_at
    if wanted is None and event is not None:
        starts = event.starts_at if event.starts_at.tzinfo else event.starts_at.replace(tzinfo=dt.UTC)
        wanted = starts - dt.timedelta(days=event.invite_days or invite_days)
    wanted = max(wanted or now, now)
    shifted = quiet.shift(wanted)
    return shifted, shifted != wanted.astimezone(dt.UTC)


async def create(
    session: AsyncSession, draft: Draft, quiet: QuietHours, now: dt.datetime, invite_days: int,
    created_by: int | None = None, default_locale: Locale = DEFAULT_LOCALE,
) -> Campaign:  # fmt: skip
    """Validate and store a scheduled campaign; nothing is stored when anything is wrong."""
    validate(draft, default_locale)
    event = None
    if draft.event_id is not None:
        event = await session.get(Event, draft.event_id)
        if event is None or event.status != "scheduled":
            raise CampaignError("event", f"no scheduled event #{draft.event_id}")
    send_at, shifted = send_time(draft, event, quiet, now, invite_days)
    button = dict(draft.button) if draft.button else ({"kind": "rsvp"} if draft.kind == "event" else None)
    campaign = Campaign(
        name=draft.name.strip(), kind=draft.kind, event_id=draft.event_id, audience=draft.audience.as_json(),
        texts=dict(draft.texts), button=button, send_at=send_at, quiet_shifted=shifted, status="scheduled",
        created_by=created_by, created_at=now,
    )  # fmt: skip
    session.add(campaign)
    await session.flush()
    return campaign


def send_time_problem(when: dt.datetime, event_starts: dt.datetime | None, now: dt.datetime) -> str | None:
    """Why a typed send time cannot be used (the wizard's and a reschedule's rule): "when_past" (it has passed:
    sending at once instead would surprise a marketer who mistyped a year or a month), "when_late" (an invitation
    at or after the start of its event)."""
    if when < now - dt.timedelta(minutes=1):
        return "when_past"
    if event_starts is not None and when >= event_starts:
        return "when_late"
    return None


class ScheduleError(CampaignError):
    """A new send time or text refused; `reason`: "missing" (no such campaign), "started" (sending has begun, or it
    is paused, cancelled or over), "empty" (nobody in the audience on the new day), a `send_time_problem`, or for a
    text "empty_text" or "too_long"."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__("send_at", message)
        self.reason = reason


async def reschedule(
    session: AsyncSession, campaign_id: int, when: dt.datetime, quiet: QuietHours, now: dt.datetime
) -> Campaign:
    """Move a scheduled campaign (not yet sending) to `when`, out of quiet hours as `create` does. Raises
    ScheduleError; the row is locked (PostgreSQL), so delivery cannot start it half-way through."""
    campaign = await editable(session, campaign_id, lock=True)
    starts = None
    if campaign.event_id is not None:
        event = await session.get(Event, campaign.event_id)
        if event is not None:
            starts = event.starts_at if event.starts_at.tzinfo else event.starts_at.replace(tzinfo=dt.UTC)
    problem = send_time_problem(when, starts, now)
    wanted = max(when, now)
    shifted = quiet.shift(wanted)
    if problem is None and starts is not None and shifted >= starts:  # quiet hours pushed it past the start
        problem = "when_late"
    if problem is not None:
        raise ScheduleError(problem, f"campaign #{campaign_id}: {problem.replace('_', ' ')}")
    moved = {"send_at": shifted, "quiet_shifted": shifted != wanted.astimezone(dt.UTC)}
    if not await repo.still_scheduled(session, campaign_id, **moved):  # delivery started it since it was read
        raise ScheduleError("started", f"campaign #{campaign_id} has started sending; it can no longer change")
    await session.refresh(campaign)
    return campaign


async def editable(session: AsyncSession, campaign_id: int, *, lock: bool = False) -> Campaign:
    """A campaign whose time or text may still change: scheduled, not yet sending; ScheduleError otherwise."""
    campaign = await repo.get(session, campaign_id, lock=lock)
    if campaign is None:
        raise ScheduleError("missing", f"no campaign #{campaign_id}")
    if campaign.status != "scheduled":
        raise ScheduleError("started", f"campaign #{campaign_id} is {campaign.status}; it can no longer change")
    return campaign


async def retext(session: AsyncSession, campaign_id: int, locale: Locale, text: str, default_locale: Locale
                 ) -> Campaign:  # fmt: skip
    """A scheduled campaign's text in `locale`, typed anew. The dealer's default locale's (`default_locale`) is
    the one the others fall back to: a locale whose text was the same (skipped in the wizard) follows it. Raises
    ScheduleError ("started", "missing", "empty_text", "too_long")."""
    campaign = await editable(session, campaign_id, lock=True)
    text = text.strip()
    if not text:
        raise ScheduleError("empty_text", "the text is empty")
    if len(text) > MAX_TEXT:
        raise ScheduleError("too_long", f"{len(text)} characters, at most {MAX_TEXT}")
    texts = dict(campaign.texts or {})
    before = texts.get(locale)
    if locale == default_locale:
        texts.update({other: text for other, same in texts.items() if same == before})
    texts[locale] = text
    if not await repo.still_scheduled(session, campaign_id, texts=texts):  # delivery started it since it was read
        raise ScheduleError("started", f"campaign #{campaign_id} has started sending; it can no longer change")
    await session.refresh(campaign)
    return campaign


def audience_of(campaign: Campaign) -> Audience:
    try:
        return Audience.from_json(campaign.audience)
    except AudienceError as exc:  # stored by an older version: say which campaign
        raise CampaignError("audience", f"campaign #{campaign.id}: {exc}") from exc


Action = str  # "pause", "resume", "cancel"
_ALLOWED: dict[Action, tuple[str, ...]] = {
    "pause": ("scheduled", "sending"),
    "resume": ("paused",),
    "cancel": ("scheduled", "sending", "paused"),
}


async def change(session: AsyncSession, campaign_id: int, action: Action, now: dt.datetime) -> Campaign:
    """Pause, resume or cancel; works mid-delivery. Raises CampaignError when not possible in its status."""
    campaign = await repo.get(session, campaign_id, lock=True)
    if campaign is None:
        raise CampaignError("id", f"no campaign #{campaign_id}")
    if campaign.status not in _ALLOWED[action]:
        raise CampaignError("status", f"campaign #{campaign_id} is {campaign.status}; cannot {action}")
    if action == "pause":
        campaign.status = "paused"
        await repo.hold_pending(session, campaign_id)
    elif action == "resume":
        campaign.status = "sending" if campaign.started_at is not None else "scheduled"
        await repo.release_pending(session, campaign_id, now)
    else:
        campaign.status = "cancelled"
        campaign.finished_at = now
        await repo.drop_pending(session, campaign_id, "not sent: the campaign was cancelled")
    await session.flush()
    return campaign


@dataclass(frozen=True)
class Progress:
    """A campaign's figures, read from the outbox: what the marketer's progress message and /campaigns show."""

    id: int
    name: str
    kind: str
    status: str
    send_at: dt.datetime
    audience: int
    sent: int
    failed: int
    blocked: int
    dropped: int
    pending: int
    capped: int

    @property
    def remaining(self) -> int:
        """Not yet enqueued plus enqueued and not yet sent (none once the campaign is over)."""
        if self.status in ("done", "cancelled"):
            return 0
        settled = self.sent + self.failed + self.blocked + self.dropped + self.capped
        return max(self.audience - settled, self.pending)

    def finish_eta(self, now: dt.datetime, rate_per_second: float) -> dt.datetime | None:
        if self.remaining == 0 or self.status != "sending":
            return None
        return now + dt.timedelta(seconds=self.remaining / rate_per_second)


async def progress(session: AsyncSession, campaign: Campaign) -> Progress:
    found = await repo.figures(session, campaign.id)
    send_at = campaign.send_at if campaign.send_at.tzinfo else campaign.send_at.replace(tzinfo=dt.UTC)
    return Progress(
        campaign.id, campaign.name, campaign.kind, campaign.status, send_at, campaign.audience_size or 0,
        found["sent"], found["failed"], found["unreachable"], found["dropped"], found["pending"] + found["sending"],
        campaign.capped,
    )  # fmt: skip
