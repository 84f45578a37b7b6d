"""/settings, /stop, /privacy and /forget through the real Application, in three languages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from telegram.ext import Application

from bot.core.common.locale import Locale
from bot.core.faq import repo as faq_repo
from bot.core.outbox import store as outbox
from bot.core.outbox.store import OutboxItem, message_payload
from bot.db.common.models import ConversationState
from bot.db.faq.models import FaqMiss
from bot.db.garage.models import ServiceVisit, Vehicle
from bot.db.outbox.models import Outbox
from tests.botapi.engine import BotApiEngine
from tests.handlers.garage.helpers import LOCALES, customer_row, label, link, seed, services
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
    return Customer(app, engine, 801, language)


async def test_settings_switch_reminders_and_marketing_separately(
    customer: Customer, locale: Locale, caplog: pytest.LogCaptureFixture
) -> None:
    app = customer.app
    [shown] = await customer.say("/settings")
    assert [text for text, _ in customer.buttons(shown)][:2] == [
        label(app, locale, "settings_reminders_on"), label(app, locale, "settings_marketing_on")
    ]
    assert await customer.press(label(app, locale, "settings_reminders_on")) == []  # the same message, edited
    row = await customer_row(app, customer.user.id)
    assert row is not None and (row.reminders_opt_out, row.marketing_opt_out) == (True, False)
    edited = customer.engine.sent_messages(customer.user.id)[-1]
    assert label(app, locale, "settings_reminders_off") in [text for text, _ in customer.buttons(edited)]
    await customer.press(label(app, locale, "settings_marketing_on"))
    await customer.press(label(app, locale, "settings_reminders_off"))
    row = await customer_row(app, customer.user.id)
    assert row is not None and (row.reminders_opt_out, row.marketing_opt_out) == (False, True)
    old = services(app).callbacks.pack(customer.user.id, "set", "mkt", "off")  # pressed again, already off
    query_id, messages = await customer.press_data(old, edited["message_id"])
    assert messages == [] and customer.engine.callback_answer(query_id) is not None
    assert not any("failed" in record.getMessage() for record in caplog.records)  # "not modified" is no error


async def test_stop_turns_marketing_off_and_says_how_to_undo(customer: Customer) -> None:
    [reply] = await customer.say("/stop")
    assert "/settings" in reply["text"]
    row = await customer_row(customer.app, customer.user.id)
    assert row is not None and row.marketing_opt_out and not row.reminders_opt_out


async def test_privacy_lists_exactly_what_is_stored(customer: Customer, locale: Locale) -> None:
    [nothing_yet] = await customer.say("/privacy")
    assert "/forget" in nothing_yet["text"] and "粤B" not in nothing_yet["text"]
    await seed(customer.app, plates=("粤B12345", "粤B67890"))
    await link(customer, locale)
    [stored] = await customer.say("/privacy")
    text = stored["text"]
    assert "+86138****4417" in text and "8613826514417" not in text  # masked, never in full
    assert "粤B·12345" in text and "粤B·67890" in text and "陳志強" in text and "Mei" in text


async def test_forget_deletes_personal_data_and_keeps_counts(customer: Customer, locale: Locale) -> None:
    app, sessions = customer.app, services(customer.app).sessions
    seeded = await seed(app)
    await link(customer, locale)
    await customer.say("/mycar")
    await customer.press(label(app, locale, "mycar_odo", car="粤B·12345"))  # a flow in progress
    async with sessions.begin() as session:
        item = OutboxItem("reminder:test", "reminder", customer.user.id, message_payload("陳志強，該保養了"))
        await outbox.enqueue_many(session, [item])
        await faq_repo.record_faq_miss(session, "boat parking", "Boat parking?", "en", "fallback", None, 9.0)
    [confirm] = await customer.say("/forget")
    assert "/forget" not in confirm["text"] and len(customer.buttons(confirm)) == 2
    [kept] = await customer.press(label(app, locale, "forget_no"))
    assert await customer_row(app, customer.user.id) is not None and kept["text"]
    await customer.say("/forget")
    [done] = await customer.press(label(app, locale, "forget_yes"))
    assert "1" in done["text"]  # one car unlinked, one waiting message cancelled
    async with sessions() as session:
        owner = await session.scalar(select(Vehicle.customer_id).where(Vehicle.id == seeded.vehicle_ids[0]))
        visits = await session.scalar(select(func.count()).select_from(ServiceVisit))
        rows = (await session.execute(select(Outbox.status, Outbox.chat_id, Outbox.payload))).all()
        states = (await session.execute(select(ConversationState.kind, ConversationState.key))).all()
        misses = (await session.execute(select(FaqMiss.count))).scalars().all()
    bare = await customer_row(app, customer.user.id)  # only the Telegram id, the opt-outs and when they left
    assert bare is not None and bare.forgotten_at is not None
    assert (bare.phone, bare.name, bare.first_name, bare.external_id, bare.consent_at) == (None, None, None, None, None)
    assert owner not in (None, bare.id) and visits == 1 and misses == [1]  # the car stays on the dealer's record
    assert rows == [("dropped", 0, {})] and states == []
    [answer] = await customer.say("16500")  # the odometer question is gone with the rest
    assert "16,500" not in answer["text"]
    [fresh] = await customer.say("/mycar")
    assert "/forget" in fresh["text"]  # the privacy notice again: nothing links this account to the car
    [mine] = [m for m in customer.engine.sent_messages(customer.user.id) if m["message_id"] == confirm["message_id"]]
    assert not mine.get("reply_markup", {}).get("inline_keyboard")  # answered: its buttons are gone
    yes = next(d for text, d in customer.buttons(confirm) if text == label(app, locale, "forget_yes"))
    query_id, again = await customer.press_data(yes, confirm["message_id"])  # a double tap that raced the edit
    assert again == [] and customer.engine.callback_answer(query_id) is not None
