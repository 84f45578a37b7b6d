"""Changing one's mind in the booking flow, through the real Application: a day, a time or a service typed at
a later question is taken (the questions that depend on it come again, the rest is kept), and "↩️ Back" is on
every question of a move, a cancellation and a reminder's "book now", going back to where the customer came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from telegram.ext import Application

from bot.core.common.customers import touch_customer
from bot.core.desk.booking.service import BookingDesk, NewBooking
from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.booking.test_appointments import labels, next_week, services_of, slot_labels, stored, today
from tests.handlers.desk.booking.test_appointments_desk import add_car, day_words
from tests.handlers.harness import Customer

USER = 701
BACK = "↩️"


@dataclass(frozen=True)
class Words:
    language_code: str
    service: str
    branch: str
    plate: str
    wait: str
    skip: str
    repair: str  # typed at the summary: the service changes
    repair_shown: str
    confirm: str
    afternoon: str  # appended to a typed day


WORDS = {
    "zh-Hant": Words("zh-hant", "定期保養", "南山", "粵B 12345", "現場等候", "略過", "維修", "🔧 服務：維修",
                     "確認預約", "下午"),
    "zh-Hans": Words("zh-hans", "定期保养", "南山", "粤B12345", "现场等候", "跳过", "维修", "🔧 服务：维修",
                     "确认预约", "下午"),
    "en": Words("en", "Maintenance", "Nanshan", "粤B12345", "I'll wait", "Skip", "repair", "Service: Repair",
                "Confirm booking", "afternoon"),
}  # fmt: skip


def typed_day(language_code: str, day: dt.date, part: str = "") -> str:
    """A day as a customer types it: "12/16 下午" in Chinese, "16 Dec afternoon" in English."""
    words = f"{day.day} {day:%b}" if language_code == "en" else f"{day.month}/{day.day}"
    return f"{words} {part}".strip()


@pytest.mark.parametrize("locale", list(WORDS))
async def test_a_day_time_or_service_typed_at_a_later_question_is_taken(
    app_engine: tuple[Application, BotApiEngine], locale: str  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    services, w = services_of(app), WORDS[locale]
    customer = Customer(app, engine, USER, w.language_code)
    await customer.say("/book")
    await customer.press(w.service)
    await customer.press(w.branch)
    [day_question] = await customer.say(w.plate)
    example = today(services) + dt.timedelta(days=3)  # the prompt's example is a day that can be booked
    assert typed_day(w.language_code, example) in day_question["text"] and "12/3" not in day_question["text"]
    tuesday, wednesday, thursday = (next_week(services, d) for d in (1, 2, 3))
    await customer.say(typed_day(w.language_code, tuesday))
    [wednesday_pm] = await customer.say(typed_day(w.language_code, wednesday, w.afternoon))  # at "which time?"
    assert day_words(w.language_code, wednesday) in wednesday_pm["text"]
    assert slot_labels(wednesday_pm) == ["13:30", "15:00"] and labels(wednesday_pm)[-1].startswith(BACK)
    [mode] = await customer.press("13:30")
    assert w.wait in " ".join(labels(mode))
    [thursday_slots] = await customer.say(typed_day(w.language_code, thursday))  # at "wait or drop off?"
    assert day_words(w.language_code, thursday) in thursday_slots["text"] and "10:00" in slot_labels(thursday_slots)
    await customer.press("13:30")
    await customer.press(w.wait)
    await customer.press(w.skip)
    [summary] = await customer.say("13800138000")
    assert "13:30" in summary["text"]
    [mode_again] = await customer.say("10:00")  # a time typed at the summary: "wait or drop off?" again
    assert labels(mode_again) and labels(mode_again) != labels(summary)
    [summary] = await customer.press(w.wait)
    assert "10:00" in summary["text"] and "+8613800138000" in summary["text"]  # notes and phone were kept
    [summary] = await customer.say(w.repair)  # a service typed at the summary
    assert w.repair_shown in summary["text"]
    await customer.press(w.confirm)
    [appointment] = await stored(services)
    assert (appointment.day, appointment.slot, appointment.service_type) == (thursday, "10:00", "repair")


async def test_a_day_that_cannot_be_booked_typed_later_changes_nothing(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    services = services_of(app)
    customer = Customer(app, engine, USER, "en")
    await customer.say("/book")
    await customer.press("Repair")
    await customer.press("Nanshan")
    await customer.say("AB 1234")
    await customer.say("next Tuesday")
    await customer.press("08:30")
    retry, mode = await customer.say("yesterday")  # at "wait or drop off?"
    assert "has already passed" in retry["text"] and "wait" in mode["text"]
    await customer.press("I'll wait")
    await customer.press("Skip")
    [unclear] = await customer.say("call me maybe")  # neither a phone nor a day: the phone question's own retry
    assert "country code" in unclear["text"]
    [summary] = await customer.say("13800138000")
    assert day_words("en", next_week(services, 1)) in summary["text"] and "08:30" in summary["text"]


async def book_tuesday(app: Application, language_code: str) -> int:  # type: ignore[type-arg]
    services = services_of(app)
    async with services.sessions.begin() as session:
        await touch_customer(session, USER, USER, "Mei", language_code)
    found = await BookingDesk(services.sessions, services.dealer, auto_confirm=False).book(
        USER, NewBooking("nanshan", "repair", next_week(services, 1), "08:30", "waiting"))
    return found.id


ANOTHER_REASON = {"zh-hant": "其他原因", "zh-hans": "其他原因", "en": "Another reason"}  # language code → label


@pytest.mark.parametrize("language_code", list(ANOTHER_REASON))
async def test_back_from_a_move_or_a_cancellation_returns_to_the_appointments(
    app_engine: tuple[Application, BotApiEngine], language_code: str  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    appointment_id = await book_tuesday(app, language_code)
    customer = Customer(app, engine, USER, language_code)
    another = ANOTHER_REASON[language_code]
    [listing] = await customer.say("/appointments")
    [day] = await customer.press("🔁")
    assert labels(day)[-1].startswith(BACK)  # the move's first question
    [listed] = await customer.press(BACK)
    assert f"#{appointment_id}" in listed["text"] and labels(listed) == labels(listing)
    [reason] = await customer.press("❌")
    assert labels(reason)[-1].startswith(BACK)
    [typed_reason] = await customer.press(another)
    assert labels(typed_reason) == [labels(reason)[-1]]  # only "back" under "please type the reason"
    [reason_again] = await customer.press(BACK)
    assert labels(reason_again) == labels(reason)
    [listed] = await customer.press(BACK)
    assert f"#{appointment_id}" in listed["text"]
    [appointment] = await stored(services_of(app))
    assert appointment.status == "requested"  # nothing was cancelled
    await customer.press("❌")
    [listed] = await customer.say("back")  # typed, not taken as the reason
    assert f"#{appointment_id}" in listed["text"] and (await stored(services_of(app)))[0].status == "requested"


async def test_back_on_a_reminders_first_question_asks_the_service(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    services = services_of(app)
    car = await add_car(services, USER, "粤B12345")
    customer = Customer(app, engine, USER, "en")
    await customer.say("/appointments")  # a message to press under (the reminder's, in real life)
    book = services.callbacks.pack(USER, "rem", "book", str(car), "svc")  # a service reminder's "book now"
    _query, [branch] = await customer.press_data(book)
    assert "branch" in branch["text"].lower() and labels(branch)[-1].startswith(BACK)
    [service] = await customer.press(BACK)
    assert "What would you like done?" in service["text"] and not labels(service)[-1].startswith(BACK)
    await customer.press("Repair")
    [day] = await customer.press("Nanshan")  # the reminder's car is kept: not asked
    assert "Which day?" in day["text"]


async def test_relative_days_a_part_of_a_label_and_skip_are_read_when_typed(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    services = services_of(app)
    customer = Customer(app, engine, USER, "zh-hans")
    await customer.say("/book")
    await customer.say("保养")
    [car] = await customer.say("南山")  # a part of 「南山服务站」
    assert "哪一辆车" in car["text"]
    await customer.say("粤B12345")
    await customer.say("下周二")
    [mode] = await customer.press("10:00")
    assert "现场等候" in " ".join(labels(mode))
    [slots] = await customer.say("大后天下午")  # at "wait or drop off?": a day, not a question for the FAQ
    in_three_days = today(services) + dt.timedelta(days=3)
    assert day_words("zh-hans", in_three_days) in slots["text"] and slot_labels(slots)
    await customer.press(slot_labels(slots)[0])
    await customer.say("现场等候")
    [phone] = await customer.say("跳过")  # the button's label typed: skipped, not kept as the note
    assert "电话" in phone["text"]
    [summary] = await customer.say("13800138000")
    assert "备注" not in summary["text"] and day_words("zh-hans", in_three_days) in summary["text"]


@pytest.mark.parametrize(
    ("language_code", "service", "branch", "asked", "not_asked"),
    [("en", "Maintenance", "Nanshan", "Type its plate", "Tap it"),
     ("zh-hans", "定期保养", "南山", "请输入车牌", "请点击"),
     ("zh-hant", "定期保養", "南山", "請輸入車牌", "請點選")],
)  # fmt: skip
async def test_a_customer_without_cars_is_asked_to_type_the_plate_not_to_tap(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
    language_code: str, service: str, branch: str, asked: str, not_asked: str,
) -> None:  # fmt: skip
    app, engine = app_engine
    customer = Customer(app, engine, USER + 1, language_code)
    await customer.say("/book")
    await customer.press(service)
    [question] = await customer.press(branch)
    assert asked in question["text"] and not_asked not in question["text"]
