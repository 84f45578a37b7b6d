"""Booking through the real Application: the flow in three languages, typed answers and re-prompts, full slots
hidden, the last place lost in a race, a restart half-way, and the deep link and menu ways in."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.app import build_application
from bot.core.common import customers
from bot.core.common.text import detect_script
from bot.core.desk.booking.service import BookingDesk, NewBooking
from bot.core.services import Services
from bot.db.desk.booking.models import Appointment, SlotUsage
from bot.handlers.desk.booking import answers as appointments_answers
from bot.handlers.desk.booking import earlier as appointments_earlier
from bot.handlers.desk.booking import steps as appointments_steps
from tests.botapi.engine import BotApiEngine
from tests.botapi.recording import RecordingRequest
from tests.conftest import make_settings
from tests.handlers.harness import Customer, build

USER = 701


def services_of(app: Application) -> Services:  # type: ignore[type-arg]
    return app.bot_data["services"]  # type: ignore[no-any-return]


def today(services: Services) -> dt.date:
    return dt.datetime.now(services.settings.tz).date()


def next_week(services: Services, weekday: int) -> dt.date:
    now = today(services)
    return now - dt.timedelta(days=now.weekday()) + dt.timedelta(days=7 + weekday)


async def stored(services: Services) -> list[Appointment]:
    async with services.sessions() as session:
        return list((await session.execute(select(Appointment).order_by(Appointment.id))).scalars())


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def slot_labels(message: dict[str, Any]) -> list[str]:
    return [label[:5] for label in labels(message) if re.match(r"\d\d:\d\d", label)]



@dataclass(frozen=True)
class Script:
    language_code: str
    service: str
    branch: str
    wait: str
    confirm: str
    plate: str
    day: str  # next week's Tuesday, with a part of the day
    part: str
    notes: str
    received: str


SCRIPTS = {
    "zh-Hant": Script("zh-hant", "定期保養", "福田", "現場等候", "確認預約", "粵B 12345", "下週二下午", "pm", "有異響",
                      "已收到您的預約"),
    "zh-Hans": Script("zh-hans", "定期保养", "福田", "现场等候", "确认预约", "粤b12345", "下周二上午", "am", "有异响",
                      "已收到您的预约"),
    "en": Script("en", "Maintenance", "Futian", "I'll wait", "Confirm booking", "粤B12345", "next Tuesday afternoon",
                 "pm", "squeak when braking", "We have your booking"),
}  # fmt: skip


def in_script(locale: str, replies: list[dict[str, Any]]) -> None:
    for reply in replies:
        if locale != "en":
            assert detect_script(re.sub(r"[a-zA-Z]", "", reply["text"])) in (locale, None), reply["text"]
        else:  # English throughout, a Chinese plate or the dealer's Chinese name aside
            assert not re.search(r"[\u4e00-\u9fff]", re.sub(r"粤B·?12345", "", reply["text"])), reply["text"]


@pytest.mark.parametrize("locale", list(SCRIPTS))
async def test_a_booking_from_start_to_finish(app_engine: tuple[Application, BotApiEngine], locale: str) -> None:
    app, engine = app_engine
    services, s = services_of(app), SCRIPTS[locale]
    customer = Customer(app, engine, USER, s.language_code)
    seen = await customer.say("/book")
    seen += await customer.press(s.service)
    seen += await customer.press(s.branch)
    seen += await customer.say(s.plate)
    [slots] = await customer.say(s.day)
    times = slot_labels(slots)
    assert times and all((t >= "12:00") == (s.part == "pm") for t in times)  # only the part of the day asked
    seen += [slots, *await customer.press(times[0])]
    seen += await customer.press(s.wait)
    seen += await customer.say(s.notes)
    [summary] = await customer.say("138-0013-8000")
    assert "+8613800138000" in summary["text"] and s.notes in summary["text"] and times[0] in summary["text"]
    [done] = await customer.press(s.confirm)
    assert s.received in done["text"]
    in_script(locale, [*seen, summary, done])
    [appointment] = await stored(services)
    tuesday = next_week(services, 1)
    assert (appointment.branch, appointment.day, appointment.slot) == ("futian", tuesday, times[0])
    assert (appointment.service_type, appointment.mode, appointment.status) == ("maintenance", "waiting", "requested")
    assert appointment.plate == "粤B12345" and appointment.notes == s.notes  # a Chinese plate keeps English English
    assert appointment.phone == "+8613800138000" and appointment.source == "chat"


async def test_typed_answers_are_read_leniently_and_nonsense_is_asked_again(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    services = services_of(app)
    customer = Customer(app, engine, USER, "en")
    await customer.say("/start book")
    answer, again = await customer.say("how often should I service my car?")  # a question where buttons are expected
    assert "whichever comes first" in answer["text"]  # answered by the FAQ, and the booking goes on
    assert "Please use the buttons" in again["text"] and "Repair" in " ".join(labels(again))
    await customer.press("Repair")
    await customer.press("Nanshan")
    [unclear] = await customer.say("XYZ")
    assert "could not read that plate" in unclear["text"]
    await customer.say("AB 1234")
    retry, asked = await customer.say("banana")
    assert "could not read that date" in retry["text"] and "Which day?" in asked["text"] and labels(asked)
    retry, _ = await customer.say("yesterday")
    assert "has already passed" in retry["text"]
    retry, _ = await customer.say(f"{today(services).year + 1}-06-01")
    assert "too far ahead" in retry["text"]
    tuesday = next_week(services, 1)
    [slots] = await customer.say(f"{tuesday.month}/{tuesday.day}")  # month first, the Chinese order
    assert slot_labels(slots) == ["08:30", "10:00", "13:30", "15:00"]
    retry, again = await customer.say("7 pm")
    assert "tap one of the times" in retry["text"] and slot_labels(again)
    [mode] = await customer.say("10am")  # a time typed is taken when it is one of the times offered
    assert "wait" in mode["text"]
    await customer.press("I'll wait")
    [too_long] = await customer.say("squeak " * 80)
    assert "too long" in too_long["text"] and labels(too_long) == ["⏭️ Skip", "↩️ Back"]  # the re-prompt keeps both
    [phone] = await customer.press("Skip")
    assert "phone" in phone["text"]
    [unclear] = await customer.say("6612 3456")  # Hong Kong or Macau? the customer is told what to type
    assert "country code" in unclear["text"] and "+886 912 345 678" in unclear["text"]
    [summary] = await customer.say("0912-345-678")  # a Taiwan mobile although the dealer is in mainland China
    assert "+886912345678" in summary["text"]


async def test_back_asks_the_question_before_again_and_keeps_the_rest(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, USER, "en")
    [service] = await customer.say("/book")
    assert "↩️ Back" not in labels(service)  # the first question has nothing before it
    [branch] = await customer.press("Repair")
    assert labels(branch)[-1] == "↩️ Back"
    [service_again] = await customer.press("Back")
    assert "What would you like done?" in service_again["text"]
    await customer.press("Maintenance")
    await customer.press("Nanshan")
    await customer.say("AB 1234")
    tuesday = next_week(services_of(app), 1)
    [slots] = await customer.say(f"{tuesday.month}/{tuesday.day}")
    [day_again] = await customer.press("Back")  # at "which time?": the day is asked again
    assert "Which day?" in day_again["text"]
    await customer.say(f"{tuesday.month}/{tuesday.day}")
    await customer.press(slot_labels(slots)[0])
    [slot_again] = await customer.press("Back")
    assert slot_labels(slot_again)
    [mode] = await customer.press(slot_labels(slot_again)[0])
    assert "wait" in mode["text"]
    await customer.press("I'll wait")
    [mode_again] = await customer.say("back")  # typed instead of pressed
    assert "wait" in mode_again["text"]
    [notes] = await customer.say("I'll wait")  # a button's label typed: that button
    assert "Skip" in " ".join(labels(notes))
    await customer.press("Skip")
    [summary] = await customer.say("13800138000")
    assert "Scheduled maintenance" in summary["text"] and "AB1234" in summary["text"]  # the rest was kept
    assert "🪑 I wait" in summary["text"]


async def test_a_closed_day_and_a_full_slot_are_not_offered(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    services = services_of(app)
    tuesday = next_week(services, 1)
    desk = BookingDesk(services.sessions, services.dealer, auto_confirm=False)
    async with services.sessions.begin() as session:
        for user in (801, 802):
            await customers.touch_customer(session, user, user, "Other", "en")
    for user in (801, 802):  # Nanshan has two bays a slot: 10:00 is full
        await desk.book(user, NewBooking("nanshan", "repair", tuesday, "10:00", "drop_off"))
    customer = Customer(app, engine, USER, "en")
    await customer.say("/book")
    await customer.press("Repair")
    [day] = await customer.press("Futian")
    sunday = next_week(services, 6)
    [day] = await customer.say("AB 1234")
    *days, back = labels(day)
    assert back == "↩️ Back" and all(re.fullmatch(r"(Mon|Tue|Wed|Thu|Fri|Sat) \d{1,2} [A-Z][a-z]{2}", d) for d in days)
    assert f"Sun {sunday.day} {sunday:%b}" not in labels(day)  # Futian is closed on Sundays
    retry, _ = await customer.say("next Sunday")
    assert "closed" in retry["text"]
    await customer.say("/book")
    await customer.press("Repair")
    await customer.press("Nanshan")
    await customer.say("AB 1234")
    [slots] = await customer.say("next Tuesday")
    assert slot_labels(slots) == ["08:30", "13:30", "15:00"]
    assert "08:30 (2 left)" in labels(slots)


async def test_the_last_place_lost_in_a_race_is_said_and_the_other_slots_offered(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    services = services_of(app)
    first, second = Customer(app, engine, USER, "en"), Customer(app, engine, USER + 1, "en")
    for customer, plate in ((first, "AB 1234"), (second, "CD 5678")):
        await customer.say("/book")
        await customer.press("Repair")
        await customer.press("Nanshan")
        await customer.say(plate)
        await customer.say("next Tuesday")
        await customer.press("08:30")
        await customer.press("I'll wait")  # Nanshan: one waiting place a slot
        await customer.press("Skip")
        await customer.say("13800138000")
    [done] = await first.press("Confirm booking")
    assert "We have your booking" in done["text"]
    retry, slots = await second.press("Confirm booking")
    assert "just been filled" in retry["text"] and "08:30" not in slot_labels(slots)
    [summary] = await second.press("10:00")
    assert "10:00" in summary["text"]  # the mode, notes and phone are kept: straight back to the summary
    await second.press("Confirm booking")
    assert [(a.slot, a.mode) for a in await stored(services)] == [("08:30", "waiting"), ("10:00", "waiting")]
    async with services.sessions() as session:
        day_row = (await session.execute(select(SlotUsage).where(SlotUsage.slot == "*"))).scalar_one()
    assert day_row.used == 2


async def test_a_half_finished_booking_continues_after_a_restart(tmp_path: Path) -> None:
    app, engine = await build(tmp_path)
    async with app:
        customer = Customer(app, engine, USER, "zh-hant")
        await customer.say("/book")
        await customer.press("維修")
        await customer.press("南山")
        [asked] = await customer.say("粵B 12345")
        assert "哪一天" in asked["text"]
    settings = make_settings(tmp_path, telegram_token=engine.token)
    restarted = build_application(settings, request=RecordingRequest(engine))
    async with restarted:
        customer.app = restarted
        [slots] = await customer.say("下週二")
        assert slot_labels(slots) == ["08:30", "10:00", "13:30", "15:00"]
        await customer.press("13:30")
        await customer.press("留車")
        await customer.press("略過")
        await customer.say("13800138000")
        [done] = await customer.press("確認預約")
        assert "已收到您的預約" in done["text"]
        [appointment] = await stored(services_of(restarted))
        assert (appointment.plate, appointment.slot, appointment.mode) == ("粤B12345", "13:30", "drop_off")


async def test_cancel_leaves_without_storing_and_the_menu_opens_booking(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, USER, "en")
    await customer.say("/start")
    [asked] = await customer.press("Book a service")
    assert "What would you like done?" in asked["text"]
    await customer.press("Bodywork")
    [menu] = await customer.say("/cancel")
    assert labels(menu)
    assert await stored(services_of(app)) == []
    [stale] = [m for m in engine.sent_messages(USER) if "What would you like done?" in m["text"]]
    query_id, replies = await customer.press_data(customer.buttons(stale)[0][1], stale["message_id"])
    assert replies == [] and (engine.callback_answer(query_id) or {}).get("show_alert") is True


async def test_typed_days_against_the_dealers_clock_say_what_is_wrong_and_show_other_years(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, engine = app_engine
    evening = dt.datetime(2026, 11, 28, 19, 0, tzinfo=services_of(app).settings.tz)  # a Saturday, after 16:00
    for module in (appointments_steps, appointments_answers, appointments_earlier):
        monkeypatch.setattr(module, "now_local", lambda context: evening)
    customer = Customer(app, engine, USER, "zh-hant")
    await customer.say("/book")
    await customer.press("維修")
    await customer.press("福田")
    await customer.say("粵B 12345")
    over, _ = await customer.say("今天")
    assert "11月28日" in over["text"] and "沒有可預約的時段" in over["text"] and "約滿" not in over["text"]
    passed, _ = await customer.say("11/1")  # this November, not next year's
    assert "11月1日（週日）已經過去了" in passed["text"] and "太遠" not in passed["text"]
    far, _ = await customer.say("2027/1/4")
    assert "2027年1月4日（週一）太遠了" in far["text"] and "預約到12月12日" in far["text"]  # another year says so


async def test_a_double_tap_is_quiet_and_an_old_button_is_still_refused(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, USER, "zh-hant")
    [service] = await customer.say("/book")
    repair = next(data for label, data in customer.buttons(service) if "維修" in label)
    await customer.press_data(repair, service["message_id"])
    query_id, replies = await customer.press_data(repair, service["message_id"])  # the second tap of a double tap
    assert replies == [] and not (engine.callback_answer(query_id) or {}).get("text")  # no "expired" alert
    bodywork = next(data for label, data in customer.buttons(service) if "鈑金" in label)
    query_id, replies = await customer.press_data(bodywork, service["message_id"])  # another, older answer
    assert replies == [] and (engine.callback_answer(query_id) or {}).get("show_alert") is True
    assert [a.service_type for a in await stored(services_of(app))] == []
