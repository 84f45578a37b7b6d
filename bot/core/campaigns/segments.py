"""Audiences: who a campaign reaches, as filters that combine (AND) into one SQL query (no telegram import).

The base is every customer the bot can write to and who did not turn offers off: a Telegram chat, not
unreachable (blocked the bot), `marketing_opt_out` false. A forgotten customer has no row any more. Each filter
narrows the base; an empty audience is the base itself ("all opted-in customers"):

- makes / models: owns a car (not released) of one of these makes / models;
- branches: has booked at one of these branches (customers carry no branch; their appointments do);
- last_visit_months N: their latest service visit is older than N months (customers who never visited are left
  out: `never_visited` picks those);
- never_visited: no service visit on record for any of their cars;
- insurance_days N: a car's insurance expires within the next N days (today included);
- warranty_days N: a car's 包修期 or 三包有效期 ends within the next N days (periods from knowledge/warranty.yaml:
  delivery date + months, `WarrantyPeriods`);
- service_due_days N: a car's next service (the earlier of its date and its predicted km) falls on or before
  today + N days, overdue included: read from `vehicle_due` (bot.core.reminders.due_store keeps it from
  bot.core.garage.due at every reminder sweep, so it is as fresh as the last sweep);
- event_id + rsvp: answered that event with one of these answers (going, maybe, no, waiting).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.desk.booking.models import Appointment
from bot.db.events.models import RSVP_ANSWERS, EventRsvp
from bot.db.garage.models import Customer, ServiceVisit, Vehicle
from bot.db.reminders.models import VehicleDue

FILTERS = ("makes", "models", "branches", "last_visit_months", "never_visited", "insurance_days", "warranty_days",
           "service_due_days", "event_id", "rsvp")  # fmt: skip


class AudienceError(ValueError):
    """A filter that cannot be used; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class WarrantyPeriods:
    """Months from delivery to the end of 包修期 and of 三包有效期 (knowledge/warranty.yaml)."""

    repair_months: int = 36
    three_guarantees_months: int = 24


@dataclass(frozen=True)
class Audience:
    """The filters of one campaign; stored as JSON in campaign.audience (`as_json` / `from_json`)."""

    makes: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    branches: tuple[str, ...] = ()
    last_visit_months: int | None = None
    never_visited: bool = False
    insurance_days: int | None = None
    warranty_days: int | None = None
    service_due_days: int | None = None
    event_id: int | None = None
    rsvp: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()
                if value not in ((), None, False)}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Audience:
        """Validate and build; raises AudienceError naming the field."""
        data = dict(data or {})
        unknown = sorted(set(data) - set(FILTERS))
        if unknown:
            raise AudienceError(unknown[0], f"unknown filter; expected one of {', '.join(FILTERS)}")
        values: dict[str, Any] = {}
        for key in ("makes", "models", "branches", "rsvp"):
            if key in data:
                items = data[key]
                items = [items] if isinstance(items, str) else items
                if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
                    raise AudienceError(key, "expected a list of names")
                values[key] = tuple(i.strip() for i in items)
        for key in ("last_visit_months", "insurance_days", "warranty_days", "service_due_days", "event_id"):
            if data.get(key) is not None:
                if not isinstance(data[key], int) or isinstance(data[key], bool) or data[key] < 0:
                    raise AudienceError(key, "expected a whole number, 0 or more")
                values[key] = data[key]
        if "never_visited" in data:
            if not isinstance(data["never_visited"], bool):
                raise AudienceError("never_visited", "expected true or false")
            values["never_visited"] = data["never_visited"]
        bad = [a for a in values.get("rsvp", ()) if a not in RSVP_ANSWERS]
        if bad:
            raise AudienceError("rsvp", f"unknown answer {bad[0]!r}; expected {', '.join(RSVP_ANSWERS)}")
        if values.get("rsvp") and values.get("event_id") is None:
            raise AudienceError("rsvp", "needs event_id")
        if values.get("never_visited") and values.get("last_visit_months") is not None:
            raise AudienceError("never_visited", "cannot combine with last_visit_months (no customer is both)")
        return cls(**values)


def _months_before(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    last_day = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
                30, 31][month]  # fmt: skip
    return dt.date(year, month + 1, min(day.day, last_day))


