"""The booking services handlers and the desk tick call: each owns its session (STYLE.md, habit 5).

No telegram import. Places are taken and given back in the same transaction as the appointment's change
(bot.core.desk.booking.repo); a full slot raises SlotFull and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common.dealer import Branch, Dealer
from bot.core.common.identifiers import format_plate
from bot.core.common.locale import Locale
from bot.core.desk.booking import repo as appointment_repo
from bot.core.desk.booking.repo import (
    AlreadyBooked,
    AppointmentView,
    Limits,
    NewBooking,
    SlotFull,
    TooManyBookings,
)
from bot.core.desk.booking.slots import (
    MODES,
    SlotOffer,
    branch_by_id,
    no_show_too_early,
    open_days,
    places_left,
    slot_offers,
    too_early,
)
from bot.core.garage import cars as garage
from bot.core.garage import records
from bot.core.outbox.store import OutboxItem, SentMessage, enqueue_many, message_payload, sent_under

__all__ = [
    "Announce",
    "AppointmentView",
    "BookingDesk",
    "NewBooking",
    "SlotFull",
    "TooEarly",
    "TooManyBookings",
    "Unmoved",
]
Sessions = async_sessionmaker[AsyncSession]
# What a stored booking announces (the advisors' card): outbox messages written in the booking's transaction,
# so a booking never exists without them (a failed send is retried by the outbox sender).
Announce = Callable[[AppointmentView], list[OutboxItem]]


class Unmoved(Exception):
    """A move to the appointment's own day and time: nothing to move, nothing changed."""


class TooEarly(Exception):
    """An advisor's arrived / no-show / done pressed before the appointment's day, or a no-show before its time
    (`slot` then set); nothing was changed."""

    def __init__(self, day: dt.date, slot: str | None = None) -> None:
        super().__init__(f"the appointment is on {day:%Y-%m-%d}" + (f" at {slot}" if slot else ""))
        self.day, self.slot = day, slot


