"""/forget erases what the customer gave the bot and their Telegram identity, and leaves the dealer's own
records (its customer record with phone, name and dealer id, the cars its import linked to that phone, their
visits) as the import left them: sharing the same phone again finds the cars again. A customer the bot knows
only from the chat (no dealer record) is deleted outright; the car they registered stays linked to no one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from telegram.ext import Application

from bot.core.imports.importer import import_csv
from bot.db.common.base import Base
from bot.db.faq.models import FaqLearned
from bot.db.garage.models import Customer, OdometerReading, ServiceVisit, Vehicle
from bot.db.reminders.models import ReminderSnooze
from tests.botapi.engine import BotApiEngine
from tests.handlers.garage.helpers import label, link, services, texts, today
from tests.handlers.harness import Customer as Chat

USER = 7_930_451  # distinctive: searched for in every table
PHONE, DIGITS = "+8613826514417", "13826514417"


async def import_dealer_records(app: Application, folder: Path) -> None:  # type: ignore[type-arg]
    """The dealer's CSV exports, through the real importer: a customer, their car, a visit."""
    day = today(app)
    files = {
        "customers": "客戶編號,姓名,手機\nDMS-0001,陳志強,138 2651 4417\n",
        "vehicles": "phone,plate,make,model,delivery_date\n"
        f"138 2651 4417,粤B·A7453,Honda,Accord,{day - dt.timedelta(days=365)}\n",
        "visits": f"工单号,车牌,日期,里程,类型\nRO-1,粤B·A7453,{day - dt.timedelta(days=30)},9000,保养\n",
    }
    for kind, text in files.items():
        path = folder / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        report = await import_csv(services(app).sessions, kind, path, region="CN", today=day)
        assert report.rejected == 0, report.rejections


async def rows(app: Application, table: str) -> list[dict[str, object]]:  # type: ignore[type-arg]
    async with services(app).sessions() as session:
        found = await session.execute(select(Base.metadata.tables[table]))
        return [dict(row._mapping) for row in found]


async def everything_stored(app: Application, *, but: set[str] = frozenset()) -> str:  # type: ignore[assignment,type-arg]
    """Every row of every table but `but`, as text."""
    dump = []
    for table in Base.metadata.sorted_tables:
        if table.name not in but:
            dump += [f"{table.name}: {row!r}" for row in await rows(app, table.name)]
    return "\n".join(dump)


