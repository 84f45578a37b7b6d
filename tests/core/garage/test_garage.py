"""/mycar's core on SQLite and PostgreSQL: the view with due dates, odometer updates, releasing a car,
registering one step by step, and the warranty check's pre-filled answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common import customers
from bot.core.common.settings import Settings
from bot.core.garage import cars as garage
from bot.core.garage import records, registration
from bot.core.garage.cars import DueRules
from bot.core.garage.registration import CarDraft
from bot.core.garage.schedule import default_schedule
from bot.core.warranty.rules import default_rules
from bot.db.engine import create_engine, session_factory
from bot.db.garage.models import Customer, OdometerReading, ServiceVisit, Vehicle

TODAY = dt.date(2026, 11, 28)
RULES = DueRules(default_schedule(), "CN", default_rules())
ME, OTHER = 7001, 7002


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, settings: Settings) -> str:
    return settings.database_url if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


async def _customer_with_car(sessions: async_sessionmaker[AsyncSession], user_id: int, plate: str) -> int:
    """A consented Telegram customer with one Toyota, serviced at 15,000 km a month ago."""
    async with sessions.begin() as session:
        await customers.touch_customer(session, user_id, user_id, "Mei", "zh-hant")
        await records.record_consent(session, user_id)
        customer = await garage.customer_of(session, user_id)
        assert customer is not None
        vehicle = Vehicle(customer_id=customer.id, plate=plate, make="Toyota", model="Corolla",
                          delivery_date=dt.date(2025, 9, 4), insurance_expiry=dt.date(2027, 9, 4))  # fmt: skip
        session.add(vehicle)
        await session.flush()
        session.add(OdometerReading(vehicle_id=vehicle.id, read_on=dt.date(2026, 10, 28), km=15_000, source="visit:1"))
        session.add(ServiceVisit(visit_no=f"RO-{plate}", vehicle_id=vehicle.id, visit_date=dt.date(2026, 10, 28),
                                 km=15_000, kind="maintenance"))  # fmt: skip
        return vehicle.id


async def test_the_garage_shows_due_dates_from_the_core(sessions: async_sessionmaker) -> None:
    vehicle_id = await _customer_with_car(sessions, ME, "粤B12345")
    async with sessions() as session:
        found = await garage.load_garage(session, ME, TODAY, RULES)
        nobody = await garage.load_garage(session, 999, TODAY, RULES)
    assert (found.consented, found.phone_linked, nobody) == (True, False, garage.Garage(False, False, ()))
    [car] = found.cars
    assert (car.id, car.plate, car.name) == (vehicle_id, "粤B·12345", "粤B·12345")
    assert car.odometer == garage.LastReading(15_000, dt.date(2026, 10, 28))
    assert car.service is not None and car.service.stage == "regular" and car.service.due_km == 25_000
    assert car.service.time_due == dt.date(2027, 4, 28)  # Toyota: every 6 months or 10,000 km
    assert car.insurance is not None and car.insurance.expires_on == dt.date(2027, 9, 4)
    assert car.inspection is not None and car.inspection.due == dt.date(2027, 9, 4)  # CN: online decal at 2 years
    assert [w.code for w in car.warranty] == ["repair_warranty", "three_guarantees"]
    assert not any(w.ended for w in car.warranty)


async def test_a_lower_reading_is_refused_with_the_core_message(sessions: async_sessionmaker) -> None:
    vehicle_id = await _customer_with_car(sessions, ME, "粤B12345")
    async with sessions.begin() as session:
        lower = await garage.record_odometer(session, ME, vehicle_id, 14_000, TODAY, RULES)
    assert lower.status == "lower" and lower.on_file == garage.LastReading(15_000, dt.date(2026, 10, 28))
    assert "lower than the 15,000 km read on 2026-10-28" in lower.reason and lower.car is None
    async with sessions.begin() as session:
        done = await garage.record_odometer(session, ME, vehicle_id, 16_200, TODAY, RULES)
        same = await garage.record_odometer(session, ME, vehicle_id, 16_200, TODAY, RULES)
        theirs = await garage.record_odometer(session, OTHER, vehicle_id, 17_000, TODAY, RULES)
    assert done.status == "recorded" and done.car is not None and done.car.odometer == garage.LastReading(16_200, TODAY)
    assert (same.status, theirs.status) == ("same", "not_yours")
    async with sessions() as session:
        kms = sorted((await session.execute(select(OdometerReading.km))).scalars())
    assert kms == [15_000, 16_200]


async def test_only_the_owner_can_release_a_car(sessions: async_sessionmaker) -> None:
    mine = await _customer_with_car(sessions, ME, "粤B12345")
    theirs = await _customer_with_car(sessions, OTHER, "粤B54321")
    async with sessions.begin() as session:
        assert not await garage.release_car(session, ME, theirs)
        assert await garage.own_car(session, ME, theirs, TODAY, RULES) is None
        assert await garage.release_car(session, ME, mine)
        assert not await garage.release_car(session, ME, mine)  # already released
    async with sessions() as session:
        assert (await garage.load_garage(session, ME, TODAY, RULES)).cars == ()
        assert len((await garage.load_garage(session, OTHER, TODAY, RULES)).cars) == 1


@pytest.mark.parametrize(
    ("step", "text", "problem", "stored"),
    [
        ("plate", "粵b 12345", None, "粤B12345"),
        ("plate", "hello", "plate_unclear", None),
        ("make", "豐田", None, "Toyota"),
        ("make", "4", "make_unknown", None),
        ("make", "  ", "make_unknown", None),
        ("make", "<script>alert(1)</script>", "make_unknown", None),  # issue 12, item 8: known makes only
        ("make", "其他", None, "Other"),
        ("model", " 凱美瑞  ", None, "凱美瑞"),
        ("model", "x" * 65, "model_unclear", None),
        ("delivery_date", "2024年3月1日", None, dt.date(2024, 3, 1)),
        ("delivery_date", "去年三月", None, dt.date(2025, 3, 1)),
        ("delivery_date", "2025", "date_need_month", None),
        ("delivery_date", "2027-01-01", "date_future", None),
        ("delivery_date", "banana", "date_unclear", None),
        ("odometer", "1.2萬", None, 12_000),
        ("odometer", "12k", None, 12_000),
        ("odometer", "lots", "km_unclear", None),
    ],
)
def test_registration_answers_are_read_leniently(step: str, text: str, problem: str | None, stored: object) -> None:
    draft = CarDraft()
    assert registration.take_typed(draft, step, text, TODAY) == problem  # type: ignore[arg-type]
    field = "odometer_km" if step == "odometer" else step
    assert getattr(draft, field) == stored


@pytest.mark.parametrize(
    ("typed", "make", "model"),
    [("Toyota Corolla", "Toyota", "Corolla"), ("豐田 卡羅拉", "Toyota", "卡羅拉"),
     ("广汽丰田凯美瑞", "Toyota", "凯美瑞"), ("Lexus  RX 350", "Lexus", "RX 350"),
     ("Tesla Model 3", None, None), ("其他 Tesla", None, None),
     ("Toyota " + "x" * 65, None, None), ("ToyotaCorolla", None, None)],
)  # fmt: skip
def test_a_make_typed_with_its_model(typed: str, make: str | None, model: str | None) -> None:
    draft = CarDraft("粤B12345")
    problem = registration.take_typed(draft, "make", typed, TODAY, ("Toyota", "Honda", "Nissan"))
    assert (problem, draft.make, draft.model) == (None if make else "make_unknown", make, model)
    if make:  # both questions answered: "back" from the next one reaches the model
        registration.note_answered(draft, "make")
        assert draft.asked == ["make", "model"] and registration.next_step(draft) == "delivery_date"


def test_the_draft_survives_json_and_names_the_next_step() -> None:
    draft = CarDraft("粤B12345", "Toyota")
    assert registration.next_step(draft) == "model"
    draft.model, draft.delivery_date, draft.odometer_km = "Corolla", dt.date(2024, 3, 1), 0
    assert CarDraft.from_json(draft.to_json()) == draft and registration.next_step(draft) == "done"


async def test_registering_stores_the_car_or_says_why_not(sessions: async_sessionmaker) -> None:
    await _customer_with_car(sessions, OTHER, "粤B54321")
    async with sessions.begin() as session:
        await customers.touch_customer(session, ME, ME, "Mei", "en")
    draft = CarDraft("粤B12345", "Toyota", "Corolla", dt.date(2024, 3, 1), 12_000)
    async with sessions.begin() as session:
        done = await registration.register(session, ME, draft, TODAY)
        taken = await registration.register(session, ME, CarDraft("粤B54321", "Honda", "Fit", dt.date(2024, 3, 1), 5),
                                             TODAY)  # fmt: skip
        half = await registration.register(session, ME, CarDraft("粤B11111"), TODAY)
    assert done.car is not None and done.car.plate_display == "粤B·12345"
    assert (taken.car, taken.problem) == (None, "plate_taken") and "another customer" in taken.reason
    assert half.problem == "refused"
    async with sessions() as session:
        found = await garage.load_garage(session, ME, TODAY, RULES)
        owners = dict((await session.execute(select(Vehicle.plate, Vehicle.customer_id))).all())
        me = await garage.customer_of(session, ME)
    assert [car.odometer for car in found.cars] == [garage.LastReading(12_000, TODAY)]
    assert me is not None and owners["粤B12345"] == me.id and owners["粤B54321"] != me.id


async def test_the_warranty_check_starts_from_the_record(sessions: async_sessionmaker) -> None:
    await _customer_with_car(sessions, ME, "粤B12345")
    async with sessions() as session:
        [car] = (await garage.load_garage(session, ME, TODAY, RULES)).cars
    fresh = garage.warranty_answers(car, dt.date(2026, 11, 20))  # read 23 days before
    assert (fresh.use, fresh.start_date, fresh.odometer_km) == ("household", dt.date(2025, 9, 4), 15_000)
    stale = garage.warranty_answers(car, TODAY)  # 31 days old: not "the odometer now"
    assert (stale.start_date, stale.odometer_km) == (dt.date(2025, 9, 4), None)
    async with sessions.begin() as session:
        customer = (await session.execute(select(Customer).where(Customer.telegram_user_id == ME))).scalar_one()
        await session.execute(Vehicle.__table__.update().values(use="commercial", customer_id=customer.id))
    async with sessions() as session:
        [car] = (await garage.load_garage(session, ME, TODAY, RULES)).cars
    commercial = garage.warranty_answers(car, TODAY)
    assert (commercial.use, commercial.start_date, car.warranty) == ("commercial", None, ())


async def test_linking_needs_consent_and_a_valid_number(sessions: async_sessionmaker) -> None:
    async with sessions.begin() as session:
        session.add(Customer(phone="+8613826514417", name="陳志強"))
        await customers.touch_customer(session, ME, ME, "Mei", "zh-hant")
    async with sessions.begin() as session:
        assert await garage.link_phone(session, ME, "8613826514417", "CN") == ("no_consent", 0)
        await records.record_consent(session, ME)
    async with sessions.begin() as session:
        assert await garage.link_phone(session, ME, "12345", "CN") == ("invalid", 0)
        assert await garage.link_phone(session, ME, "8613826514417", "CN") == ("linked", 0)
        assert await garage.link_phone(session, ME, "+86 138 2651 4417", "CN") == ("already_linked", 0)
    async with sessions() as session:
        me = await garage.customer_of(session, ME)
    assert me is not None and (me.phone, me.name) == ("+8613826514417", "陳志強")