@dataclass(frozen=True)
class BookingDesk:
    """What booking needs from the process: the database, the dealer's branches, the auto-confirm setting."""

    sessions: Sessions
    dealer: Dealer
    auto_confirm: bool
    max_per_customer: int = 3
    max_per_car: int = 2

    def _branch(self, branch_id: str) -> Branch:
        branch = branch_by_id(self.dealer.branches, branch_id)
        if branch is None:
            raise LookupError(f"no branch {branch_id!r} in dealer.yaml")
        return branch

    async def offers(
        self, branch_id: str, day: dt.date, now_local: dt.datetime, mode: str | None = None
    ) -> list[SlotOffer]:
        """The day's slots with places left (for `mode`, or for any mode)."""
        async with self.sessions() as session:
            found = await appointment_repo.counters(session, branch_id, day)
        return slot_offers(self._branch(branch_id), day, found, now_local, mode)

    async def modes_left(self, branch_id: str, day: dt.date, slot: str) -> list[str]:
        """The modes (waiting, drop_off) that still have a place in the slot."""
        cap = self._branch(branch_id).capacity
        async with self.sessions() as session:
            found = await appointment_repo.counters(session, branch_id, day)
        return [mode for mode in MODES if places_left(cap, found, slot, mode) > 0]

    async def days_with_room(self, branch_id: str, now_local: dt.datetime, mode: str | None = None) -> list[dt.date]:
        """The open days in the booking window that still have a slot with room."""
        branch, today = self._branch(branch_id), now_local.date()
        days = []
        async with self.sessions() as session:
            for day in open_days(branch, today, self.dealer.booking_days):
                found = await appointment_repo.counters(session, branch_id, day)
                if slot_offers(branch, day, found, now_local, mode):
                    days.append(day)
        return days

    def _status(self) -> str:
        return "confirmed" if self.auto_confirm else "requested"

    async def book(self, telegram_user_id: int, booking: NewBooking) -> AppointmentView:
        """Store a booking with its place; SlotFull when the place was just taken (nothing stored)."""
        return (await self.book_draft(telegram_user_id, booking))[0]

    async def book_draft(
        self,
        telegram_user_id: int,
        booking: NewBooking,
        announce: Announce | None = None,
        today: dt.date | None = None,
    ) -> tuple[AppointmentView, bool]:
        """Store a booking with its place, and `announce`'s outbox messages in the same transaction; (the
        booking, True) when new, (the booking made earlier from the same draft, False) for a repeated confirm.
        SlotFull when the place was just taken, TooManyBookings past a limit counted from `today` (nothing
        stored either way)."""
        cap = self._branch(booking.branch).capacity
        limits = None if today is None else Limits(self.max_per_customer, self.max_per_car, today)
        try:
            async with self.sessions.begin() as session:
                found = await appointment_repo.create(session, telegram_user_id, booking, cap, self._status(), limits)
                if announce is not None:
                    await enqueue_many(session, announce(found))
                return found, True
        except AlreadyBooked as earlier:
            return await self._earlier(earlier.appointment_id), False
        except (SlotFull, IntegrityError):  # the same draft's other confirm may have won the race
            if booking.draft_key is None:
                raise
            async with self.sessions() as session:
                earlier_id = await appointment_repo.by_draft(session, booking.draft_key)
            if earlier_id is None:
                raise
            return await self._earlier(earlier_id), False

    async def _earlier(self, appointment_id: int) -> AppointmentView:
        found = await self.get(appointment_id)
        assert found is not None  # appointments are never deleted but with their customer
        return found

    async def other_days_of_car(self, plate: str | None, today: dt.date) -> list[dt.date]:
        """The days this plate is already booked on (a second booking of one car is pointed out)."""
        if not plate:
            return []
        async with self.sessions() as session:
            return await appointment_repo.active_days_of_plate(session, plate, today)

    async def mine(self, telegram_user_id: int, appointment_id: int) -> AppointmentView | None:
        """The appointment if it is this user's and still to happen, else None."""
        async with self.sessions() as session:
            found = await appointment_repo.owned(session, telegram_user_id, appointment_id)
            if found is None or found.status not in appointment_repo.ACTIVE:
                return None
            return await appointment_repo.view(session, found.id)

    async def upcoming(self, telegram_user_id: int, today: dt.date) -> list[AppointmentView]:
        async with self.sessions() as session:
            return await appointment_repo.upcoming(session, telegram_user_id, today)

    async def reschedule(
        self, telegram_user_id: int, appointment_id: int, day: dt.date, slot: str
    ) -> AppointmentView | None:
        """Move the user's appointment (None: not theirs or no longer active); SlotFull keeps the old place, and
        Unmoved a move to its own day and time (a confirmed booking would go back to waiting for nothing)."""
        async with self.sessions.begin() as session:
            found = await appointment_repo.owned(session, telegram_user_id, appointment_id)
            if found is None or found.status not in appointment_repo.ACTIVE:
                return None
            cap, old = self._branch(found.branch).capacity, (found.day, found.slot)
            if old == (day, slot):
                raise Unmoved
            if not await appointment_repo.move(session, found, cap, day, slot, self._status()):
                return None
            moved = await appointment_repo.view(session, appointment_id)
            return None if moved is None else replace(moved, moved_from=old)

    async def cancel(self, telegram_user_id: int, appointment_id: int, reason: str) -> AppointmentView | None:
        """Cancel the user's appointment with a reason and give its place back (None: not theirs / not active)."""
        async with self.sessions.begin() as session:
            found = await appointment_repo.owned(session, telegram_user_id, appointment_id)
            if found is None or found.status not in appointment_repo.ACTIVE:
                return None
            if not await appointment_repo.cancel(session, found, reason):
                return None
            return await appointment_repo.view(session, appointment_id)

    async def staff_action(
        self, appointment_id: int, action: str, staff_id: int, staff_name: str, today: dt.date,
        now_local: dt.datetime | None = None,
    ) -> tuple[AppointmentView | None, bool]:  # fmt: skip
        """An advisor's confirm / arrived / no-show / done; (the appointment after it or None when the status
        did not allow it, whether a visit was recorded). "done" records a completed visit for follow-ups.
        TooEarly (nothing changed) for arrived / no-show / done before the appointment's day, and for a no-show
        before its time (given `now_local`, dealer time)."""
        async with self.sessions.begin() as session:
            before = await appointment_repo.view(session, appointment_id)
            if before is not None and too_early(action, before.day, today):
                raise TooEarly(before.day)
            if before is not None and now_local is not None and no_show_too_early(action, before.day, before.slot,
                                                                                   now_local):  # fmt: skip
                raise TooEarly(before.day, before.slot)
            if await appointment_repo.staff_action(session, appointment_id, action, staff_id, today) is None:
                return None, False
            found = await appointment_repo.view(session, appointment_id)
            assert found is not None
            visit = action == "done" and await appointment_repo.record_visit(session, found, staff_name, today)
            return found, visit

    async def customer_cars(self, telegram_user_id: int) -> tuple[str | None, list[records.VehicleView]]:
        """The customer's linked phone (E.164) and cars on record, for the vehicle and phone questions."""
        async with self.sessions() as session:
            customer = await garage.customer_of(session, telegram_user_id)
            if customer is None:
                return None, []
            return customer.phone, await records.customer_vehicles(session, customer.id)

    async def announce(self, items: list[OutboxItem]) -> bool:
        """Enqueue an announcement of a change already stored (a move, a cancellation, "I'll be there"); False
        when its key was enqueued before (the same change told twice: nothing new to send)."""
        async with self.sessions.begin() as session:
            return bool(items) and await enqueue_many(session, items) == len(items)

    async def cards(self, appointment_id: int) -> list[SentMessage]:
        """The booking's desk cards delivered so far, oldest first (keys under `card_prefix`)."""
        async with self.sessions() as session:
            return await sent_under(session, card_prefix(appointment_id))

    async def get(self, appointment_id: int) -> AppointmentView | None:
        async with self.sessions() as session:
            return await appointment_repo.view(session, appointment_id)

    async def notify(self, found: AppointmentView, key: str, text: str, markup: dict[str, Any] | None,
                     not_before: dt.datetime, kind: str = "notice") -> bool:  # fmt: skip
        """Tell the customer through the outbox, once per key (staff actions are not answers to them)."""
        if found.chat_id is None:
            return False
        item = OutboxItem(key, kind, found.chat_id, message_payload(text, markup), not_before, None, found.customer_id)
        async with self.sessions.begin() as session:
            return await enqueue_many(session, [item]) == 1


