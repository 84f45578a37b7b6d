"""Audience filters as SQL, on SQLite and PostgreSQL: each filter, combinations, and who is never reached."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.core.campaigns import segments
from bot.core.campaigns.delivery import warranty_periods
from bot.core.campaigns.segments import Audience, AudienceError
from bot.core.reminders import due_store
from bot.core.reminders.policy import ReminderDeps
from bot.core.services import Services
from bot.db.garage.models import Customer, Vehicle
from bot.db.reminders.models import VehicleDue
from tests.core.campaigns.conftest import TODAY, seed

REACHABLE = {"toyota_recent", "toyota_old", "honda_never", "honda_warranty"}

CASES = [
    ({}, REACHABLE),
    ({"makes": ["Toyota"]}, {"toyota_recent", "toyota_old"}),
    ({"makes": ["toyota"], "models": ["Camry"]}, {"toyota_old"}),
    ({"branches": ["futian"]}, {"toyota_old"}),
    ({"last_visit_months": 6}, {"toyota_old", "honda_warranty"}),
    ({"last_visit_months": 6, "makes": ["Honda"]}, {"honda_warranty"}),
    ({"never_visited": True}, {"honda_never"}),
    ({"insurance_days": 30}, {"honda_never"}),
    ({"insurance_days": 5}, set()),
    ({"warranty_days": 30}, {"honda_warranty"}),
    ({"warranty_days": 10}, set()),
    ({"makes": ["Toyota"], "never_visited": True}, set()),  # the Toyotas never visited opted out or are blocked
]


@pytest.mark.parametrize(("filters", "expected"), CASES)
async def test_each_filter_and_combination(
    services_on: Services, filters: dict[str, object], expected: set[str]
) -> None:
    ids = await seed(services_on)
    names = {v: k for k, v in ids.items()}
    audience = Audience.from_json(filters)
    async with services_on.sessions() as session:
        found = await segments.page(session, audience, TODAY, 0, 100, warranty_periods(services_on))
        count = await segments.count(session, audience, TODAY, warranty_periods(services_on))
    assert {names[r.customer_id] for r in found} == expected
    assert count == len(expected)


@pytest.mark.parametrize(
    ("filters", "field"),
    [({"colour": "red"}, "colour"), ({"makes": "Toyota", "last_visit_months": -1}, "last_visit_months"),
     ({"rsvp": ["going"]}, "rsvp"), ({"event_id": 1, "rsvp": ["yes"]}, "rsvp"),
     ({"never_visited": "yes"}, "never_visited"), ({"service_due_days": "30"}, "service_due_days"),
     ({"never_visited": True, "last_visit_months": 3}, "never_visited")],
)  # fmt: skip
def test_bad_filters_are_refused_naming_the_field(filters: dict[str, object], field: str) -> None:
    with pytest.raises(AudienceError) as error:
        Audience.from_json(filters)
    assert error.value.field == field


def test_an_audience_survives_its_json() -> None:
    audience = Audience.from_json({"makes": ["Toyota"], "insurance_days": 30, "service_due_days": 14})
    assert Audience.from_json(audience.as_json()) == audience


async def _due_cars(services: Services) -> dict[str, int]:
    """Three more customers whose first service (3 months after delivery, knowledge/maintenance.yaml) falls
    soon, later, or soon for a customer who turned offers off; then vehicle_due kept as the sweep keeps it."""
    ids = await seed(services)
    cars = {"toyota_due_soon": (TODAY - dt.timedelta(days=80), False),  # due about 10 days from today
            "toyota_due_later": (TODAY - dt.timedelta(days=10), False),  # due in about 80 days
            "toyota_due_opted_out": (TODAY - dt.timedelta(days=80), True)}  # fmt: skip
    async with services.sessions.begin() as session:
        for n, (name, (delivered, opted_out)) in enumerate(cars.items(), start=50):
            customer = Customer(telegram_user_id=2000 + n, chat_id=2000 + n, first_name=name,
                                marketing_opt_out=opted_out)  # fmt: skip
            session.add(customer)
            await session.flush()
            ids[name] = customer.id
            session.add(Vehicle(customer_id=customer.id, make="Toyota", model="Corolla", plate=f"粤C{n:05d}",
                                delivery_date=delivered))  # fmt: skip
    await due_store.refresh(services.sessions, ReminderDeps.from_services(services), TODAY)
    async with services.sessions() as session:
        due = dict((await session.execute(
            select(Vehicle.customer_id, VehicleDue.due_on).join(Vehicle, Vehicle.id == VehicleDue.vehicle_id)
            .where(VehicleDue.kind == "service"))).all())  # fmt: skip
    # the premise, from the real computation: soon within 30 days, later beyond 30, honda_warranty long overdue
    assert TODAY < due[ids["toyota_due_soon"]] <= TODAY + dt.timedelta(days=30)
    assert due[ids["toyota_due_later"]] > TODAY + dt.timedelta(days=30)
    assert due[ids["honda_warranty"]] < TODAY
    return ids


@pytest.mark.parametrize(
    ("filters", "expected"),
    [({"service_due_days": 30}, {"toyota_due_soon", "honda_warranty"}),  # overdue counts as due
     ({"service_due_days": 120}, {"toyota_due_soon", "toyota_due_later", "honda_warranty"}),
     ({"service_due_days": 30, "makes": ["Toyota"]}, {"toyota_due_soon"}),
     ({"service_due_days": 30, "last_visit_months": 6}, {"honda_warranty"}),
     ({"service_due_days": 30, "never_visited": True}, {"toyota_due_soon"})],
)  # fmt: skip
async def test_service_due_within_days_reads_vehicle_due(
    services_on: Services, filters: dict[str, object], expected: set[str]
) -> None:
    ids = await _due_cars(services_on)
    names = {v: k for k, v in ids.items()}
    audience = Audience.from_json(filters)
    async with services_on.sessions() as session:
        found = await segments.page(session, audience, TODAY, 0, 100, warranty_periods(services_on))
        count = await segments.count(session, audience, TODAY, warranty_periods(services_on))
    assert {names[r.customer_id] for r in found} == expected
    assert count == len(expected)


async def test_a_released_car_is_not_due_for_its_former_owner(services_on: Services) -> None:
    ids = await _due_cars(services_on)
    async with services_on.sessions.begin() as session:
        car = (await session.execute(select(Vehicle).where(Vehicle.customer_id == ids["toyota_due_soon"]))).scalar_one()
        car.released_at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    async with services_on.sessions() as session:
        found = await segments.page(session, Audience(service_due_days=30), TODAY, 0, 100)
    assert {r.customer_id for r in found} == {ids["honda_warranty"]}
