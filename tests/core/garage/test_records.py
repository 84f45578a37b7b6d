"""Customer records: phones, plates, VINs, the odometer rule, linking by phone and registering a car."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common import customers
from bot.core.garage import records
from bot.core.garage.records import Reading, RecordError
from bot.db.garage.models import Customer, OdometerReading, Vehicle

TODAY = dt.date(2026, 11, 28)


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+86 138 0013 8000", "CN", "+8613800138000"),
        ("13800138000", "CN", "+8613800138000"),
        ("138-0013-8000", "CN", "+8613800138000"),
        ("１３８００１３８０００", "CN", "+8613800138000"),  # full-width digits from a Chinese IME
        ("0086 138 0013 8000", "CN", "+8613800138000"),
        ("8613800138000", "CN", "+8613800138000"),  # Telegram's contact.phone_number has no "+"
        ("852 9123 4567", "CN", "+85291234567"),  # not a CN number: read as international
        ("+852 9123 4567", "CN", "+85291234567"),
        ("9123 4567", "HK", "+85291234567"),
        ("(0755) 2888 6600", "CN", "+8675528886600"),  # a Shenzhen landline
        ("+886 912 345 678", "CN", "+886912345678"),
        ("0912-345-678", "CN", "+886912345678"),  # a Taiwan mobile written locally: only Taiwan reads it
        ("9123 4567", "CN", "+85291234567"),  # a Hong Kong mobile: no neighbour but HK reads it as one
        ("0912 345 678", "HK", "+886912345678"),
    ],
)
def test_phones_become_e164(raw: str, region: str, expected: str) -> None:
    assert records.normalise_phone(raw, region) == expected


@pytest.mark.parametrize("raw", ["garbage", "", "   ", "123", "1380013800", "138001380001234", "+1 000", "2888 6600"])
def test_phones_that_are_not_numbers_are_refused(raw: str) -> None:
    # "2888 6600": a landline without its area code is not guessed to be Hong Kong's
    with pytest.raises(RecordError) as caught:
        records.normalise_phone(raw, "CN")
    assert caught.value.field == "phone"
    assert raw.strip() == "" or "+886 912 345 678" in caught.value.reason  # says which formats are expected


def test_a_number_two_neighbours_read_as_mobiles_asks_for_the_country_code() -> None:
    with pytest.raises(RecordError, match="add the country code"):
        records.normalise_phone("6612 3456", "CN")  # a Hong Kong and a Macau mobile alike


@pytest.mark.parametrize(
    ("raw", "stored", "shown"),
    [
        ("粤B·12345", "粤B12345", "粤B·12345"),
        ("粤b 12345", "粤B12345", "粤B·12345"),
        ("粵B.12345", "粤B12345", "粤B·12345"),  # Traditional province character
        ("粤Ｂ１２３４５", "粤B12345", "粤B·12345"),  # full-width
        ("粤BD12345", "粤BD12345", "粤B·D12345"),  # new-energy: six after the letter
        ("粤Z·1234港", "粤Z1234港", "粤Z·1234港"),  # Guangdong–Hong Kong cross-border
        ("京A-8K888", "京A8K888", "京A·8K888"),
        ("AB 1234", "AB1234", "AB1234"),  # Hong Kong
        ("ABC-1234", "ABC1234", "ABC1234"),  # Taiwan
        ("MA-12-34", "MA1234", "MA1234"),  # Macau
    ],
)
def test_plates_are_normalised(raw: str, stored: str, shown: str) -> None:
    assert records.normalise_plate(raw) == stored
    assert records.format_plate(stored) == shown


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("粤B1234", "a mainland plate is a province"),
        ("粤B1234567", "a mainland plate is a province"),
        ("车12345", "does not start a mainland plate"),
        ("hello", "at least one digit"),
        ("n/a", "at least one digit"),
        ("12345678901", "2 to 8 letters and digits"),
        ("", "is empty"),
    ],
)
def test_garbage_plates_are_refused(raw: str, reason: str) -> None:
    with pytest.raises(RecordError) as caught:
        records.normalise_plate(raw)
    assert caught.value.field == "plate" and reason in caught.value.reason


def test_vins() -> None:
    assert records.normalise_vin("lvgbe40k3-8g123456") == "LVGBE40K38G123456"
    with pytest.raises(RecordError, match="I, O or Q"):
        records.normalise_vin("LVGBE40K38G12345O")
    with pytest.raises(RecordError, match="has 16 characters"):
        records.normalise_vin("LVGBE40K38G12345")
    with pytest.raises(RecordError, match="only letters and digits"):
        records.normalise_vin("LVGBE40K38G12345*")


@pytest.mark.parametrize(("raw", "make"), [("豐田", "Toyota"), ("toyota", "Toyota"), ("廣汽本田", "Honda"),
                                           ("東風日產", "Nissan"), ("Mazda", "Mazda")])
def test_makes_are_spelled_as_the_dealer_config_spells_them(raw: str, make: str) -> None:
    assert records.canonical_make(raw) == make


HISTORY = [Reading(dt.date(2024, 1, 10), 15_000), Reading(dt.date(2024, 6, 1), 21_000)]


@pytest.mark.parametrize(
    ("read_on", "km", "problem"),
    [
        (dt.date(2024, 9, 1), 25_000, None),
        (dt.date(2024, 6, 1), 21_000, None),  # the same reading again
        (dt.date(2024, 3, 1), 18_000, None),  # history filled in between
        (dt.date(2024, 9, 1), 20_000, "lower than the 21,000 km read on 2024-06-01"),
        (dt.date(2024, 6, 1), 20_999, "lower than the 21,000 km"),
        (dt.date(2024, 3, 1), 22_000, "higher than the 21,000 km read later, on 2024-06-01"),
    ],
)
def test_odometer_readings_never_go_back(read_on: dt.date, km: int, problem: str | None) -> None:
    conflict = records.reading_conflict(HISTORY, read_on, km)
    assert conflict is None if problem is None else problem in (conflict or "")




async def _imported(sessions: async_sessionmaker[AsyncSession], phone: str, plate: str) -> int:
    async with sessions.begin() as session:
        customer = Customer(phone=phone, name="陳大文", external_id="C001", reminders_opt_out=True)
        session.add(customer)
        await session.flush()
        vehicle = Vehicle(customer_id=customer.id, plate=plate, make="Toyota", model="Corolla")
        session.add(vehicle)
        await session.flush()
        return vehicle.id


async def test_odometer_going_backwards_is_rejected_and_nothing_stored(sessions: async_sessionmaker) -> None:
    vehicle_id = await _imported(sessions, "+8613800138000", "粤B12345")
    async with sessions.begin() as session:
        assert await records.add_odometer_reading(session, vehicle_id, 20_000, dt.date(2025, 5, 1), "customer", TODAY)
        assert not await records.add_odometer_reading(session, vehicle_id, 20_000, dt.date(2025, 5, 1), "x", TODAY)
    with pytest.raises(RecordError) as caught:
        async with sessions.begin() as session:
            await records.add_odometer_reading(session, vehicle_id, 19_500, dt.date(2025, 8, 1), "customer", TODAY)
    assert caught.value.field == "km"
    assert str(caught.value) == (
        "km: 19,500 km on 2025-08-01 is lower than the 20,000 km read on 2025-05-01; "
        "an odometer never goes back, please check the reading"
    )
    with pytest.raises(RecordError, match="in the future"):
        async with sessions.begin() as session:
            await records.add_odometer_reading(session, vehicle_id, 30_000, TODAY + dt.timedelta(days=1), "c", TODAY)
    async with sessions() as session:
        kms = (await session.execute(select(OdometerReading.km))).scalars().all()
    assert kms == [20_000]


async def test_sharing_the_phone_joins_the_imported_record(sessions: async_sessionmaker) -> None:
    vehicle_id = await _imported(sessions, "+8613800138000", "粤B12345")
    async with sessions.begin() as session:
        me = await customers.touch_customer(session, 4242, 4242, "Tai Man", "zh-hant")
        await records.record_consent(session, 4242)
    async with sessions.begin() as session:
        result = await records.link_customer_by_phone(session, 4242, "8613800138000", "CN")
    assert (result.status, result.customer_id, result.phone) == ("linked", me.id, "+8613800138000")
    assert [(v.id, v.plate_display) for v in result.vehicles] == [(vehicle_id, "粤B·12345")]
    async with sessions() as session:
        rows = (await session.execute(select(Customer))).scalars().all()
    assert len(rows) == 1
    assert (rows[0].telegram_user_id, rows[0].name, rows[0].external_id) == (4242, "陳大文", "C001")
    assert rows[0].reminders_opt_out and rows[0].consent_at is not None
    async with sessions.begin() as session:
        again = await records.link_customer_by_phone(session, 4242, "+86 138 0013 8000")
        stranger = await records.link_customer_by_phone(session, 777, "+86 138 0013 8000")
    assert again.status == "already_linked" and len(again.vehicles) == 1
    assert stranger.status == "phone_taken" and stranger.vehicles == ()


async def test_no_record_then_register_a_car(sessions: async_sessionmaker) -> None:
    async with sessions.begin() as session:
        me = await customers.touch_customer(session, 5151, 5151, "Mei", "zh-hans")
        result = await records.link_customer_by_phone(session, 5151, "139 2874 0653")
        car = await records.register_vehicle(
            session, me.id, plate="粵B·E9762", make="日產", model="Sylphy", delivery_date=dt.date(2025, 10, 3),
            odometer_km=8_200, read_on=dt.date(2026, 11, 1), today=TODAY,
        )
    assert result.status == "no_record" and result.vehicles == ()
    assert (car.plate, car.make, car.customer_id) == ("粤BE9762", "Nissan", me.id)
    async with sessions.begin() as session:
        other = await customers.touch_customer(session, 6161, 6161, "Ho", "en")
    with pytest.raises(RecordError, match="registered to another customer"):
        async with sessions.begin() as session:
            await records.register_vehicle(
                session, other.id, plate="粤BE9762", make="Nissan", model="Sylphy",
                delivery_date=dt.date(2025, 10, 3), odometer_km=9_000, today=TODAY,
            )
    async with sessions.begin() as session:
        assert await records.release_vehicle(session, me.id, car.id)  # "no longer my car"
    with pytest.raises(RecordError, match="lower than the 8,200 km"):
        async with sessions.begin() as session:
            await records.register_vehicle(
                session, other.id, plate="粤BE9762", make="Nissan", model="Sylphy",
                delivery_date=dt.date(2025, 10, 3), odometer_km=8_000, read_on=dt.date(2026, 11, 20), today=TODAY,
            )
    async with sessions.begin() as session:
        taken = await records.register_vehicle(
            session, other.id, plate="粤BE9762", make="Nissan", model="Sylphy",
            delivery_date=dt.date(2025, 10, 3), odometer_km=9_000, read_on=dt.date(2026, 11, 20), today=TODAY,
        )
        assert await records.customer_vehicles(session, me.id) == []
    assert (taken.id, taken.customer_id) == (car.id, other.id)


async def test_registering_refuses_bad_input_before_writing(sessions: async_sessionmaker) -> None:
    async with sessions.begin() as session:
        me = await customers.touch_customer(session, 7171, 7171, "Lam", "zh-hant")
    bad = [
        ({"plate": "hello"}, "plate"),
        ({"vin": "LVGBE40K38G12345O"}, "vin"),
        ({"model": " "}, "model"),
        ({"delivery_date": TODAY + dt.timedelta(days=3)}, "delivery_date"),
        ({"odometer_km": -5}, "km"),
        ({"use": "taxi"}, "use"),
    ]
    for change, field in bad:
        details = {"plate": "粤B12345", "make": "Toyota", "model": "Camry", "delivery_date": dt.date(2024, 1, 1),
                   "odometer_km": 30_000, "today": TODAY, **change}
        with pytest.raises(RecordError) as caught:
            async with sessions.begin() as session:
                await records.register_vehicle(session, me.id, **details)  # type: ignore[arg-type]
        assert caught.value.field == field
    async with sessions() as session:
        assert (await session.execute(select(Vehicle))).first() is None
