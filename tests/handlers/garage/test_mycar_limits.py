"""/mycar with more cars than one Telegram message holds: every car is shown, over several messages that each
fit (the rule-checking Bot API refuses a text over 4,096 characters), the buttons under the last one."""

from __future__ import annotations

from telegram.ext import Application

from bot.core.common.fit import MAX_TEXT, visible_length
from tests.botapi.engine import BotApiEngine
from tests.handlers.garage.helpers import link, seed
from tests.handlers.harness import Customer


async def test_twenty_cars_all_reach_the_customer(app_engine: tuple[Application, BotApiEngine]) -> None:  # type: ignore[type-arg]
    app, engine = app_engine
    plates = tuple(f"粤B{n:05d}" for n in range(10_000, 10_020))
    await seed(app, plates=plates)
    customer = Customer(app, engine, 702, "en")
    await link(customer, "en")
    shown = await customer.say("/mycar")
    assert len(shown) >= 2  # one message could not hold them
    text = "\n".join(m["text"] for m in shown)
    assert all(f"{plate[2:]}" in text.replace(" ", "").replace("·", "") for plate in plates)
    assert all(visible_length(m["text"], markup=False) <= MAX_TEXT for m in shown)
    assert shown[-1].get("reply_markup") and not any(m.get("reply_markup") for m in shown[:-1])
