"""Booking a service: service types, slots per branch and day, places left, and the day a customer may pick.

No telegram import. Capacity is counted in the database (bot.core.desk.booking.repo, table slot_usage): per slot
and mode (waiting / drop_off), per slot in all ("bays"), and per day (slot "*", mode "*"). This module turns a
branch's configuration (bot.core.common.dealer.Capacity) and the counters into what the flow offers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot.core.common import steps
from bot.core.common.dealer import Branch, Capacity

SERVICE_TYPES = ("maintenance", "repair", "bodywork", "warranty", "inspection", "other")
MODES = ("waiting", "drop_off")
ALL = "*"
LEAD_MINUTES = 60  # a slot today is offered only this long before it starts
DayProblem = Literal["past", "too_far", "closed", "day_over", "full"]
# Advisors' actions that only make sense on or after the appointment's day (confirming may come earlier).
ON_THE_DAY = ("arrived", "noshow", "done")
# What slot_usage counts: (slot, mode) → places used; missing rows are unused.
Usage = Mapping[tuple[str, str], int]


def _minutes(clock: str) -> int:
    return int(clock[:2]) * 60 + int(clock[3:5])


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def slot_times(branch: Branch, day: dt.date) -> list[str]:
    """The slots' start times on `day` ("09:00"), none on a closed day, none overlapping a break."""
    if not branch.is_open_on(day):
        return []
    hours = branch.hours.for_weekday(day.weekday())
    assert hours is not None
    opening = hours[0].hour * 60 + hours[0].minute
    closing = 24 * 60 if hours[1] == dt.time.max else hours[1].hour * 60 + hours[1].minute
    cap = branch.capacity
    length = cap.slot_minutes
    if cap.slots is not None:
        starts = [_minutes(s) for s in cap.slots if opening <= _minutes(s) < closing]
    else:
        starts = list(range(opening, closing - length + 1, length))
    breaks = [(_minutes(b[:5]), _minutes(b[6:])) for b in cap.breaks]
    return [_clock(s) for s in starts if not any(s < end and s + length > begin for begin, end in breaks)]


def capacity_of(cap: Capacity, slot: str, mode: str) -> int:
    """The configured places of one slot_usage row: the day, a slot in all, or a slot in one mode."""
    if slot == ALL:
        return cap.daily_cap
    if mode == ALL:
        return cap.bays_per_slot
    return cap.waiting_per_slot if mode == "waiting" else cap.drop_off_per_slot


@dataclass(frozen=True)
class Counter:
    """One slot_usage row as read (or as it would be created)."""

    capacity: int
    used: int

    @property
    def left(self) -> int:
        return max(self.capacity - self.used, 0)


Counters = Mapping[tuple[str, str], Counter]


def places_left(cap: Capacity, counters: Counters, slot: str, mode: str | None = None) -> int:
    """Places left in a slot for a mode (or for the mode with most room), within the slot's and the day's caps."""

    def left(key: tuple[str, str]) -> int:
        found = counters.get(key)
        return found.left if found is not None else capacity_of(cap, *key)

    by_mode = [left((slot, m)) for m in ((mode,) if mode else MODES)]
    return min(max(by_mode), left((slot, ALL)), left((ALL, ALL)))


@dataclass(frozen=True)
class SlotOffer:
    """A slot the customer may pick, with its places left."""

    slot: str
    left: int


def slots_ahead(branch: Branch, day: dt.date, now_local: dt.datetime) -> list[str]:
    """The day's slots that may still be booked by the clock (today: starting at least LEAD_MINUTES from now)."""
    if day != now_local.date():
        return slot_times(branch, day)
    earliest = now_local.hour * 60 + now_local.minute + LEAD_MINUTES
    return [slot for slot in slot_times(branch, day) if _minutes(slot) >= earliest]


def slot_offers(
    branch: Branch, day: dt.date, counters: Counters, now_local: dt.datetime, mode: str | None = None
) -> list[SlotOffer]:
    """The day's slots that still have room (and, today, start at least LEAD_MINUTES from now)."""
    offers = []
    for slot in slots_ahead(branch, day, now_local):
        left = places_left(branch.capacity, counters, slot, mode)
        if left > 0:
            offers.append(SlotOffer(slot, left))
    return offers