def card_prefix(appointment_id: int) -> str:
    """Every desk card of one booking has an outbox key starting so (one card per event, day and slot)."""
    return f"appointment:{appointment_id}:card:"


def _moved_from(moved: Any) -> tuple[dt.date, str] | None:
    """A reschedule's old (day, slot): from the view, or as the flow's answers keep it (["2026-12-08", "08:30"])."""
    if not moved:
        return None
    day, slot = moved
    return (dt.date.fromisoformat(day) if isinstance(day, str) else day), slot


def describe(found: AppointmentView | dict[str, Any], dealer: Dealer, locale: Locale) -> dict[str, Any]:
    """An appointment (or the flow's answers so far) as templates take it."""
    get = found.get if isinstance(found, dict) else lambda key, default=None: getattr(found, key, default)
    branch = branch_by_id(dealer.branches, str(get("branch") or ""))
    day = get("day")
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    plate = get("plate")
    return {
        "id": get("id"),
        "service": get("service_type") or get("service"),
        "branch": branch.name.get(locale) if branch else None,
        "address": branch.address.get(locale) if branch else None,
        "several_branches": len(dealer.branches) > 1,
        "day": day,
        "slot": get("slot"),
        "mode": get("mode"),
        "plate": format_plate(plate) if plate else get("car_name"),
        "notes": get("notes"),
        "phone": get("phone"),
        "status": get("status"),
        "reason": get("cancel_reason"),
        "name": get("customer_name"),
        "moved_from": _moved_from(get("moved_from")),
    }
