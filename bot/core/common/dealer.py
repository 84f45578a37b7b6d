"""The dealer's own configuration (knowledge/dealer.yaml): name, branches, hours, contact numbers."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from bot.core.common.config_files import load_model
from bot.core.common.locale import Locale

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-()]{4,24}$")


class Localized(BaseModel):
    """A text in every locale the bot speaks."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    zh_hant: str = Field(alias="zh-Hant", min_length=1)
    zh_hans: str = Field(alias="zh-Hans", min_length=1)
    en: str = Field(min_length=1)

    def get(self, locale: Locale) -> str:
        return {"zh-Hant": self.zh_hant, "zh-Hans": self.zh_hans, "en": self.en}[locale]


class OpeningHours(BaseModel):
    """Opening hours per weekday as "HH:MM-HH:MM" or "closed"."""

    model_config = ConfigDict(extra="forbid")

    mon: str
    tue: str
    wed: str
    thu: str
    fri: str
    sat: str
    sun: str

    @field_validator(*WEEKDAYS)
    @classmethod
    def _valid_range(cls, value: str) -> str:
        value = value.strip()
        if value == "closed":
            return value
        match = _HOURS.match(value)
        if not match or value[:5] >= value[6:]:
            raise ValueError('expected "HH:MM-HH:MM" (opening before closing) or "closed"')
        return value

    def for_weekday(self, weekday: int) -> tuple[dt.time, dt.time] | None:
        """Opening and closing time on a weekday (0 = Monday), None when closed."""
        value = getattr(self, WEEKDAYS[weekday])
        if value == "closed":
            return None
        start, end = value.split("-")
        return dt.time.fromisoformat(start), dt.time.fromisoformat(end) if end != "24:00" else dt.time.max


