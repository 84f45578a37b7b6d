"""What is stored about a customer, their two switches, and forgetting them, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common import customers
from bot.core.faq import repo as faq_repo
from bot.core.garage import records
from bot.core.outbox import store as outbox
from bot.core.outbox.store import OutboxItem, message_payload
from bot.core.privacy import service as privacy
from bot.db.common.base import utcnow
from bot.db.common.models import ConversationState
from bot.db.desk.booking.models import Appointment, SlotUsage
from bot.db.desk.followups.models import FollowUp
from bot.db.desk.handoff.models import Ticket
from bot.db.faq.models import FaqMiss
from bot.db.garage.models import Customer, OdometerReading, ServiceVisit, Vehicle
from bot.db.outbox.models import ChatStatus, Outbox

TZ = ZoneInfo("Asia/Shanghai")
ME, OTHER = 8101, 8102




async def _linked(sessions: async_sessionmaker[AsyncSession], user_id: int, phone: str, plate: str) -> int:
    """An imported customer with a car, two visits and a reading, linked to `user_id` by phone."""
    async with sessions.begin() as session:
        customer = Customer(phone=phone, name="陳志強", external_id=f"C{user_id}")
        session.add(customer)
        await session.flush()
        vehicle = Vehicle(customer_id=customer.id, plate=plate, make="Honda", model="Accord", owner_imported=True)
        session.add(vehicle)
        await session.flush()
        for number, day in ((1, dt.date(2025, 12, 1)), (2, dt.date(2026, 6, 1))):
            session.add(ServiceVisit(visit_no=f"{plate}-{number}", vehicle_id=vehicle.id, visit_date=day,
                                     km=5_000 * number, kind="maintenance"))  # fmt: skip
        session.add(OdometerReading(vehicle_id=vehicle.id, read_on=dt.date(2026, 6, 1), km=10_000, source="visit:2"))
        await customers.touch_customer(session, user_id, user_id, "Mei", "zh-hant")
        await records.record_consent(session, user_id)
    async with sessions.begin() as session:
        linked = await records.link_customer_by_phone(session, user_id, phone)
    assert linked.status == "linked"
    return vehicle.id


async def _traces(sessions: async_sessionmaker[AsyncSession], user_id: int) -> None:
    """What a conversation leaves: outbox rows (pending and sent), flow state, reachability, an FAQ miss."""
    now = utcnow()
    async with sessions.begin() as session:
        items = [
            OutboxItem(f"reminder:{user_id}:{n}", "reminder", user_id, message_payload("你好，陳志強"), now)
            for n in (1, 2)
        ]
        await outbox.enqueue_many(session, items, now)
        [sent] = await outbox.claim_batch(session, 1, "test", now)
        await outbox.mark_sent(session, sent.id, 42, now)
        session.add(ConversationState(kind="user_data", name="", key=str(user_id), data={"mycar_vehicle": 1}))
        session.add(ConversationState(kind="conversation", name="mycar", key=f"[{user_id},{user_id}]", data="x"))
        session.add(ConversationState(kind="user_data", name="", key=str(OTHER), data={"keep": True}))
        session.add(ChatStatus(chat_id=user_id, unreachable_at=None))
        await faq_repo.record_faq_miss(session, "where do i park", "Where do I park?", "en", "fallback", None, 10.0)


async def test_privacy_lists_what_is_stored(sessions: async_sessionmaker) -> None:
    await _linked(sessions, ME, "+8613826514417", "粤B12345")
    await _traces(sessions, ME)
    async with sessions() as session:
        stored = await privacy.stored_about(session, ME, ME, TZ)
        unknown = await privacy.stored_about(session, 424242, 424242, TZ)
    assert unknown == privacy.StoredData(known=False)
    assert (stored.name, stored.phone, stored.dealer_id, stored.first_name) == ("陳志強", "+86138****4417", True, "Mei")
    assert stored.plates == ("粤B·12345",) and (stored.readings, stored.visits) == (1, 2)
    assert (stored.messages_pending, stored.messages_sent, stored.saved_steps) == (1, 1, 2)
    assert stored.consent_on == dt.datetime.now(TZ).date() and stored.preferences == privacy.Preferences(True, True)


async def test_the_two_switches_are_separate(sessions: async_sessionmaker) -> None:
    async with sessions.begin() as session:
        await customers.touch_customer(session, ME, ME, "Mei", "en")
    async with sessions.begin() as session:
        assert await privacy.set_preference(session, ME, "marketing", False) == privacy.Preferences(True, False)
        assert await privacy.set_preference(session, ME, "reminders", False) == privacy.Preferences(False, False)
        assert await privacy.set_preference(session, ME, "marketing", True) == privacy.Preferences(False, True)
    async with sessions() as session:
        row = (await session.execute(select(Customer).where(Customer.telegram_user_id == ME))).scalar_one()
        assert (row.reminders_opt_out, row.marketing_opt_out) == (True, False)
        assert await privacy.preferences(session, 999) == privacy.Preferences(True, True)


async def test_forget_deletes_personal_data_and_keeps_the_dealers_record(sessions: async_sessionmaker) -> None:
    vehicle_id = await _linked(sessions, ME, "+8613826514417", "粤B12345")
    other_vehicle = await _linked(sessions, OTHER, "+8613928740653", "粤B54321")
    await _traces(sessions, ME)
    async with sessions.begin() as session:  # a rated visit with a comment, and an open ticket
        visit = await session.scalar(select(ServiceVisit.id).where(ServiceVisit.vehicle_id == vehicle_id))
        customer_id = await session.scalar(select(Customer.id).where(Customer.telegram_user_id == ME))
        session.add(FollowUp(visit_id=visit, stage=1, due_at=utcnow(), status="answered", rating=2, comment="太慢了"))
        session.add(Ticket(customer_id=customer_id, kind="complaint", trigger="follow_up", context={"c": "太慢了"}))
        day = dt.date(2026, 12, 3)  # a booking holding its three places (the day, the slot, the slot's mode)
        session.add(Appointment(customer_id=customer_id, branch="futian", service_type="maintenance", day=day,
                                slot="09:00", mode="waiting", status="requested"))  # fmt: skip
        for slot, mode in (("*", "*"), ("09:00", "*"), ("09:00", "waiting")):
            session.add(SlotUsage(branch="futian", day=day, slot=slot, mode=mode, capacity=4, used=1))
    async with sessions.begin() as session:
        report = await privacy.forget(session, ME, ME)
    assert report == privacy.ForgetReport(True, 1, 1, 2, 2, withdrawn=(1,), record_kept=True, cars_kept=1)
    async with sessions() as session:
        assert (await session.execute(select(FollowUp.rating, FollowUp.comment))).all() == [(2, None)]
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 0
        assert (await session.scalars(select(SlotUsage.used))).all() == [0, 0, 0]  # the places are free again
        assert await session.scalar(select(func.count()).select_from(Appointment)) == 0
    async with sessions() as session:
        remaining = (await session.execute(select(Customer.telegram_user_id, Customer.phone))).all()
        owners = dict((await session.execute(select(Vehicle.id, Vehicle.customer_id))).all())
        visits = await session.scalar(select(func.count()).select_from(ServiceVisit))
        readings = await session.scalar(select(func.count()).select_from(OdometerReading))
        rows = (await session.execute(select(Outbox.status, Outbox.chat_id, Outbox.payload, Outbox.last_error))).all()
        states = (await session.execute(select(ConversationState.key))).scalars().all()
        chats = (await session.execute(select(ChatStatus.chat_id))).scalars().all()
        misses = (await session.execute(select(FaqMiss.count))).scalars().all()
        after = await privacy.stored_about(session, ME, ME, TZ)
    # The other customer is untouched; of this one a bare row is left (their opt-outs, nothing else), and the
    # dealer's imported record, with its phone and car, linked to no Telegram account.
    assert sorted(remaining, key=str) == [(ME, None), (OTHER, "+8613928740653"), (None, "+8613826514417")]
    async with sessions() as session:
        record = (await session.execute(select(Customer).where(Customer.phone == "+8613826514417"))).scalar_one()
    assert (record.name, record.external_id, record.chat_id, record.first_name) == ("陳志強", f"C{ME}", None, None)
    assert owners[vehicle_id] == record.id and owners[other_vehicle] not in (None, record.id)
    assert (visits, readings) == (4, 2)  # the cars' history stays, anonymous
    assert sorted((status, chat, payload) for status, chat, payload, _ in rows) == [("dropped", 0, {}), ("sent", 0, {})]
    assert [error for status, *_, error in rows if status == "dropped"] == [privacy.FORGOTTEN]
    assert states == [str(OTHER)] and chats == [] and misses == [1]
    assert after == privacy.StoredData(known=False, forgotten=True)
    async with sessions.begin() as session:
        again = await privacy.forget(session, ME, ME)  # nothing left: harmless
    assert again == privacy.ForgetReport(False, 0, 0, 0, 0)


def test_phones_are_masked() -> None:
    assert privacy.mask_phone("+8613826514417") == "+86138****4417"
    assert privacy.mask_phone("+85291234567") == "+852****4567"
