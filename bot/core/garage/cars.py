"""What /mycar shows and changes: a customer's cars, their odometer and everything falling due (no telegram).

Handlers call these inside `async with sessions.begin() as session:` with the Telegram user id of the person
who pressed or typed; every function that takes a vehicle id checks that the car is that person's, so a
vehicle id from callback data (or from a reminder's button) never reaches another customer's car.

The due dates come from the due-date core, the same functions the reminder sweep uses: `next_service`,
`insurance_due`, `inspection_due` and `warranty_ending` (which, unlike `due_items`, also reports 三包 periods
that have ended, so /mycar can say "ended").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.common.identifiers import format_plate
from bot.core.garage import records
from bot.core.garage.due import InsuranceDue, WarrantyEnding, insurance_due, warranty_ending
from bot.core.garage.inspection import InspectionDue, Region, inspection_due
from bot.core.garage.maintenance import OdometerReading as Point
from bot.core.garage.maintenance import ServiceDue, VehicleFacts, next_service, odometer_facts
from bot.core.garage.maintenance import ServiceVisit as Service
from bot.core.garage.schedule import MaintenanceSchedule
from bot.core.warranty.chat import WarrantyAnswers
from bot.core.warranty.rules import WarrantyRules
from bot.db.garage.models import Customer, OdometerReading, ServiceVisit, Vehicle

OdometerStatus = Literal["recorded", "same", "lower", "higher", "not_yours", "implausible"]
MAX_DAILY_KM = 1000  # more a day since the last reading is asked to be confirmed (ODOMETER_MAX_DAILY_KM)
LinkOutcome = Literal["linked", "already_linked", "no_record", "phone_taken", "invalid", "no_consent"]
# The warranty check takes a reading on file as "the odometer now" only when it is this recent: the 三包 km
# limits decide remedies, and an old reading understates the distance.
FRESH_READING_DAYS = 30


@dataclass(frozen=True)
class DueRules:
    """The dealer's knowledge the due dates need: service schedules, inspection region, 三包 periods."""

    schedule: MaintenanceSchedule
    region: Region
    warranty: WarrantyRules


@cache
def load_schedule(knowledge_dir: Path) -> MaintenanceSchedule:
    """knowledge/maintenance.yaml of this deployment, read once per process."""
    return MaintenanceSchedule.load(knowledge_dir / "maintenance.yaml")


@dataclass(frozen=True)
class LastReading:
    """The latest odometer reading on file."""

    km: int
    read_on: dt.date


@dataclass(frozen=True)
class CarView:
    """One car as /mycar shows it. `warranty` is empty for commercial cars and cars without a delivery date."""

    id: int
    plate: str | None
    make: str
    model: str
    use: str
    delivery_date: dt.date | None
    odometer: LastReading | None
    service: ServiceDue | None
    insurance: InsuranceDue | None
    inspection: InspectionDue | None
    warranty: tuple[WarrantyEnding, ...]

    @property
    def name(self) -> str:
        """How a button names the car: its plate, else make and model."""
        return self.plate or f"{self.make} {self.model}".strip()

    @property
    def service_due_now(self) -> bool:
        """The next service is past its date or its km is already on the odometer: shown as due now, never as
        a date in the past or a km below the odometer (a car delivered years ago with no service on file)."""
        service, odometer = self.service, self.odometer
        if service is None or service.overdue:
            return service is not None
        return service.due_km is not None and odometer is not None and service.due_km <= odometer.km


@dataclass(frozen=True)
class Garage:
    """The customer's side of /mycar: consent, whether a phone is linked, and their cars."""

    consented: bool
    phone_linked: bool
    cars: tuple[CarView, ...]


@dataclass(frozen=True)
class OdometerOutcome:
    """What became of a typed reading. For "lower"/"higher", `on_file` is the reading it contradicts and
    `reason` the records core's message; `car` is the updated view after "recorded" or "same"."""

    status: OdometerStatus
    km: int
    on_file: LastReading | None = None
    reason: str = ""
    car: CarView | None = None