class Capacity(BaseModel):
    """How many cars a branch takes (bot.core.desk.booking.slots): slots, places per slot by mode, a daily cap.

    Slots start every `slot_minutes` from opening, the last one ending by closing time, unless `slots` lists the
    start times explicitly; a slot overlapping a `breaks` range ("12:00-13:00") is not offered. Per slot:
    `bays_per_slot` cars in all, of which at most `waiting_per_slot` whose owners wait and at most
    `drop_off_per_slot` left with the workshop; per day at most `daily_cap` cars.
    """

    model_config = ConfigDict(extra="forbid")

    slot_minutes: int = Field(default=60, ge=15, le=480)
    slots: list[str] | None = Field(default=None, description='explicit start times, e.g. ["09:00", "10:30"]')
    breaks: list[str] = Field(default_factory=list, description='"HH:MM-HH:MM" ranges without slots')
    bays_per_slot: int = Field(default=3, ge=1, le=100)
    waiting_per_slot: int = Field(default=1, ge=0, le=100)
    drop_off_per_slot: int = Field(default=3, ge=0, le=100)
    daily_cap: int = Field(default=20, ge=1, le=2000)

    @field_validator("slots")
    @classmethod
    def _clock_times(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        for item in value:
            if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", item):
                raise ValueError(f'expected start times like "09:00", got {item!r}')
        if len(set(value)) != len(value) or not value:
            raise ValueError("slot start times must be unique and not empty")
        return sorted(value)

    @field_validator("breaks")
    @classmethod
    def _ranges(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _HOURS.match(item) or item[:5] >= item[6:]:
                raise ValueError(f'expected "HH:MM-HH:MM" (start before end), got {item!r}')
        return value

    @model_validator(mode="after")
    def _modes_fit(self) -> Capacity:
        if self.waiting_per_slot + self.drop_off_per_slot == 0:
            raise ValueError("waiting_per_slot and drop_off_per_slot cannot both be 0")
        if max(self.waiting_per_slot, self.drop_off_per_slot) > self.bays_per_slot:
            raise ValueError("waiting_per_slot and drop_off_per_slot cannot exceed bays_per_slot")
        return self


class Branch(BaseModel):
    """One workshop of the dealer."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_]{1,20}$")
    name: Localized
    address: Localized
    map_url: HttpUrl
    phone: str
    hours: OpeningHours
    closed_days: list[dt.date] = Field(default_factory=list, description="holidays and other closed dates")
    capacity: Capacity = Field(default_factory=Capacity)
    service_minutes: int | None = Field(
        default=None, ge=15, le=480, description="how long a routine service typically takes here (FAQ answers)"
    )

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not _PHONE.match(value):
            raise ValueError("not a phone number")
        return value

    def is_open_on(self, day: dt.date) -> bool:
        return day not in self.closed_days and self.hours.for_weekday(day.weekday()) is not None


class Dealer(BaseModel):
    """knowledge/dealer.yaml, validated at start-up."""

    model_config = ConfigDict(extra="forbid")

    name: Localized
    region: Literal["CN", "TW", "HK"] = Field(description="picks road-safety and inspection rules")
    hotline: str
    rescue_line: str = Field(description="24-hour roadside rescue line")
    brands: list[str] = Field(min_length=1)
    payment_methods: list[Localized] = Field(min_length=1)
    booking_days: int = Field(default=14, ge=1, le=90)
    branches: list[Branch] = Field(min_length=1)

    @field_validator("hotline", "rescue_line")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not _PHONE.match(value):
            raise ValueError("not a phone number")
        return value

    @field_validator("branches")
    @classmethod
    def _unique_branches(cls, branches: list[Branch]) -> list[Branch]:
        ids = [branch.id for branch in branches]
        if len(ids) != len(set(ids)):
            raise ValueError(f"branch ids must be unique, got {ids}")
        return branches

    @classmethod
    def load(cls, path: Path) -> Dealer:
        return load_model(path, cls)


_DAY_NAMES: dict[Locale, tuple[str, ...]] = {
    "zh-Hant": ("週一", "週二", "週三", "週四", "週五", "週六", "週日"),
    "zh-Hans": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_CLOSED: dict[Locale, str] = {"zh-Hant": "休息", "zh-Hans": "休息", "en": "closed"}
_SEPARATOR: dict[Locale, str] = {"zh-Hant": "；", "zh-Hans": "；", "en": "; "}
_LIST_SEPARATOR: dict[Locale, str] = {"zh-Hant": "、", "zh-Hans": "、", "en": ", "}


def hours_line(hours: OpeningHours, locale: Locale) -> str:
    """Opening hours as one line, consecutive days with equal hours grouped: "週一至週五 08:30-18:00；週日休息"."""
    names = _DAY_NAMES[locale]
    to = "至" if locale != "en" else "–"
    groups: list[tuple[int, int, str]] = []
    for index, day in enumerate(WEEKDAYS):
        value = getattr(hours, day)
        if groups and groups[-1][2] == value and groups[-1][1] == index - 1:
            groups[-1] = (groups[-1][0], index, value)
        else:
            groups.append((index, index, value))
    parts = []
    for first, last, value in groups:
        days = names[first] if first == last else f"{names[first]}{to}{names[last]}"
        shown = _CLOSED[locale] if value == "closed" else value.replace("-", "–")
        parts.append(f"{days} {shown}" if locale == "en" or value != "closed" else f"{days}{shown}")
    return _SEPARATOR[locale].join(parts)


def template_vars(dealer: Dealer, locale: Locale) -> dict[str, object]:
    """The variables FAQ answers and messages may use (docs/knowledge-base.md)."""
    return {
        "dealer_name": dealer.name.get(locale),
        "hotline": dealer.hotline,
        "rescue_line": dealer.rescue_line,
        "region": dealer.region,
        "booking_days": dealer.booking_days,
        "brands": _LIST_SEPARATOR[locale].join(dealer.brands),
        "payment_methods": _LIST_SEPARATOR[locale].join(m.get(locale) for m in dealer.payment_methods),
        "branches": [
            {
                "id": branch.id,
                "name": branch.name.get(locale),
                "address": branch.address.get(locale),
                "map_url": str(branch.map_url),
                "phone": branch.phone,
                "hours": hours_line(branch.hours, locale),
                "service_minutes": branch.service_minutes,
            }
            for branch in dealer.branches
        ],
    }
