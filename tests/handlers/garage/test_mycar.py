"""/mycar through the real Application (process_update, rule-checking Bot API), in three languages: consent,
linking by the customer's own contact, the cars with their due dates, registering a car, updating the
odometer, "no longer my car", and the warranty check starting from the record."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.core.common.locale import Locale
from bot.core.desk.booking.service import BookingDesk, NewBooking
from bot.core.garage import cars as garage
from bot.db.desk.booking.models import Appointment
from bot.db.garage.models import OdometerReading, Vehicle
from bot.handlers.garage.view import due_rules
from tests.botapi.engine import BotApiEngine
from tests.handlers.garage.helpers import (
    LOCALES,
    customer_row,
    label,
    link,
    markups,
    press_on,
    seed,
    services,
    shown,
    texts,
    today,
)
from tests.handlers.harness import Customer


@pytest.fixture(params=list(LOCALES))
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def locale(language: str) -> Locale:
    return LOCALES[language]


@pytest.fixture
def customer(app_engine: tuple[Application, BotApiEngine], language: str) -> Customer:  # type: ignore[type-arg]
    app, engine = app_engine
    return Customer(app, engine, 701, language)


async def test_sharing_the_phone_links_the_imported_record(customer: Customer, locale: Locale) -> None:
    app = customer.app
    seeded = await seed(app)
    [notice] = await customer.say("/mycar")
    assert "/privacy" in notice["text"] and "/forget" in notice["text"]
    [ask] = await customer.press(label(app, locale, "mycar_consent_yes"))
    [sent] = markups(customer.engine, 1)
    assert ask["text"] and sent is not None
    [[button]] = sent["keyboard"]
    assert button == {"text": label(app, locale, "mycar_share_phone"), "request_contact": True}
    linked, shown_cars = await customer.send(customer.engine.push_contact(customer.user.id, "8613826514417"))
    assert markups(customer.engine, 2)[0] == {"remove_keyboard": True} and "1" in linked["text"]
    async with services(app).sessions() as session:
        [car] = (await garage.load_garage(session, customer.user.id, today(app), due_rules(services(app)))).cars
    text = shown_cars["text"]
    assert car.id == seeded.vehicle_ids[0] and "粤B·12345" in text and "Toyota Corolla" in text
    assert "15,000" in text and car.service is not None and car.insurance and car.inspection
    for day in (car.service.due, car.insurance.expires_on, car.inspection.due, *(w.ends_on for w in car.warranty)):
        assert shown(locale, day) in text
    assert "包修期" in text and "三包有效期" in text
    row = await customer_row(app, customer.user.id)
    assert row is not None and row.phone == "+8613826514417" and row.consent_at is not None and row.name == "陳志強"
    datas = [data for _, data in customer.buttons(shown_cars)]
    assert any(d.startswith(f"mycar:odo:{car.id}:") for d in datas)
    assert any(d.startswith(f"mycar:gone:{car.id}:") for d in datas)


async def test_someone_elses_contact_is_refused(customer: Customer, locale: Locale) -> None:
    await seed(customer.app)
    await customer.say("/mycar")
    await customer.press(label(customer.app, locale, "mycar_consent_yes"))
    other = customer.engine.push_contact(customer.user.id, "8613826514417", first_name="Boss", contact_user_id=9999)
    [refusal] = await customer.send(other)
    assert markups(customer.engine, 1) == [None]  # the share button stays up, for the customer's own number
    row = await customer_row(customer.app, customer.user.id)
    assert row is not None and row.phone is None
    no_id = customer.engine.push_contact(customer.user.id, "8613826514417", contact_user_id=None)
    assert texts(await customer.send(no_id)) == refusal["text"]


async def test_a_contact_before_consent_stores_nothing(customer: Customer, locale: Locale) -> None:
    [notice] = await customer.send(customer.engine.push_contact(customer.user.id, "8613826514417"))
    assert "/forget" in notice["text"]
    row = await customer_row(customer.app, customer.user.id)
    assert row is not None and row.phone is None and row.consent_at is None


async def test_declining_keeps_the_faq(customer: Customer, locale: Locale) -> None:
    await customer.say("/mycar")
    [declined] = await customer.press(label(customer.app, locale, "mycar_consent_no"))
    assert any(d.startswith("menu:ask:") for _, d in customer.buttons(declined))
    [answer] = await customer.say("how often should i service my car")
    assert "whichever comes first" in answer["text"]
    row = await customer_row(customer.app, customer.user.id)
    assert row is not None and row.consent_at is None and row.phone is None


async def test_cancel_takes_the_share_button_down(customer: Customer, locale: Locale) -> None:
    await customer.say("/mycar")
    await customer.press(label(customer.app, locale, "mycar_consent_yes"))
    left, menu = await customer.say("/cancel")  # the keyboard down, then the menu (one message cannot do both)
    assert left["text"] and markups(customer.engine, 2)[0] == {"remove_keyboard": True}
    assert any(d.startswith("menu:") for _, d in customer.buttons(menu))


async def test_registering_a_car_with_lenient_answers(customer: Customer, locale: Locale) -> None:
    app = customer.app
    await link(customer, locale, "8613900000001")  # no record for this number
    [ask] = await customer.press(label(app, locale, "mycar_add"))
    assert "/cancel" in ask["text"]
    [again] = await customer.say("hello")
    assert "/cancel" in again["text"]  # the plate is asked again
    [no_province] = await customer.say("B12345")  # a mainland plate without its province: asked again, with why
    assert "/cancel" in no_province["text"] and "粤B·12345" in no_province["text"].replace("粵", "粤")
    assert no_province["text"] != again["text"]
    [make] = await customer.say("粵b 12345")
    assert "粤B·12345" in make["text"]
    assert [text for text, _ in customer.buttons(make)][:3] == ["Toyota", "Honda", "Nissan"]  # and "other"
    await customer.press("Toyota")
    await customer.say("凱美瑞")
    [unclear] = await customer.say("banana")
    [too_old] = await customer.say("1949-05-01")  # read, but too early: said so, not "could not read"
    assert "1970" in too_old["text"] and too_old["text"] != unclear["text"]
    delivered = today(app) - dt.timedelta(days=200)
    [km] = await customer.say(delivered.isoformat())
    assert shown(locale, delivered) in km["text"]
    [negative] = await customer.say("-500")
    [too_high] = await customer.say("5000萬")
    assert "2,000,000" in too_high["text"] and negative["text"] != too_high["text"]
    assert len({negative["text"], too_high["text"], unclear["text"]}) == 3  # each says what is wrong
    [done] = await customer.say("1.2萬")
    assert "粤B·12345" in done["text"] and "12,000" in done["text"] and "凱美瑞" in done["text"]
    if locale == "en":  # typed data (a plate, 凱美瑞, 1.2萬) never switches the reply language
        assert "Odometer" in done["text"] and "Odometer" not in unclear["text"]
    async with services(app).sessions() as session:
        vehicle = (await session.execute(select(Vehicle))).scalar_one()
        reading = (await session.execute(select(OdometerReading))).scalar_one()
    assert (vehicle.plate, vehicle.make, vehicle.model, vehicle.delivery_date) == ("粤B12345", "Toyota", "凱美瑞",
                                                                                   delivered)  # fmt: skip
    assert (reading.km, reading.read_on, reading.source) == (12_000, today(app), "customer")


async def test_odometer_update_refuses_a_lower_reading(customer: Customer, locale: Locale) -> None:
    app = customer.app
    seeded = await seed(app)
    await link(customer, locale)
    [ask] = await customer.press(label(app, locale, "mycar_odo", car="粤B·12345"))
    assert "15,000" in ask["text"]
    [lower] = await customer.say("14000")
    assert "14,000" in lower["text"] and "15,000" in lower["text"] and "/cancel" in lower["text"]
    if locale == "en":
        assert "an odometer never goes back" in lower["text"]  # the core's own message
    [unclear] = await customer.say("lots")
    assert "/cancel" in unclear["text"]
    [negative] = await customer.say("−16500")
    assert "/cancel" in negative["text"] and negative["text"] != unclear["text"]
    [saved] = await customer.say("16,500 km")
    assert "16,500" in saved["text"]
    async with services(app).sessions() as session:
        kms = sorted((await session.execute(select(OdometerReading.km).where(
            OdometerReading.vehicle_id == seeded.vehicle_ids[0]))).scalars())  # fmt: skip
    assert kms == [15_000, 16_500]
    [answer] = await customer.say("how often should i service my car")  # the flow has ended
    assert "whichever comes first" in answer["text"]


async def test_no_longer_my_car_asks_first(customer: Customer, locale: Locale) -> None:
    app = customer.app
    seeded = await seed(app, plates=("粤B12345", "粤B67890"))
    await link(customer, locale)
    [confirm] = await customer.press(label(app, locale, "mycar_gone", car="粤B·67890"))
    assert "粤B·67890" in confirm["text"]
    [kept] = await customer.press(label(app, locale, "mycar_gone_no"))
    assert "粤B·67890" in kept["text"]
    await customer.press(label(app, locale, "mycar_gone", car="粤B·67890"))
    [gone] = await customer.press(label(app, locale, "mycar_gone_yes"))
    assert "粤B·12345" in gone["text"] and gone["text"].count("粤B·67890") == 1  # only in the "removed" line
    async with services(app).sessions() as session:
        released = dict((await session.execute(select(Vehicle.id, Vehicle.released_at))).all())
    assert released[seeded.vehicle_ids[0]] is None and released[seeded.vehicle_ids[1]] is not None


async def test_no_longer_my_car_offers_to_cancel_its_bookings(customer: Customer, locale: Locale) -> None:
    app = customer.app
    seeded = await seed(app, plates=("粤B12345", "粤B67890"))
    await link(customer, locale)
    sessions, dealer = services(app).sessions, services(app).dealer
    day = today(app) - dt.timedelta(days=today(app).weekday()) + dt.timedelta(days=8)  # next week's Tuesday
    booked = await BookingDesk(sessions, dealer, auto_confirm=False).book(
        customer.user.id, NewBooking("nanshan", "maintenance", day, "10:00", "waiting", seeded.vehicle_ids[1],
                                     "粤B67890"))  # fmt: skip
    await customer.press(label(app, locale, "mycar_gone", car="粤B·67890"))
    _gone, offer = await customer.press(label(app, locale, "mycar_gone_yes"))
    assert f"#{booked.id}" in offer["text"] and f"#{booked.id}" in customer.buttons(offer)[0][0]
    [why] = await customer.press(f"#{booked.id}")  # the same cancel as in /appointments: a reason first
    await customer.press(customer.buttons(why)[0][0])
    async with services(app).sessions() as session:
        status = (await session.execute(select(Appointment.status).where(Appointment.id == booked.id))).scalar_one()
    assert status == "cancelled"


async def test_every_way_in_opens_my_car(customer: Customer, locale: Locale) -> None:
    await customer.say("/start")
    [by_menu] = await customer.press(label(customer.app, locale, "menu_mycar"))
    [by_link] = await customer.say("/start mycar")
    [by_command] = await customer.say("/mycar")
    assert by_menu["text"] == by_link["text"] == by_command["text"] and "/privacy" in by_command["text"]


async def test_the_warranty_check_starts_from_the_single_car(customer: Customer, locale: Locale) -> None:
    app = customer.app
    await seed(app)
    await link(customer, locale)
    note, question = await customer.say("/warranty")
    assert "粤B·12345" in note["text"] and "15,000" in note["text"]
    happened = [data for _, data in customer.buttons(question)]
    assert all(data.startswith("wty:happened:") for data in happened)  # use, start date and km were known
    [use] = await press_on(customer, note, label(app, locale, "wty_car_other"))
    assert any(data.startswith("wty:use:") for _, data in customer.buttons(use))


async def test_with_several_cars_the_check_asks_which(customer: Customer, locale: Locale) -> None:
    app = customer.app
    await seed(app, plates=("粤B12345", "粤B67890"), reading_days_ago=90)
    await link(customer, locale)
    [which] = await customer.say("/warranty")
    labels = [text for text, _ in customer.buttons(which)]
    assert labels == [label(app, locale, "wty_car", car="粤B·12345"), label(app, locale, "wty_car", car="粤B·67890"),
                      label(app, locale, "wty_car_other")]  # fmt: skip
    note, question = await customer.press("粤B·67890")
    assert "粤B·67890" in note["text"]
    assert "15,000" not in note["text"]  # a 90-day-old reading is not "the odometer now": it is asked
    assert not customer.buttons(question) or "wty:happened:" not in str(customer.buttons(question))
    [answered] = await customer.say("16000")
    assert any(data.startswith("wty:happened:") for _, data in customer.buttons(answered))
