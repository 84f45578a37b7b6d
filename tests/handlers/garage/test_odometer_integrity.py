"""Issue 12, item 10: an implausible jump is asked to be confirmed, and the customer corrects their own reading
of the same day; a reading from another day or the dealer's is never replaced."""

from __future__ import annotations

from sqlalchemy import select
from telegram.ext import Application

from bot.db.garage.models import OdometerReading
from tests.botapi.engine import BotApiEngine
from tests.handlers.garage.helpers import label, link, seed, services
from tests.handlers.harness import Customer

ME = 931


async def readings(app: Application, vehicle_id: int) -> list[tuple[int, str]]:  # type: ignore[type-arg]
    async with services(app).sessions() as session:
        rows = await session.execute(select(OdometerReading.km, OdometerReading.source)
                                     .where(OdometerReading.vehicle_id == vehicle_id).order_by(OdometerReading.km))
        return [(km, source) for km, source in rows.all()]  # fmt: skip


async def update_odometer(me: Customer, app: Application) -> None:  # type: ignore[type-arg]
    await me.say("/mycar")
    await me.press(label(app, "en", "mycar_odo", car="粤B·12345"))


async def test_a_typo_far_above_the_last_reading_is_asked_again_and_fixed_the_same_day(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    seeded = await seed(app, reading_days_ago=28)  # 15,000 km four weeks ago
    car = seeded.vehicle_ids[0]
    me = Customer(app, engine, ME, "en")
    await link(me, "en")
    await update_odometer(me, app)
    [asked] = await me.say("500000")
    assert "type the same number again" in asked["text"]
    assert await readings(app, car) == [(15_000, "visit:粤B12345")]  # nothing recorded yet
    [typo] = await me.say("500000")  # confirmed: the customer insists
    assert "500,000" in typo["text"]
    # The same day, the customer corrects their own reading, lower than the typo.
    await update_odometer(me, app)
    await me.say("16000")
    assert await readings(app, car) == [(15_000, "visit:粤B12345"), (16_000, "customer")]


async def test_a_plausible_reading_goes_in_at_once(app_engine: tuple[Application, BotApiEngine]) -> None:  # type: ignore[type-arg]
    app, engine = app_engine
    seeded = await seed(app, reading_days_ago=28)
    me = Customer(app, engine, ME, "en")
    await link(me, "en")
    await update_odometer(me, app)
    [saved] = await me.say("16500")
    assert "16,500" in saved["text"]
    assert (16_500, "customer") in await readings(app, seeded.vehicle_ids[0])