def _owned_car(*conditions: Any) -> Any:
    return exists().where(Vehicle.customer_id == Customer.id, Vehicle.released_at.is_(None), *conditions)


def reachable() -> list[Any]:
    """The base every audience starts from: writable, not unreachable, offers not turned off."""
    return [
        Customer.chat_id.is_not(None),
        Customer.telegram_user_id.is_not(None),
        Customer.unreachable_at.is_(None),
        Customer.marketing_opt_out.is_(False),
    ]


def conditions(audience: Audience, today: dt.date, periods: WarrantyPeriods = WarrantyPeriods()) -> list[Any]:
    """The WHERE clauses on `customer` for this audience (combined with AND)."""
    where = reachable()
    if audience.makes:
        where.append(_owned_car(func.lower(Vehicle.make).in_([m.lower() for m in audience.makes])))
    if audience.models:
        where.append(_owned_car(func.lower(Vehicle.model).in_([m.lower() for m in audience.models])))
    if audience.branches:
        where.append(exists().where(Appointment.customer_id == Customer.id, Appointment.branch.in_(audience.branches)))
    visited = (
        select(ServiceVisit.id)
        .join(Vehicle, Vehicle.id == ServiceVisit.vehicle_id)
        .where(Vehicle.customer_id == Customer.id)
    )
    if audience.last_visit_months is not None:
        since = _months_before(today, audience.last_visit_months)
        where.append(visited.exists())
        where.append(~visited.where(ServiceVisit.visit_date >= since).exists())
    if audience.never_visited:
        where.append(~visited.exists())
    if audience.insurance_days is not None:
        until = today + dt.timedelta(days=audience.insurance_days)
        where.append(_owned_car(Vehicle.insurance_expiry.between(today, until)))
    if audience.warranty_days is not None:
        # delivered between (today + N days − period) and (today − period): the period ends within N days
        spans = []
        for months in (periods.repair_months, periods.three_guarantees_months):
            first = _months_before(today, months)
            last = _months_before(today + dt.timedelta(days=audience.warranty_days), months)
            spans.append(Vehicle.delivery_date.between(first, last))
        where.append(_owned_car(or_(*spans)))
    if audience.service_due_days is not None:
        until = today + dt.timedelta(days=audience.service_due_days)
        due = exists().where(VehicleDue.vehicle_id == Vehicle.id, VehicleDue.kind == "service",
                             VehicleDue.due_on <= until)  # fmt: skip
        where.append(_owned_car(due))
    if audience.event_id is not None:
        answered = [EventRsvp.customer_id == Customer.id, EventRsvp.event_id == audience.event_id]
        if audience.rsvp:
            answered.append(EventRsvp.answer.in_(audience.rsvp))
        where.append(exists().where(*answered))
    return where


@dataclass(frozen=True)
class Recipient:
    customer_id: int
    chat_id: int
    telegram_user_id: int
    name: str | None
    locale_choice: str | None
    last_locale: str | None
    language_code: str | None


def recipients_query(audience: Audience, today: dt.date, periods: WarrantyPeriods, after_id: int, limit: int) -> Select:
    return (
        select(Customer.id, Customer.chat_id, Customer.telegram_user_id,
               func.coalesce(Customer.first_name, Customer.name), Customer.locale_choice, Customer.last_locale,
               Customer.language_code)
        .where(and_(*conditions(audience, today, periods)), Customer.id > after_id)
        .order_by(Customer.id)
        .limit(limit)
    )  # fmt: skip


async def count(session: AsyncSession, audience: Audience, today: dt.date,
                periods: WarrantyPeriods = WarrantyPeriods()) -> int:  # fmt: skip
    """How many customers the audience reaches now."""
    statement = select(func.count()).select_from(Customer).where(and_(*conditions(audience, today, periods)))
    return int((await session.execute(statement)).scalar_one())


async def page(
    session: AsyncSession, audience: Audience, today: dt.date, after_id: int, limit: int,
    periods: WarrantyPeriods = WarrantyPeriods(),
) -> Sequence[Recipient]:  # fmt: skip
    """The next `limit` recipients after customer id `after_id`, in id order (keyset pages)."""
    rows = (await session.execute(recipients_query(audience, today, periods, after_id, limit))).all()
    return [Recipient(*row) for row in rows]
