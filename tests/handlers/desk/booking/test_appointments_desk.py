"""After booking: /appointments with reschedule and cancel, the advisors' card and buttons (and who may press
them), "done" recording a visit, and the day-before reminder task driven by its own clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram import InlineKeyboardMarkup
from telegram.ext import Application

from bot.core.common.customers import touch_customer
from bot.core.desk.booking.reminders import day_before_reminders
from bot.core.desk.booking.service import BookingDesk, NewBooking
from bot.core.services import Services
from bot.db.desk.booking.models import Appointment, SlotUsage
from bot.db.garage.models import Customer as CustomerRow
from bot.db.garage.models import ServiceVisit, Vehicle
from bot.db.outbox.models import Outbox
from bot.handlers.desk.booking.advisors import CLOCK
from scheduler.desk import tasks
from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.booking.test_appointments import labels, next_week, services_of, slot_labels, stored
from tests.handlers.desk_harness import GROUP_ID, Desk, build_desk, last_with_buttons
from tests.handlers.harness import Customer

USER, OTHER = 701, 702


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


async def add_car(services: Services, user_id: int, plate: str) -> int:
    async with services.sessions.begin() as session:
        owner = CustomerRow(telegram_user_id=user_id, chat_id=user_id, first_name="Mei", language_code="en")
        session.add(owner)
        await session.flush()
        car = Vehicle(customer_id=owner.id, plate=plate, make="Toyota", model="Corolla")
        session.add(car)
        await session.flush()
        return car.id


async def bring_forward_to_today(services: Services) -> None:
    """The appointments' day comes (arrived / no-show / done are refused before it)."""
    async with services.sessions.begin() as session:
        for appointment in (await session.execute(select(Appointment))).scalars():
            appointment.day = dt.datetime.now(services.settings.tz).date()


def last_popup(engine: BotApiEngine) -> dict[str, Any]:
    """The answer to the last button pressed (the popup an advisor sees)."""
    return list(engine.callback_queries.values())[-1]["answer"] or {}


async def book(customer: Customer, slot: str = "08:30", car: str = "粤B·12345") -> dict[str, Any]:
    """Book next Tuesday at Nanshan, waiting, with the car on record; returns the confirmation."""
    await customer.say("/book")
    await customer.press("Repair")
    await customer.press("Nanshan")
    await customer.press(car)
    await customer.say("next Tuesday")
    await customer.press(slot)
    await customer.press("I'll wait")
    await customer.press("Skip")
    await customer.say("13800138000")
    [done] = await customer.press("Confirm booking")
    return done


