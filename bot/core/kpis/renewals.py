"""Insurance renewal rate (definitions.KPIS "insurance_renewal", formula there; no telegram import).

An insurance reminder (`reminder:{car}:insurance:{expiry}`, bot.core.reminders) counts as renewed when the car's
owner asked for the renewal (its "book now" button opens a ticket with trigger `insurance_renewal`) within
INSURANCE_RENEWAL_DAYS after it was delivered, or when the car's recorded policy expiry (imported) is now later
than the expiry the reminder was about.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.kpis.definitions import INSURANCE_RENEWAL_DAYS
from bot.db.desk.handoff.models import Ticket
from bot.db.garage.models import Vehicle
from bot.db.outbox.models import Outbox


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


async def insurance_renewals(session: AsyncSession, since: dt.datetime, until: dt.datetime) -> tuple[int, int]:
    """(renewed, reminded) over the insurance reminders `reminder:{car}:insurance:{expiry}` delivered in
    [since, until)."""
    sent = (await session.execute(
        select(Outbox.idempotency_key, Outbox.sent_at)
        .where(Outbox.kind == "reminder", Outbox.status == "sent", Outbox.sent_at >= since, Outbox.sent_at < until,
               Outbox.idempotency_key.like("reminder:%:insurance:%"))
    )).all()  # fmt: skip
    reminded = []
    for key, sent_at in sent:
        _, car, _, expiry = key.split(":", 3)
        if car.isdigit():
            reminded.append((int(car), dt.date.fromisoformat(expiry), _utc(sent_at)))
    cars = {car: (owner, expiry) for car, owner, expiry in (await session.execute(
        select(Vehicle.id, Vehicle.customer_id, Vehicle.insurance_expiry)
        .where(Vehicle.id.in_({car for car, _, _ in reminded}))
    )).all()} if reminded else {}  # fmt: skip
    owners = {owner for owner, _ in cars.values() if owner is not None}
    requests: dict[int, list[dt.datetime]] = {}
    if owners:
        found = await session.execute(
            select(Ticket.customer_id, Ticket.opened_at)
            .where(Ticket.trigger == "insurance_renewal", Ticket.customer_id.in_(owners))
        )
        for customer_id, opened in found.all():
            requests.setdefault(customer_id, []).append(_utc(opened))
    window = dt.timedelta(days=INSURANCE_RENEWAL_DAYS)

    def renewed(car: int, expiry: dt.date, at: dt.datetime) -> bool:
        owner, on_record = cars.get(car, (None, None))
        asked = owner is not None and any(at <= o <= at + window for o in requests.get(owner, []))
        return asked or (on_record is not None and on_record > expiry)

    return sum(1 for r in reminded if renewed(*r)), len(reminded)
