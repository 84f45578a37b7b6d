"""A reminder's buttons through the real Application: remind me later, not my car anymore, book now, forgeries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram import InlineKeyboardMarkup
from telegram.ext import Application

from bot.core.desk.booking.service import BookingDesk, NewBooking
from bot.core.reminders.sweep import ReminderDeps, sweep
from bot.core.services import Services
from bot.db.desk.booking.models import Appointment
from bot.db.desk.handoff.models import Ticket
from bot.db.garage.models import Customer as CustomerRow
from bot.db.garage.models import Vehicle
from bot.db.outbox.models import Outbox
from bot.db.reminders.models import ReminderSnooze
from tests.botapi.engine import BotApiEngine
from tests.handlers.desk_harness import build_desk
from tests.handlers.harness import Customer

USER = 701



@pytest.fixture
def services(app_engine: tuple[Application, BotApiEngine]) -> Services:  # type: ignore[type-arg]
    return app_engine[0].bot_data["services"]  # type: ignore[no-any-return]


@pytest.fixture
def customer(app_engine: tuple[Application, BotApiEngine]) -> Customer:  # type: ignore[type-arg]
    app, engine = app_engine
    return Customer(app, engine, USER, "en")


def today(services: Services) -> dt.date:
    return dt.datetime.now(services.settings.tz).date()


async def add_car(services: Services, user_id: int, plate: str) -> int:
    """A customer on Telegram with one car whose insurance runs out in 10 days."""
    async with services.sessions.begin() as session:
        owner = (
            await session.execute(select(CustomerRow).where(CustomerRow.telegram_user_id == user_id))
        ).scalar_one_or_none()
        if owner is None:
            owner = CustomerRow(telegram_user_id=user_id, chat_id=user_id, first_name="Mei", language_code="en")
            session.add(owner)
            await session.flush()
        car = Vehicle(customer_id=owner.id, plate=plate, make="Toyota", model="Corolla",
                      insurance_expiry=today(services) + dt.timedelta(days=10))
        session.add(car)
        await session.flush()
        return car.id


async def deliver(app: Application, services: Services, customer: Customer) -> dict[str, Any]:  # type: ignore[type-arg]
    """Sweep, then send the enqueued reminder as the sender would (through the rule-checking Bot API); the
    customer has read it."""
    report = await sweep(services.sessions, ReminderDeps.from_services(services), dt.datetime.now(dt.UTC))
    assert report.enqueued >= 1
    async with services.sessions() as session:
        row = (await session.execute(select(Outbox).where(Outbox.chat_id == customer.user.id))).scalar_one()
    payload = row.payload
    markup = InlineKeyboardMarkup.de_json(payload["reply_markup"], app.bot)
    sent = await app.bot.send_message(row.chat_id, payload["text"], parse_mode=payload["parse_mode"],
                                      reply_markup=markup)
    customer._new()
    return sent.to_dict()


async def test_remind_me_later_snoozes_for_a_week(
    app_engine: tuple[Application, BotApiEngine], services: Services, customer: Customer  # type: ignore[type-arg]
) -> None:
    car = await add_car(services, USER, "粤B12345")
    await deliver(app_engine[0], services, customer)
    [reply] = await customer.press("Remind me later")
    until = today(services) + dt.timedelta(days=7)
    assert "insurance renewal of 粤B·12345" in reply["text"] and str(until.year) in reply["text"]
    async with services.sessions() as session:
        snooze = (await session.execute(select(ReminderSnooze))).scalar_one()
    assert (snooze.vehicle_id, snooze.kind, snooze.until) == (car, "insurance", until)


async def test_not_my_car_anymore_asks_then_releases(
    app_engine: tuple[Application, BotApiEngine], services: Services, customer: Customer  # type: ignore[type-arg]
) -> None:
    car = await add_car(services, USER, "粤B12345")
    reminder = await deliver(app_engine[0], services, customer)
    [question] = await customer.press("Not my car anymore")
    assert "粤B·12345" in question["text"] and len(customer.buttons(question)) == 2
    [kept] = await customer.press("No, keep it")
    assert "stays on your record" in kept["text"]
    gone = next(data for label, data in customer.buttons(reminder) if "Not my car" in label)
    await customer.press_data(gone, reminder["message_id"])  # the reminder's button again
    [done] = await customer.press("Yes, it is not mine")
    assert "off your record" in done["text"]
    async with services.sessions() as session:
        vehicle = await session.get(Vehicle, car)
        row = (await session.execute(select(Outbox))).scalar_one()
    assert vehicle is not None and vehicle.released_at is not None
    assert row.status == "dropped"  # the reminder not yet sent is never sent
    book = next(data for label, data in customer.buttons(reminder) if "Book now" in label)
    query_id, replies = await customer.press_data(book, reminder["message_id"])  # the car is no longer theirs
    assert replies == [] and (customer.engine.callback_answer(query_id) or {}).get("show_alert") is True


async def test_not_my_car_anymore_on_a_reminder_offers_to_cancel_that_cars_bookings(
    app_engine: tuple[Application, BotApiEngine], services: Services, customer: Customer  # type: ignore[type-arg]
) -> None:
    car = await add_car(services, USER, "粤B12345")
    day = today(services) + dt.timedelta(days=7 - today(services).weekday() + 1)  # next week's Tuesday
    booked = await BookingDesk(services.sessions, services.dealer, auto_confirm=False).book(
        USER, NewBooking("nanshan", "maintenance", day, "10:00", "waiting", car, "粤B12345"))  # fmt: skip
    await deliver(app_engine[0], services, customer)
    await customer.press("Not my car anymore")
    done, offer = await customer.press("Yes, it is not mine")
    assert "off your record" in done["text"]
    assert f"#{booked.id}" in offer["text"] and f"#{booked.id}" in customer.buttons(offer)[0][0], offer["text"]
    [why] = await customer.press(f"#{booked.id}")  # the cancel of /appointments: a reason first
    await customer.press(customer.buttons(why)[0][0])
    async with services.sessions() as session:
        status = (await session.execute(select(Appointment.status).where(Appointment.id == booked.id))).scalar_one()
    assert status == "cancelled"


async def test_book_now_opens_booking_for_that_car(
    app_engine: tuple[Application, BotApiEngine], services: Services, customer: Customer  # type: ignore[type-arg]
) -> None:
    mine = await add_car(services, USER, "粤B12345")
    await deliver(app_engine[0], services, customer)
    book = services.callbacks.pack(USER, "rem", "book", str(mine), "svc")  # a service reminder's "book now"
    _query, [branch] = await customer.press_data(book)
    assert "branch" in branch["text"].lower()  # maintenance preset: the branch is asked next
    [day] = await customer.press("Futian")  # the car is the reminder's: not asked
    assert "Which day?" in day["text"]
    await customer.press(customer.buttons(day)[0][0])  # the first day offered
    await customer.press(":")
    await customer.press("wait")
    await customer.press("Skip")
    [summary] = await customer.say("13800138000")
    assert "粤B·12345" in summary["text"] and "Scheduled maintenance" in summary["text"]


async def test_book_now_on_an_insurance_reminder_is_a_renewal_request_not_a_workshop_booking(
    app_engine: tuple[Application, BotApiEngine], services: Services, customer: Customer  # type: ignore[type-arg]
) -> None:
    await add_car(services, USER, "粤B12345")
    await deliver(app_engine[0], services, customer)
    [told] = await customer.press("Book now")  # no advisors' group here: the hotline
    assert "renew" in told["text"] and services.dealer.hotline in told["text"] and "粤B·12345" in told["text"]
    [answer] = await customer.say("how often should i service my car")  # no booking flow was started
    assert "whichever comes first" in answer["text"]


async def test_an_insurance_renewal_request_reaches_the_advisors_with_the_car(tmp_path: Path) -> None:
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        services = app.bot_data["services"]
        customer = Customer(app, engine, USER, "en")
        await add_car(services, USER, "粤B12345")
        await deliver(app, services, customer)
        [told] = await customer.press("Book now")
        assert "with our advisors" in told["text"] and "粤B·12345" in told["text"]
        async with services.sessions() as session:
            ticket = (await session.execute(select(Ticket))).scalar_one()
        assert (ticket.kind, ticket.trigger) == ("handoff", "insurance_renewal")
        card = next(m["text"] for m in desk.group_messages(ticket.topic_id) if "#" in m.get("text", ""))
        expiry = today(services) + dt.timedelta(days=10)
        assert card.startswith("🛡️ 保險續保申請")  # worded by the trigger, not "asks for an advisor"
        assert "粤B·12345 Toyota Corolla" in card and f"{expiry.year}年{expiry.month}月{expiry.day}日" in card, card
        assert expiry.isoformat() not in card  # one date format per locale, never ISO


async def test_forged_and_foreign_buttons_are_refused(
    app_engine: tuple[Application, BotApiEngine], services: Services, customer: Customer  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    mine = await add_car(services, USER, "粤B12345")
    theirs = await add_car(services, 702, "粤B67890")
    await deliver(app, services, customer)
    pack = services.callbacks.pack
    attempts = [
        f"rem:snooze:{mine}:ins:AAAAAAAA",  # a forged signature
        pack(702, "rem", "snooze", str(mine), "ins"),  # signed for somebody else
        pack(USER, "rem", "gone", str(theirs)),  # a genuine signature, but not their car
        pack(USER, "rem", "goneyes", str(theirs)),
        pack(USER, "rem", "book", str(mine), "oil"),  # an unknown kind
        pack(USER, "rem", "snooze", "x1", "ins"),  # not a car id
    ]
    for data in attempts:
        query_id, replies = await customer.press_data(data)
        answer = engine.callback_answer(query_id)
        assert replies == [] and answer is not None and answer.get("show_alert") is True, data
    async with services.sessions() as session:
        assert (await session.execute(select(ReminderSnooze))).first() is None
        other = await session.get(Vehicle, theirs)
    assert other is not None and other.released_at is None
