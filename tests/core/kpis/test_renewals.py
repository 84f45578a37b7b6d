"""The insurance renewal rate against numbers worked out by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.kpis import compute
from bot.core.services import Services
from bot.db.desk.handoff.models import Ticket
from bot.db.garage.models import Customer, Vehicle
from bot.db.outbox.models import Outbox
from tests.core.kpis.test_kpis import NOW, PERIOD, at


async def test_insurance_renewal_rate_by_hand(services_on: Services) -> None:
    """Insurance reminders delivered in November, one per car (A–E), and what followed:
    A (expiry 12-01, reminded 11-02): its owner asked for the renewal on 11-12 (10 days)      → renewed
    B (expiry 12-05, reminded 11-05): the owner asked on 12-15 (40 days > 30), expiry unchanged → not
    C (expiry 12-10, reminded 11-10): no request, but the import moved the expiry to 2027-12-10 → renewed
    D (expiry 12-15, reminded 11-15): the owner opened a ticket of another kind (typed)        → not
    E (expiry 12-20, reminded 11-20): nothing                                                  → not
    Left out: A's October reminder of an earlier expiry (before the period), a service reminder of C, and an
    insurance reminder of D not delivered (failed).
    Renewal rate = 2 renewed ÷ 5 reminded = 0.4."""
    async with services_on.sessions.begin() as s:
        owners = [Customer(telegram_user_id=4000 + i, chat_id=4000 + i, first_name=f"o{i}") for i in range(5)]
        s.add_all(owners)
        await s.flush()
        expiries = [dt.date(2026, 12, 1), dt.date(2026, 12, 5), dt.date(2027, 12, 10), dt.date(2026, 12, 15),
                    dt.date(2026, 12, 20)]  # fmt: skip
        cars = [Vehicle(customer_id=o.id, make="Toyota", model="Camry", plate=f"粤A{n:05d}", insurance_expiry=e)
                for n, (o, e) in enumerate(zip(owners, expiries, strict=True))]  # fmt: skip
        s.add_all(cars)
        await s.flush()
        a, b, c, d, e = (car.id for car in cars)

        def reminder(key: str, sent: dt.datetime, status: str = "sent") -> None:
            s.add(Outbox(idempotency_key=key, kind="reminder", chat_id=1, payload={}, status=status,
                         sent_at=sent if status == "sent" else None, created_at=sent))  # fmt: skip

        reminder(f"reminder:{a}:insurance:2026-12-01", at(11, 2))
        reminder(f"reminder:{b}:insurance:2026-12-05", at(11, 5))
        reminder(f"reminder:{c}:insurance:2026-12-10", at(11, 10))
        reminder(f"reminder:{d}:insurance:2026-12-15", at(11, 15))
        reminder(f"reminder:{e}:insurance:2026-12-20", at(11, 20))
        reminder(f"reminder:{a}:insurance:2025-12-01", at(10, 20))
        reminder(f"reminder:{c}:service:2026-12-01", at(11, 3))
        reminder(f"reminder:{d}:insurance:2026-06-15", at(11, 4), status="failed")
        for owner, opened, trigger in ((owners[0], at(11, 12), "insurance_renewal"),
                                       (owners[1], at(12, 15), "insurance_renewal"),
                                       (owners[3], at(11, 16), "typed")):  # fmt: skip
            s.add(Ticket(customer_id=owner.id, kind="handoff", trigger=trigger, status="open", opened_at=opened))
    async with services_on.sessions() as session:
        report = await compute.report(session, PERIOD, NOW)
    figure = report.figures["insurance_renewal"]
    assert (figure.numerator, figure.denominator) == (2, 5)
    assert figure.value == pytest.approx(0.4)
