"""An event as customers and staff read it: its words in one locale and its times in the dealer's zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.common.dealer import Dealer
from bot.core.common.locale import Locale
from bot.db.events.models import Event

if TYPE_CHECKING:
    from bot.core.services import Services

OFFERS = ("inspection_week", "service_month", "owners_evening", "recall")


def localized(texts: dict[str, str] | None, locale: Locale, default: Locale) -> str:
    """The text for `locale`, else the dealer's default locale's (`default`: settings.default_locale, never the
    code's DEFAULT_LOCALE: a dealer on English must not see a Traditional Chinese title fill in), else any."""
    texts = texts or {}
    return texts.get(locale) or texts.get(default) or next(iter(texts.values()), "")


@dataclass(frozen=True)
class EventView:
    id: int
    title: str
    description: str
    branch: str
    place: str
    starts: str  # "2026-12-20 09:00" dealer time, for staff input and machine use
    ends: str
    start: dt.datetime  # dealer time; customers read it through events/_events.j2's `when`
    end: dt.datetime
    offer: str | None
    capacity: int
    going: int

    @property
    def full(self) -> bool:
        return self.going >= self.capacity


def _local(moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    return (moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment).astimezone(tz)


def view(event: Event, locale: Locale, dealer: Dealer, tz: ZoneInfo, default: Locale) -> EventView:
    """The event in `locale`; a title or description missing there is the dealer's `default` locale's."""
    branch = next((b.name.get(locale) for b in dealer.branches if b.id == event.branch), event.branch)
    starts, ends = _local(event.starts_at, tz), _local(event.ends_at, tz)
    end_format = "%H:%M" if ends.date() == starts.date() else "%Y-%m-%d %H:%M"
    return EventView(event.id, localized(event.titles, locale, default),
                     localized(event.descriptions, locale, default), branch,
                     event.place, starts.strftime("%Y-%m-%d %H:%M"), ends.strftime(end_format), starts, ends,
                     event.offer, event.capacity, event.going)  # fmt: skip


def view_in(services: Services, event: Event, locale: Locale) -> EventView:
    """`view` with this process's dealer, time zone and default locale (settings.default_locale)."""
    settings = services.settings
    return view(event, locale, services.dealer, settings.tz, settings.default_locale)