async def customer_of(session: AsyncSession, telegram_user_id: int) -> Customer | None:
    """The customer row of a Telegram user, if any."""
    statement = select(Customer).where(Customer.telegram_user_id == telegram_user_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def consented(session: AsyncSession, telegram_user_id: int) -> bool:
    """Whether this user agreed to the privacy notice (nothing personal is stored before)."""
    customer = await customer_of(session, telegram_user_id)
    return customer is not None and customer.consent_at is not None


async def link_phone(
    session: AsyncSession, telegram_user_id: int, phone: str, region: str
) -> tuple[LinkOutcome, int]:
    """The customer's own shared phone → their imported records; (outcome, number of cars now linked).

    Nothing is stored without consent ("no_consent") or for a number that is not valid ("invalid").
    """
    if not await consented(session, telegram_user_id):
        return "no_consent", 0
    try:
        async with session.begin_nested():
            linked = await records.link_customer_by_phone(session, telegram_user_id, phone, region)
    except records.RecordError:
        return "invalid", 0
    return linked.status, len(linked.vehicles)


def car_view(
    vehicle: Vehicle, readings: list[Point], services: list[Service], today: dt.date, rules: DueRules
) -> CarView:
    """One car's view from its row, its odometer readings and its maintenance visits (pure)."""
    facts = VehicleFacts(
        id=vehicle.id, make=vehicle.make, model=vehicle.model, delivery_date=vehicle.delivery_date,
        registration_date=vehicle.registration_date, readings=tuple(readings), visits=tuple(services),
        insurance_expiry=vehicle.insurance_expiry, use="commercial" if vehicle.use == "commercial" else "household",
    )  # fmt: skip
    history = facts.km_history
    latest = max(history, key=lambda p: (p.read_on, p.km), default=None)
    warranty: tuple[WarrantyEnding, ...] = ()
    if facts.use == "household" and facts.delivery_date is not None:
        odometer = odometer_facts(history, facts.delivery_date, rules.schedule.default_daily_km)
        warranty = tuple(warranty_ending(facts.delivery_date, odometer, today, rules.warranty))
    return CarView(
        id=vehicle.id,
        plate=format_plate(vehicle.plate) if vehicle.plate else None,
        make=vehicle.make,
        model=vehicle.model,
        use=vehicle.use,
        delivery_date=vehicle.delivery_date,
        odometer=LastReading(latest.km, latest.read_on) if latest else None,
        service=next_service(facts, rules.schedule, today),
        insurance=insurance_due(facts.insurance_expiry, today),
        inspection=inspection_due(facts.registration_date or facts.delivery_date, rules.region, today),
        warranty=warranty,
    )


async def _views(session: AsyncSession, vehicles: list[Vehicle], today: dt.date, rules: DueRules) -> list[CarView]:
    ids = [vehicle.id for vehicle in vehicles]
    readings: dict[int, list[Point]] = defaultdict(list)
    services: dict[int, list[Service]] = defaultdict(list)
    if ids:
        rows = await session.execute(
            select(OdometerReading.vehicle_id, OdometerReading.read_on, OdometerReading.km).where(
                OdometerReading.vehicle_id.in_(ids)
            )
        )
        for vehicle_id, read_on, km in rows:
            readings[vehicle_id].append(Point(read_on, km))
        rows = await session.execute(
            select(ServiceVisit.vehicle_id, ServiceVisit.visit_date, ServiceVisit.km).where(
                ServiceVisit.vehicle_id.in_(ids),
                ServiceVisit.kind == "maintenance",
                ServiceVisit.completed.is_(True),
                ServiceVisit.km.is_not(None),
            )
        )
        for vehicle_id, visit_date, km in rows:
            services[vehicle_id].append(Service(visit_date, km))
    return [car_view(v, readings[v.id], services[v.id], today, rules) for v in vehicles]


async def _owned(session: AsyncSession, customer_id: int, vehicle_id: int | None = None) -> list[Vehicle]:
    statement = select(Vehicle).where(Vehicle.customer_id == customer_id, Vehicle.released_at.is_(None))
    if vehicle_id is not None:
        statement = statement.where(Vehicle.id == vehicle_id)
    statement = statement.order_by(Vehicle.delivery_date.desc(), Vehicle.id)
    return list((await session.execute(statement)).scalars())


async def load_garage(session: AsyncSession, telegram_user_id: int, today: dt.date, rules: DueRules) -> Garage:
    """Everything /mycar shows for this Telegram user."""
    customer = await customer_of(session, telegram_user_id)
    if customer is None:
        return Garage(consented=False, phone_linked=False, cars=())
    cars = await _views(session, await _owned(session, customer.id), today, rules)
    return Garage(customer.consent_at is not None, customer.phone is not None, tuple(cars))


async def own_car(
    session: AsyncSession, telegram_user_id: int, vehicle_id: int, today: dt.date, rules: DueRules
) -> CarView | None:
    """The car if it is this user's (and not released), else None."""
    customer = await customer_of(session, telegram_user_id)
    if customer is None:
        return None
    found = await _owned(session, customer.id, vehicle_id)
    return (await _views(session, found, today, rules))[0] if found else None


async def record_odometer(
    session: AsyncSession, telegram_user_id: int, vehicle_id: int, km: int, today: dt.date, rules: DueRules,
    *, confirmed: bool = False, max_daily_km: int = MAX_DAILY_KM,
) -> OdometerOutcome:
    """Record today's reading typed by the customer. A reading lower than the last one is refused; one more
    than `max_daily_km` a day above the last is "implausible" until `confirmed` (a typo of 500,000 for 24,000
    would end both warranty periods). The customer's own reading of today is replaced by a new one (a typo
    is corrected the same day), never a reading from another day or from the dealer."""
    if await own_car(session, telegram_user_id, vehicle_id, today, rules) is None:
        return OdometerOutcome("not_yours", km)
    readings = await records.vehicle_readings(session, vehicle_id)
    own_today = [r for r in readings if r.read_on == today and r.source == records.CUSTOMER_SOURCE]
    readings = [r for r in readings if r not in own_today]
    conflict = records.reading_conflict(readings, today, km)
    if conflict is not None:
        lower = [r for r in readings if r.read_on <= today and r.km > km]
        later = [r for r in readings if r.read_on > today and r.km < km]  # a reading dated after today
        worst = max(lower, key=lambda r: r.km) if lower else min(later, key=lambda r: r.km)
        status: OdometerStatus = "lower" if lower else "higher"
        return OdometerOutcome(status, km, LastReading(worst.km, worst.read_on), conflict)
    before = [r for r in readings if r.read_on <= today]
    if before and not confirmed:
        last = max(before, key=lambda r: (r.read_on, r.km))
        days = max((today - last.read_on).days, 1)
        if km - last.km > days * max_daily_km:
            return OdometerOutcome("implausible", km, LastReading(last.km, last.read_on))
    if own_today and all(r.km != km for r in own_today):
        await records.delete_own_readings(session, vehicle_id, today)
    added = await records.add_odometer_reading(session, vehicle_id, km, today, records.CUSTOMER_SOURCE, today)
    car = await own_car(session, telegram_user_id, vehicle_id, today, rules)
    return OdometerOutcome("recorded" if added else "same", km, car=car)


async def release_car(session: AsyncSession, telegram_user_id: int, vehicle_id: int) -> bool:
    """"This is no longer my car": False when it is not this user's car (or was released already)."""
    customer = await customer_of(session, telegram_user_id)
    return customer is not None and await records.release_vehicle(session, customer.id, vehicle_id)


def warranty_answers(car: CarView, today: dt.date) -> WarrantyAnswers:
    """What the car's record answers in the 三包 check: its use, the delivery date as the start date
    (Art. 18), and the odometer when a reading is recent; `next_step` then skips those questions."""
    answers = WarrantyAnswers(use="commercial" if car.use == "commercial" else "household")
    if answers.use == "household":
        answers.start_date = car.delivery_date
        if car.odometer is not None and (today - car.odometer.read_on).days <= FRESH_READING_DAYS:
            answers.odometer_km = car.odometer.km
    return answers