def in_part(slot: str, part: str | None) -> bool:
    """Whether a slot falls in the part of the day asked for ("am" before noon, "pm" from noon)."""
    return part is None or (_minutes(slot) < 12 * 60) == (part == "am")


def window(today: dt.date, booking_days: int) -> tuple[dt.date, dt.date]:
    """The first and last day that may be booked."""
    return today, today + dt.timedelta(days=booking_days)


def day_problem(
    branch: Branch, day: dt.date, today: dt.date, booking_days: int, now_local: dt.datetime | None = None
) -> DayProblem | None:
    """Why a typed day cannot be booked (before looking at places), or None. With `now_local`, today after
    its last bookable slot is "day_over" (no more times today), not "full"."""
    first, last = window(today, booking_days)
    if day < first:
        return "past"
    if day > last:
        return "too_far"
    if not slot_times(branch, day):
        return "closed"
    if now_local is not None and not slots_ahead(branch, day, now_local):
        return "day_over"
    return None


def too_early(action: str, day: dt.date, today: dt.date) -> bool:
    """Whether an advisor's action comes before the appointment's day (arrived / no-show / done)."""
    return action in ON_THE_DAY and day > today


def no_show_too_early(action: str, day: dt.date, slot: str, now_local: dt.datetime) -> bool:
    """Whether a no-show is marked before the appointment's time has come (dealer time): the customer would be
    told "we missed you" while still on the way, and the show rate would count it."""
    return action == "noshow" and dt.datetime.combine(day, dt.time.fromisoformat(slot)) > now_local.replace(tzinfo=None)


def open_days(branch: Branch, today: dt.date, booking_days: int) -> list[dt.date]:
    """Every day in the window the branch is open (the flow drops the ones without places left)."""
    first, last = window(today, booking_days)
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if slot_times(branch, day)]


def branch_by_id(branches: list[Branch], branch_id: str) -> Branch | None:
    return next((b for b in branches if b.id == branch_id), None)


def visit_kind(service_type: str) -> str:
    """The ServiceVisit kind a completed booking is recorded with (the service types are the visit kinds)."""
    return service_type if service_type in SERVICE_TYPES else "other"


# The flow's answers (kept in user_data, JSON values only) and which question comes next. A reschedule starts
# with everything but the day and slot filled in from the appointment; a cancellation asks only the reason.
_ORDER = (("service", "service"), ("branch", "branch"), ("car_name", "vehicle"), ("day", "day"), ("slot", "slot"),
          ("mode", "mode"), ("notes", "notes"), ("phone", "phone"))  # fmt: skip
# "reason_text": the customer chose "another reason" and is asked to type it.
STEPS = ("service", "branch", "vehicle", "day", "slot", "mode", "notes", "phone", "confirm", "reason", "reason_text")
REASON_STEPS = ("reason", "reason_text")


# "Back": the steps the customer answered in this flow, newest last (answers["asked"]), and the answers each one
# gave; undoing the newest asks its question again. Answers the flow was started with (a reminder's car, a
# reschedule's service) were not asked, so "back" never goes behind them.
ASKED = steps.ASKED
STEP_KEYS: dict[str, tuple[str, ...]] = {
    "service": ("service",), "branch": ("branch",), "vehicle": ("car", "plate", "car_name"), "day": ("day", "part"),
    "slot": ("slot",), "mode": ("mode",), "notes": ("notes",), "phone": ("phone",),
}  # fmt: skip


def answered(answers: dict[str, Any], step: str) -> None:
    """Note that the customer answered `step` (bot.core.common.steps)."""
    steps.answered(answers, step)


def undo_last(answers: dict[str, Any]) -> bool:
    """Remove the newest answer the customer gave, so its question comes again; False when there is none."""
    return steps.undo_last(answers, STEP_KEYS) is not None


def next_step(answers: Mapping[str, object]) -> str:
    """The first question the answers do not answer yet; "confirm" once all are in."""
    if "cancel" in answers:
        return "reason_text" if answers.get("why") == "other" else "reason"
    return next((step for key, step in _ORDER if key not in answers), "confirm")
