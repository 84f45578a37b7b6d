"""The advisor handoff's domain: a ticket as handlers see it, its context card, the FAQ trail, timings, and when
an advisor can be expected outside business hours. No telegram import, no SQL (bot.core.desk.handoff.repo has that).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.core.common.dealer import Dealer
from bot.core.common.locale import Locale, choose_locale

TicketKind = Literal["handoff", "complaint"]
TICKET_KINDS: tuple[TicketKind, ...] = ("handoff", "complaint")
ACTIVE_STATUSES = ("open", "claimed")
TRAIL_LENGTH = 5  # the customer's last questions shown on the card
TRAIL_TEXT_MAX = 120
TOPIC_NAME_MAX = 128  # Telegram's limit for a forum topic's name


@dataclass(frozen=True)
class TicketView:
    """A ticket and how to reach its customer, detached from the session."""

    id: int
    kind: str
    trigger: str
    status: str
    topic_id: int | None
    claimed_by: int | None
    customer_id: int
    customer_user_id: int | None
    customer_chat_id: int | None
    customer_locale: Locale
    opened_at: dt.datetime
    first_response_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True)
class CardVehicle:
    plate: str | None
    make: str
    model: str


@dataclass(frozen=True)
class CardVisit:
    day: dt.date
    kind: str
    work_done: str | None
    plate: str | None


@dataclass(frozen=True)
class CardAppointment:
    day: dt.date
    slot: str
    branch: str
    service_type: str
    status: str


@dataclass(frozen=True)
class ContextCard:
    """What the advisors read at the top of a customer's topic (the phone is for staff only: never logged)."""

    ticket_id: int
    kind: str
    trigger: str
    name: str
    phone: str | None
    vehicles: list[CardVehicle] = field(default_factory=list)
    visits: list[CardVisit] = field(default_factory=list)
    appointments: list[CardAppointment] = field(default_factory=list)
    trail: list[dict[str, str]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Timings:
    """For the KPI reader: how long until the first staff reply, and until a solution or closing."""

    first_response: dt.timedelta | None
    resolution: dt.timedelta | None


def timings(
    opened_at: dt.datetime,
    first_response_at: dt.datetime | None,
    resolved_at: dt.datetime | None,
    closed_at: dt.datetime | None,
) -> Timings:
    """First-response time and resolution time (a complaint's solution, else the closing); None while pending."""
    done = resolved_at or closed_at
    return Timings(
        first_response_at - opened_at if first_response_at else None,
        done - opened_at if done else None,
    )


def customer_locale(choice: str | None, last: str | None, language_code: str | None, default: Locale) -> Locale:
    """The locale for messages the customer did not just write to (staff replies, closing)."""
    known = last if last in ("zh-Hant", "zh-Hans", "en") else None
    return choose_locale(choice, known, language_code, default)  # type: ignore[arg-type]


def add_to_trail(trail: list[Any] | None, question: str, decision: str) -> list[dict[str, str]]:
    """The FAQ trail kept in user_data (JSON only): the last TRAIL_LENGTH questions, newest last."""
    kept = [item for item in (trail or []) if isinstance(item, dict) and "q" in item]
    text = " ".join(question.split())[:TRAIL_TEXT_MAX]
    return [*kept, {"q": text, "d": decision}][-TRAIL_LENGTH:]


def topic_name(name: str | None, plate: str | None, ticket_id: int) -> str:
    """ "Mei · 粤B12345 · #12", cut to Telegram's limit (the ticket number always stays)."""
    tail = f" · #{ticket_id}"
    head = " · ".join(part for part in ((name or "").strip() or "?", plate) if part)
    return head[: TOPIC_NAME_MAX - len(tail)] + tail


def next_opening(dealer: Dealer, now: dt.datetime, tz: dt.tzinfo, horizon_days: int = 14) -> dt.datetime | None:
    """None while some branch is open (an advisor answers soon); otherwise when the first branch opens next, in
    dealer time. Also None when nothing opens within `horizon_days` (the message then says "as soon as we can")."""
    local = now.astimezone(tz)
    earliest: dt.datetime | None = None
    for branch in dealer.branches:
        for offset in range(horizon_days + 1):
            day = local.date() + dt.timedelta(days=offset)
            hours = branch.hours.for_weekday(day.weekday()) if branch.is_open_on(day) else None
            if hours is None:
                continue
            opens, closes = (dt.datetime.combine(day, t, tz) for t in hours)
            if opens <= local < closes:
                return None
            if opens > local:
                earliest = opens if earliest is None else min(earliest, opens)
                break
    return earliest
