"""Shared by the /mycar, settings and privacy handler tests: imported records, labels, dates as shown."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from telegram.ext import Application

from bot.core.common.locale import Locale
from bot.core.services import Services
from bot.db.garage.models import Customer, OdometerReading, ServiceVisit, Vehicle
from tests.botapi.engine import BotApiEngine
from tests.handlers.harness import Customer as Chat

LOCALES: dict[str, Locale] = {"zh-hant": "zh-Hant", "zh-hans": "zh-Hans", "en": "en"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip
PHONE = "+8613826514417"  # as the dealer's export has it
TELEGRAM_PHONE = "8613826514417"  # as Telegram's contact.phone_number has it


@dataclass(frozen=True)
class Seeded:
    """An imported customer's ids: the customer row and their cars, in the order given."""

    customer_id: int
    vehicle_ids: list[int]


def services(app: Application) -> Services:  # type: ignore[type-arg]
    return app.bot_data["services"]  # type: ignore[no-any-return]


def today(app: Application) -> dt.date:  # type: ignore[type-arg]
    """Today in the dealer's time zone."""
    return dt.datetime.now(services(app).settings.tz).date()


def shown(locale: Locale, day: dt.date) -> str:
    """A date as the templates write it."""
    if locale == "en":
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def label(app: Application, locale: Locale, key: str, **data: Any) -> str:  # type: ignore[type-arg]
    return services(app).messages.label(locale, key, **data)


async def seed(
    app: Application,  # type: ignore[type-arg]
    phone: str = PHONE,
    plates: tuple[str, ...] = ("粤B12345",),
    reading_days_ago: int = 10,
) -> Seeded:
    """A customer as the dealer's import leaves them: phone, name, cars with a service visit and its reading."""
    day = today(app)
    async with services(app).sessions.begin() as session:
        customer = Customer(phone=phone, name="陳志強", external_id=f"DEMO-{phone[-4:]}")
        session.add(customer)
        await session.flush()
        ids = []
        for plate in plates:
            delivered = day - dt.timedelta(days=400)
            vehicle = Vehicle(customer_id=customer.id, plate=plate, make="Toyota", model="Corolla", owner_imported=True,
                              delivery_date=delivered, insurance_expiry=delivered.replace(year=delivered.year + 2))
            session.add(vehicle)  # fmt: skip
            await session.flush()
            read_on = day - dt.timedelta(days=reading_days_ago)
            session.add(OdometerReading(vehicle_id=vehicle.id, read_on=read_on, km=15_000, source=f"visit:{plate}"))
            session.add(ServiceVisit(visit_no=f"RO-{plate}", vehicle_id=vehicle.id, visit_date=read_on, km=15_000,
                                     kind="maintenance"))  # fmt: skip
            ids.append(vehicle.id)
        return Seeded(customer.id, ids)


async def link(chat: Chat, locale: Locale, phone: str = TELEGRAM_PHONE) -> list[dict[str, Any]]:
    """/mycar, agree to the notice, share the phone: returns the messages after the contact."""
    await chat.say("/mycar")
    await chat.press(label(chat.app, locale, "mycar_consent_yes"))
    return await chat.send(chat.engine.push_contact(chat.user.id, phone))


async def customer_row(app: Application, user_id: int) -> Customer | None:  # type: ignore[type-arg]
    async with services(app).sessions() as session:
        statement = select(Customer).where(Customer.telegram_user_id == user_id)
        return (await session.execute(statement)).scalar_one_or_none()


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(message.get("text", "")) for message in messages)


def markups(engine: BotApiEngine, count: int) -> list[dict[str, Any] | None]:
    """The reply_markup of the last `count` sendMessage calls as sent (Telegram keeps only inline ones)."""
    sent = engine.calls("sendMessage")[-count:]
    found = [call.params.get("reply_markup") for call in sent]
    return [json.loads(markup) if isinstance(markup, str) else markup for markup in found]


async def press_on(chat: Chat, message: dict[str, Any], label_part: str) -> list[dict[str, Any]]:
    """Press a button of an earlier message (Customer.press presses on the last one with buttons)."""
    data = next(data for text, data in chat.buttons(message) if label_part in text)
    return await chat.send(chat.engine.push_callback(chat.user.id, message["message_id"], data))
