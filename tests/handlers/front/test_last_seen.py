"""A customer's last-seen time is buffered while the bot runs and written by the application's shutdown; what
the reply depends on (the script they write in) is stored at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from bot.core.services import Services
from bot.db.garage.models import Customer as CustomerRow
from tests.handlers.harness import Customer, build


def naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


async def row(services: Services, user_id: int) -> CustomerRow:
    async with services.sessions() as session:
        query = select(CustomerRow).where(CustomerRow.telegram_user_id == user_id)
        return (await session.execute(query)).scalar_one()


async def test_the_last_seen_time_waits_in_memory_and_is_written_at_shutdown(tmp_path: Path) -> None:
    app, engine = await build(tmp_path)
    services: Services = app.bot_data["services"]
    async with app:
        customer = Customer(app, engine, 501, "zh-hant")
        [first] = await customer.say("三包有效期是多久")
        created = await row(services, 501)  # a first contact is stored at once
        assert "三包有效期" in first["text"] and created.last_locale == "zh-Hant"
        [again] = await customer.say("三包有效期是多久")
        assert again["text"] == first["text"]
        buffered = services.seen.pending[501]  # nothing new but the time: buffered
        assert naive((await row(services, 501)).last_seen_at) == naive(created.last_seen_at)
        [english] = await customer.say("how often should i service my car")
        assert "whichever comes first" in english["text"]
        through = await row(services, 501)
        assert through.last_locale == "en"  # a new script is written at once, the time with it
        assert naive(through.last_seen_at) > naive(buffered)
        [later] = await customer.say("how often should i service my car")
        assert later["text"] == english["text"]
        last = services.seen.pending[501]
        assert naive((await row(services, 501)).last_seen_at) == naive(through.last_seen_at)
    assert services.seen.pending == {}
    stored = await row(services, 501)
    await services.engine.dispose()
    assert naive(stored.last_seen_at) == naive(last)