async def test_the_desk_gets_a_card_and_advisors_confirm_mark_arrival_and_done(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, desk = desk_app
    services = services_of(app)
    car = await add_car(services, USER, "粤B12345")
    customer = Customer(app, engine, USER, "en")
    await book(customer)
    [card] = desk.group_messages()
    assert "新預約" in card["text"] and "粤B·12345" in card["text"] and "待服務顧問確認" in card["text"]
    assert "確認" in " ".join(labels(card)) and "完成" not in " ".join(labels(card))
    await desk.advisor.press("確認")
    [appointment] = await stored(services)
    assert appointment.status == "confirmed" and appointment.confirmed_by == desk.advisor.id
    edited = engine.message(GROUP_ID, card["message_id"])
    assert edited is not None and "已確認" in edited["text"] and "Alex" in edited["text"]
    async with services.sessions() as session:
        notice = (await session.execute(select(Outbox).where(Outbox.chat_id == USER))).scalar_one()
    assert notice.kind == "notice" and "is confirmed" in notice.payload["text"]  # told, through the outbox
    await bring_forward_to_today(services)
    await desk.advisor2.press("已到店", message=engine.message(GROUP_ID, card["message_id"]))
    await desk.advisor2.press("完成", message=engine.message(GROUP_ID, card["message_id"]))
    [appointment] = await stored(services)
    assert appointment.status == "done"
    async with services.sessions() as session:
        visit = (await session.execute(select(ServiceVisit))).scalar_one()
    assert (visit.visit_no, visit.vehicle_id, visit.kind, visit.km, visit.completed) == (
        f"CB-A{appointment.id}", car, "repair", None, True)  # fmt: skip
    final = engine.message(GROUP_ID, card["message_id"])
    assert final is not None and "CB-A" in final["text"] and not labels(final)


async def test_only_advisors_in_the_group_may_press_and_forged_data_is_refused(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, desk = desk_app
    services = services_of(app)
    await add_car(services, USER, "粤B12345")
    customer = Customer(app, engine, USER, "en")
    await book(customer)
    card = last_with_buttons(engine, GROUP_ID)
    confirm = next(b["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for b in row
                   if "確認" in b["text"])  # fmt: skip
    await desk.outsider.press("確認")
    await desk.marketing.press("確認")
    appointment_id = (await stored(services))[0].id
    forged = services.callbacks.pack(USER, "appt", "confirm", str(appointment_id))  # signed for the customer
    query_id, _ = await customer.press_data(forged)
    assert (engine.callback_answer(query_id) or {}).get("show_alert") is True
    query_id, _ = await customer.press_data(confirm)  # the group's genuine data, replayed in private
    assert (engine.callback_answer(query_id) or {}).get("show_alert") is True
    await desk.advisor.press_data(f"appt:confirm:{appointment_id}:AAAAAAAA", card["message_id"])
    assert [a.status for a in await stored(services)] == ["requested"]
    await desk.advisor.press("確認")
    await desk.advisor.press_data(confirm, card["message_id"])  # a second press changes nothing
    assert [(a.status, a.confirmed_by) for a in await stored(services)] == [("confirmed", desk.advisor.id)]


async def test_appointments_lists_reschedules_and_cancels_only_the_customers_own(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, desk = desk_app
    services = services_of(app)
    await add_car(services, USER, "粤B12345")
    await add_car(services, OTHER, "粤B67890")
    customer, other = Customer(app, engine, USER, "en"), Customer(app, engine, OTHER, "en")
    await book(customer, "08:30")
    await book(other, "10:00", car="粤B·67890")
    mine, theirs = await stored(services)
    [listing] = await customer.say("/appointments")
    assert f"#{mine.id}" in listing["text"] and f"#{theirs.id}" not in listing["text"]
    not_theirs = services.callbacks.pack(USER, "bk", "cancel", str(theirs.id))  # a genuine signature
    signed_for_another = services.callbacks.pack(OTHER, "bk", "resched", str(mine.id))
    for data in (not_theirs, signed_for_another):
        query_id, replies = await customer.press_data(data)
        assert replies == [] and (engine.callback_answer(query_id) or {}).get("show_alert") is True
    await customer.press("Reschedule")
    [slots] = await customer.say("next Tuesday")
    assert "10:00" not in slot_labels(slots)  # the other customer has 10:00's one waiting place
    [summary] = await customer.press("13:30")
    assert f"#{mine.id}" in summary["text"] and "13:30" in summary["text"]
    async with services.sessions() as session:
        held = {(r.slot, r.mode): r.used for r in (await session.execute(select(SlotUsage))).scalars()}
    assert held[("08:30", "waiting")] == 1  # the old place is kept until the move is confirmed
    [moved] = await customer.press("Confirm new time")
    assert "13:30" in moved["text"]
    assert "改期" in desk.group_messages()[-1]["text"]
    async with services.sessions() as session:
        held = {(r.slot, r.mode): r.used for r in (await session.execute(select(SlotUsage))).scalars()}
    assert held[("08:30", "waiting")] == 0 and held[("13:30", "waiting")] == 1 and held[("*", "*")] == 2
    await customer.say("/appointments")
    [reason] = await customer.press("Cancel booking")
    assert "Why are you cancelling" in reason["text"]
    [cancelled] = await customer.say("my car was fixed by the roadside")
    assert "cancelled" in cancelled["text"]
    mine, theirs = await stored(services)
    assert (mine.status, mine.cancel_reason, theirs.status) == ("cancelled", "my car was fixed by the roadside",
                                                                "requested")  # fmt: skip
    assert "取消" in desk.group_messages()[-1]["text"]
    [empty] = await customer.say("/appointments")
    assert "no upcoming appointments" in empty["text"]
    await other.say("/appointments")
    await other.press("Cancel booking")
    [done] = await other.press("The time doesn't suit me")
    assert "cancelled" in done["text"] and (await stored(services))[1].cancel_reason == "時間不方便"


async def test_the_day_before_reminder_is_enqueued_once_outside_quiet_hours_and_its_buttons_work(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, desk = desk_app
    services = services_of(app)
    await add_car(services, USER, "粤B12345")
    customer = Customer(app, engine, USER, "en")
    await book(customer)
    [appointment] = await stored(services)
    assert "appointment_day_before" in dict(tasks())
    tz = services.settings.tz
    eve = dt.datetime.combine(appointment.day - dt.timedelta(days=1), dt.time(9, 59), tzinfo=tz)
    assert await day_before_reminders(services, eve) == 0  # not yet: due at 10:00 the day before
    due = eve + dt.timedelta(minutes=1)
    assert await day_before_reminders(services, due) == 1
    assert await day_before_reminders(services, due + dt.timedelta(hours=3)) == 0  # once per appointment
    async with services.sessions() as session:
        row = (await session.execute(select(Outbox).where(Outbox.kind == "reminder"))).scalar_one()
    assert row.idempotency_key == f"appointment:{appointment.id}:day_before" and row.chat_id == USER
    assert "tomorrow" in row.payload["text"] and "08:30" in row.payload["text"]
    markup = InlineKeyboardMarkup.de_json(row.payload["reply_markup"], app.bot)
    await app.bot.send_message(USER, row.payload["text"], reply_markup=markup)
    customer._new()
    [thanks] = await customer.press("I'll be there")  # pressed later: still works
    assert "See you" in thanks["text"] and "客戶確認會到" in desk.group_messages()[-1]["text"]
    await customer.press_data(row.payload["reply_markup"]["inline_keyboard"][0][1]["callback_data"])
    [slots] = await customer.say("next Wednesday")
    assert slot_labels(slots)


async def test_the_reminder_waits_for_the_end_of_quiet_hours(tmp_path: Path) -> None:
    app, engine, _ = await build_desk(tmp_path, appointment_reminder_time="22:00")
    async with app:
        services = services_of(app)
        await add_car(services, USER, "粤B12345")
        customer = Customer(app, engine, USER, "en")
        await book(customer)
        [appointment] = await stored(services)
        tz = services.settings.tz
        due = dt.datetime.combine(appointment.day - dt.timedelta(days=1), dt.time(22, 0), tzinfo=tz)
        if appointment.created_at.replace(tzinfo=dt.UTC) >= due:
            pytest.skip("booked after the reminder time (the test ran late on the day before)")
        assert await day_before_reminders(services, due) == 1
        async with services.sessions() as session:
            row = (await session.execute(select(Outbox).where(Outbox.kind == "reminder"))).scalar_one()
        not_before = row.not_before.replace(tzinfo=dt.UTC).astimezone(tz)
        assert (not_before.date(), not_before.time()) == (appointment.day, dt.time(8, 30))


async def test_a_cancelled_or_past_appointment_gets_no_reminder(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, _ = desk_app
    services = services_of(app)
    await add_car(services, USER, "粤B12345")
    customer = Customer(app, engine, USER, "en")
    await book(customer)
    [appointment] = await stored(services)
    tz = services.settings.tz
    after_start = dt.datetime.combine(appointment.day, dt.time(9, 0), tzinfo=tz)
    assert await day_before_reminders(services, after_start) == 0
    await customer.say("/appointments")
    await customer.press("Cancel booking")
    [asked] = await customer.press("Another reason")  # asks for the reason instead of cancelling at once
    assert "type the reason" in asked["text"] and labels(asked) == ["↩️ Back"]  # back to the listed reasons
    assert [a.status for a in await stored(services)] == ["requested"]
    [cancelled] = await customer.say("selling the car")  # the reason, not a question for the FAQ
    assert "cancelled" in cancelled["text"]
    assert [(a.status, a.cancel_reason) for a in await stored(services)] == [("cancelled", "selling the car")]
    due = dt.datetime.combine(appointment.day - dt.timedelta(days=1), dt.time(10, 0), tzinfo=tz)
    assert await day_before_reminders(services, due) == 0
    assert next_week(services, 1) == appointment.day
    async with services.sessions() as session:
        assert (await session.execute(select(Appointment.status))).scalar_one() == "cancelled"


async def test_a_move_withdraws_the_unsent_reminder_and_the_new_day_gets_its_own(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, _ = desk_app
    services = services_of(app)
    await add_car(services, USER, "粤B12345")
    customer = Customer(app, engine, USER, "en")
    await book(customer)
    [appointment] = await stored(services)
    tz = services.settings.tz
    due = dt.datetime.combine(appointment.day - dt.timedelta(days=1), dt.time(10, 0), tzinfo=tz)
    assert await day_before_reminders(services, due) == 1
    await customer.say("/appointments")
    await customer.press("Reschedule")
    await customer.say("next Wednesday")
    await customer.press("10:00")
    await customer.press("Confirm new time")
    async with services.sessions() as session:
        assert (await session.execute(select(Outbox).where(Outbox.kind == "reminder"))).first() is None
    [moved] = await stored(services)
    assert moved.day == appointment.day + dt.timedelta(days=1) and moved.status == "requested"
    assert await day_before_reminders(services, due) == 0  # not due yet for the new day
    assert await day_before_reminders(services, due + dt.timedelta(days=1)) == 1
    async with services.sessions() as session:
        row = (await session.execute(select(Outbox).where(Outbox.kind == "reminder"))).scalar_one()
    assert "10:00" in row.payload["text"]


async def test_auto_confirm_and_the_linked_phone(tmp_path: Path) -> None:
    app, engine, desk = await build_desk(tmp_path, appointment_auto_confirm=True)
    async with app:
        services = services_of(app)
        await add_car(services, USER, "粤B12345")
        async with services.sessions.begin() as session:
            owner = (await session.execute(select(CustomerRow))).scalar_one()
            owner.phone = "+8613912345678"
        customer = Customer(app, engine, USER, "zh-hans")
        await customer.say("/book")
        await customer.press("维修")
        await customer.press("南山")
        await customer.press("粤B·12345")
        await customer.say("下周二")
        await customer.press("08:30")
        await customer.press("留车")
        [phone] = await customer.press("跳过")
        assert "+8613912345678" in phone["text"]
        await customer.press("+8613912345678")
        [done] = await customer.press("确认预约")
        assert "预约已确认" in done["text"]
        [appointment] = await stored(services)
        assert (appointment.status, appointment.phone, appointment.mode) == ("confirmed", "+8613912345678", "drop_off")
        [card] = desk.group_messages()
        assert "已確認" in card["text"] and "確認" not in " ".join(labels(card))  # nothing left to confirm


async def test_a_supervisor_may_act_and_done_without_a_car_on_record_records_no_visit(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, desk = desk_app
    services = services_of(app)
    customer = Customer(app, engine, USER, "en")
    await customer.say("/book")
    await customer.press("Repair")
    await customer.press("Futian")
    await customer.say("AB 1234")  # a plate typed, no car on record
    await customer.say("next Tuesday")
    await customer.press(":")
    await customer.press("Drop the car off")
    await customer.press("Skip")
    await customer.say("13800138000")
    await customer.press("Confirm booking")
    await bring_forward_to_today(services)
    await desk.supervisor.press("已到店")  # supervisors are advisors too
    await desk.supervisor.press("完成")
    [appointment] = await stored(services)
    assert appointment.status == "done" and appointment.vehicle_id is None
    async with services.sessions() as session:
        assert (await session.execute(select(ServiceVisit))).first() is None
    assert "未建立服務記錄" in desk.group_messages()[-1]["text"]


async def test_arrival_no_show_and_done_wait_for_the_day_and_a_no_show_is_told_to_the_customer(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, desk = desk_app
    services = services_of(app)
    await add_car(services, USER, "粤B12345")
    customer = Customer(app, engine, USER, "en")
    await book(customer)  # next Tuesday: at least two days ahead
    [appointment] = await stored(services)
    await desk.advisor.press("確認")  # confirming ahead is fine
    for button in ("已到店", "未到店", "完成"):
        await desk.advisor.press(button)
        popup = last_popup(engine)
        assert popup.get("show_alert") is True and "還沒到當天" in popup.get("text", ""), button
        assert f"{appointment.day.month}月{appointment.day.day}日" in popup["text"]
    assert [a.status for a in await stored(services)] == ["confirmed"]
    async with services.sessions() as session:
        told = select(Outbox).where(Outbox.chat_id == USER)  # the desk's card is an outbox row too
        kinds = [n.payload["text"] for n in (await session.execute(told)).scalars()]
    assert len(kinds) == 1 and "is confirmed" in kinds[0]  # nothing told for the refused presses
    await bring_forward_to_today(services)
    today = dt.datetime.now(services.settings.tz).date()
    app.bot_data[CLOCK] = lambda: dt.datetime.combine(today, dt.time(8, 29), tzinfo=services.settings.tz)
    await desk.advisor.press("未到店")  # the day, but a minute before its 08:30: the customer may be on the way
    popup = last_popup(engine)
    assert popup.get("show_alert") is True and "08:30" in popup.get("text", "") and "時間還沒到" in popup["text"]
    assert [a.status for a in await stored(services)] == ["confirmed"]
    async with services.sessions() as session:
        assert len(list((await session.execute(select(Outbox).where(Outbox.chat_id == USER))).scalars())) == 1
    app.bot_data[CLOCK] = lambda: dt.datetime.combine(today, dt.time(8, 31), tzinfo=services.settings.tz)
    await desk.advisor.press("未到店")
    assert [a.status for a in await stored(services)] == ["no_show"]
    async with services.sessions() as session:
        notices = list((await session.execute(select(Outbox).where(Outbox.chat_id == USER))).scalars())
    told = notices[-1].payload["text"]
    assert notices[-1].kind == "notice" and "We missed you" in told and "/book" in told  # in the customer's English



MOVED = {  # language code → (typed day, "moved" in the customer's words, "from … to …" with {old} {new})
    "zh-hant": ("下週二", "已改期", "由 {old} 08:30 改到 {new} 13:30"),
    "zh-hans": ("下周二", "已改期", "由 {old} 08:30 改到 {new} 13:30"),
    "en": ("next Tuesday", "is moved", "moved from {old}, 08:30 to {new}, 13:30"),
}
WEEKDAYS = {
    "zh-hant": [f"週{d}" for d in "一二三四五六日"],
    "zh-hans": [f"周{d}" for d in "一二三四五六日"],
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
}


def day_words(language_code: str, day: dt.date) -> str:
    """A day as the booking's messages show it in that language."""
    weekday = WEEKDAYS[language_code][day.weekday()]
    return f"{weekday} {day.day} {day:%B}" if language_code == "en" else f"{day.month}月{day.day}日（{weekday}）"


async def booked_next_tuesday(services: Services, language_code: str) -> dt.date:
    """A customer speaking `language_code` with a repair booked for next Tuesday 08:30 at Nanshan (not yet
    confirmed); returns that Tuesday."""
    tuesday = next_week(services, 1)
    async with services.sessions.begin() as session:
        await touch_customer(session, USER, USER, "Mei", language_code)
    await BookingDesk(services.sessions, services.dealer, auto_confirm=False).book(
        USER, NewBooking("nanshan", "repair", tuesday, "08:30", "waiting"))
    return tuesday


@pytest.mark.parametrize("language_code", list(MOVED))
async def test_a_move_is_announced_as_moved_from_the_old_time_to_the_new_to_customer_and_desk(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
    language_code: str,
) -> None:
    app, engine, desk = desk_app
    services = services_of(app)
    tuesday = await booked_next_tuesday(services, language_code)
    customer = Customer(app, engine, USER, language_code)
    typed_day, moved_word, moved_line = MOVED[language_code]
    await customer.say("/appointments")
    await customer.press("🔁")
    await customer.say(typed_day)
    [summary] = await customer.press("13:30")
    line = moved_line.format(old=day_words(language_code, tuesday), new=day_words(language_code, tuesday))
    assert line.lower() in summary["text"].lower()  # the summary already says what moves where
    [moved] = await customer.press("✅")
    assert moved_word in moved["text"] and line in moved["text"]
    assert "已收到" not in moved["text"] and "We have your booking" not in moved["text"]
    card = desk.group_messages()[-1]["text"]
    old_and_new = f"由 {day_words('zh-hant', tuesday)} 08:30 改到 {day_words('zh-hant', tuesday)} 13:30"
    assert "預約改期" in card and old_and_new in card


CONFIRM = {  # language code → (the reschedule's confirm button, a new booking's)
    "zh-hant": ("✅ 確認改期", "✅ 確認預約"),
    "zh-hans": ("✅ 确认改期", "✅ 确认预约"),
    "en": ("✅ Confirm new time", "✅ Confirm booking"),
}


@pytest.mark.parametrize("language_code", list(CONFIRM))
async def test_a_reschedule_is_confirmed_with_a_confirm_new_time_button(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
    language_code: str,
) -> None:
    app, engine, _ = desk_app
    services = services_of(app)
    await booked_next_tuesday(services, language_code)
    customer = Customer(app, engine, USER, language_code)
    move, book_new = CONFIRM[language_code]
    await customer.say("/appointments")
    await customer.press("🔁")
    await customer.say(MOVED[language_code][0])
    [summary] = await customer.press("13:30")
    assert move in labels(summary) and book_new not in labels(summary), labels(summary)
    [moved] = await customer.press(move)
    assert MOVED[language_code][1] in moved["text"]
    [appointment] = await stored(services)
    assert appointment.slot == "13:30"


async def test_asking_to_move_or_cancel_a_booking_offers_my_appointments(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    """The FAQ's answers on moving and cancelling a booking lead to the booking's own Reschedule and Cancel buttons
    (they offered "Book now", which made a second booking, or an advisor)."""
    app, engine, _ = desk_app
    services = services_of(app)
    await add_car(services, USER, "粤B12345")
    customer = Customer(app, engine, USER, "en")
    await book(customer, "08:30")
    mine = (await stored(services))[0]
    for question in ("I need to move my booking to another day", "cancel my appointment"):
        [answer] = await customer.say(question)
        labels = [label for label, _ in customer.buttons(answer)]
        assert "🗓️ My appointments" in labels and "📅 Book now" not in labels, labels
        [listing] = await customer.press("My appointments")
        assert f"#{mine.id}" in listing["text"]
        shown = {label for label, _ in customer.buttons(listing)}
        assert {f"🔁 Reschedule #{mine.id}", f"❌ Cancel booking #{mine.id}"} <= shown, shown