async def test_forget_keeps_the_dealers_record_and_sharing_the_phone_again_finds_the_car(
    app_engine: tuple[Application, BotApiEngine], tmp_path: Path  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    await import_dealer_records(app, tmp_path)
    me = Chat(app, engine, USER, "en")
    assert "Found your record with us: 1 car" in texts(await link(me, "en"))
    await me.press(label(app, "en", "mycar_odo", car="粤B·A7453"))
    await me.say("9500")  # a reading they typed: theirs, it goes
    await me.say("/stop")
    async with services(app).sessions.begin() as session:  # a snooze they chose, a question staff reviewed
        car_id = await session.scalar(select(Vehicle.id))
        session.add(ReminderSnooze(vehicle_id=car_id, kind="insurance", until=today(app) + dt.timedelta(days=7)))
        session.add(FaqLearned(normalized="boat parking", question="Boat parking?", lang="en", entry_id="parking",
                               source="suggestion", status="accepted", asked_by=USER))  # fmt: skip
    [confirm] = await me.say("/forget")
    assert "our own customer record" in confirm["text"]
    assert "no longer linked to your Telegram account" in confirm["text"]
    [done, *_] = await me.press(label(app, "en", "forget_yes"))
    assert "1 car unlinked from your Telegram account" in done["text"]
    assert 'share the same phone number in "My car" again, it is found again' in done["text"], done["text"]

    # What is left: the bare row of the Telegram account (its opt-out only) and the dealer's record as imported.
    customers = sorted(await rows(app, "customer"), key=lambda row: row["telegram_user_id"] is None)
    bare, record = customers
    assert (bare["telegram_user_id"], bare["phone"], bare["name"], bare["first_name"]) == (USER, None, None, None)
    assert bare["forgotten_at"] is not None and bare["marketing_opt_out"] and bare["external_id"] is None
    assert (record["phone"], record["name"], record["external_id"]) == (PHONE, "陳志強", "DMS-0001")
    assert (record["telegram_user_id"], record["chat_id"], record["first_name"], record["language_code"],
            record["consent_at"], record["forgotten_at"]) == (None, None, None, None, None, None)  # fmt: skip
    [car] = await rows(app, "vehicle")
    assert car["customer_id"] == record["id"] and car["owner_imported"]
    assert [(r["km"], r["source"]) for r in await rows(app, "odometer_reading")] == [(9000, "visit:RO-1")]
    assert len(await rows(app, "service_visit")) == 1
    for table in ("conversation_state", "chat_status", "faq_miss", "ticket", "appointment", "reminder_snooze"):
        assert await rows(app, table) == [], table
    assert [(r["question"], r["asked_by"]) for r in await rows(app, "faq_learned")] == [("Boat parking?", None)]
    # The Telegram id is on the bare row only (their opt-out): in no other table, no other column.
    assert str(USER) not in await everything_stored(app, but={"customer"})
    assert str(USER) not in repr(record) and str(USER) not in repr({**bare, "telegram_user_id": None})
    assert [(o["chat_id"], o["payload"]) for o in await rows(app, "outbox")] in ([], [(0, {})])
    # The phone is on the dealer's record only; the Telegram name nowhere.
    assert DIGITS not in await everything_stored(app, but={"customer"}) and "Mei" not in await everything_stored(app)

    [privacy] = await me.say("/privacy")  # says what the bare row holds, not "nothing at all"
    assert "your account id only" in privacy["text"] and "offers off" in privacy["text"], privacy["text"]
    assert "Nothing at all" not in privacy["text"] and "陳志強" not in privacy["text"]

    # The same person starts again and shares the same phone: the dealer's car is found again.
    shown = texts(await link(me, "en"))
    assert "Found your record with us: 1 car" in shown and "粤B·A7453" in shown
    async with services(app).sessions() as session:
        mine = (await session.execute(select(Customer).where(Customer.telegram_user_id == USER))).scalar_one()
        owner = await session.scalar(select(Vehicle.customer_id))
        visits = await session.scalar(select(ServiceVisit.vehicle_id))
    assert (mine.phone, mine.name, mine.external_id, owner) == (PHONE, "陳志強", "DMS-0001", mine.id)
    assert mine.marketing_opt_out and visits is not None  # their /stop held; the history is the car's


async def test_forget_deletes_a_customer_the_bot_made_and_unlinks_the_car_they_registered(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    me = Chat(app, engine, USER, "en")
    await link(me, "en")  # no dealer record for this phone
    await me.press(label(app, "en", "mycar_add"))
    await me.say("粤B 24680")
    await me.press("Toyota")
    await me.say("Corolla")
    await me.say((today(app) - dt.timedelta(days=200)).isoformat())
    await me.say("12000")
    await me.say("/forget")
    [done, *_] = await me.press(label(app, "en", "forget_yes"))
    assert "Only anonymous counts are kept" in done["text"] and "our own customer record" not in done["text"]
    [bare] = await rows(app, "customer")
    assert (bare["telegram_user_id"], bare["phone"], bare["first_name"]) == (USER, None, None)
    [car] = await rows(app, "vehicle")
    assert car["customer_id"] is None and not car["owner_imported"]
    assert await rows(app, "odometer_reading") == []  # the reading they typed
    assert DIGITS not in await everything_stored(app) and "Mei" not in await everything_stored(app)
    # Sharing the phone again finds nothing: what they gave the bot is gone.
    assert "no car on file" in texts(await link(me, "en"))
    async with services(app).sessions() as session:
        assert await session.scalar(select(OdometerReading.id)) is None
