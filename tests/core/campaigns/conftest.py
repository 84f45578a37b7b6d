"""Services on both databases and a seeded set of customers for the segment and delivery tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.services import Services, build_services
from bot.db.desk.booking.models import Appointment
from bot.db.garage.models import Customer, ServiceVisit, Vehicle
from tests.conftest import make_settings

TODAY = dt.date(2026, 12, 3)
NOW = dt.datetime(2026, 12, 3, 3, 0, tzinfo=dt.UTC)  # 11:00 in Asia/Shanghai: outside quiet hours


@pytest.fixture
async def services_on(database_url: str, tmp_path: Path) -> AsyncIterator[Services]:
    """The real services on `database_url` (SQLite and PostgreSQL)."""
    services = build_services(make_settings(tmp_path, database_url=database_url))
    yield services
    await services.engine.dispose()


async def seed(services: Services) -> dict[str, int]:
    """Customers named for what makes them match; returns name → customer id."""
    people = {
        "toyota_recent": dict(make="Toyota", model="Corolla", visits=[TODAY - dt.timedelta(days=30)]),
        "toyota_old": dict(make="Toyota", model="Camry", visits=[dt.date(2026, 1, 10)], branch="futian"),
        "honda_never": dict(make="Honda", model="Civic", visits=[], insurance=TODAY + dt.timedelta(days=10)),
        "honda_warranty": dict(make="Honda", model="Fit", visits=[dt.date(2025, 3, 1)],
                               delivery=dt.date(2023, 12, 20)),  # 包修期 (3 years) ends 2026-12-20
        "toyota_opted_out": dict(make="Toyota", model="Corolla", visits=[], opt_out=True),
        "toyota_blocked": dict(make="Toyota", model="Corolla", visits=[], blocked=True),
        "toyota_no_chat": dict(make="Toyota", model="Corolla", visits=[], chat=False),
    }  # fmt: skip
    ids: dict[str, int] = {}
    async with services.sessions.begin() as session:
        for n, (name, p) in enumerate(people.items(), start=1):
            customer = Customer(
                telegram_user_id=1000 + n if p.get("chat", True) else None,
                chat_id=1000 + n if p.get("chat", True) else None, first_name=name, phone=f"+86138000000{n:02d}",
                marketing_opt_out=bool(p.get("opt_out")), unreachable_at=NOW if p.get("blocked") else None,
            )  # fmt: skip
            session.add(customer)
            await session.flush()
            ids[name] = customer.id
            car = Vehicle(customer_id=customer.id, make=p["make"], model=p["model"], plate=f"粤B{n:05d}",
                          insurance_expiry=p.get("insurance"), delivery_date=p.get("delivery"))  # fmt: skip
            session.add(car)
            await session.flush()
            for i, day in enumerate(p["visits"]):  # type: ignore[attr-defined]
                session.add(ServiceVisit(visit_no=f"V{n}-{i}", vehicle_id=car.id, visit_date=day, kind="maintenance"))
            if p.get("branch"):
                session.add(Appointment(customer_id=customer.id, branch=p["branch"], service_type="maintenance",
                                        day=TODAY, slot="09:00", mode="waiting", status="done"))  # fmt: skip
    return ids
