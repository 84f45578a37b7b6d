"""Roadside help, the customer's side, through the real Application: three languages, the region's safety
steps, location / venue / typed address, plate and phone, a restart mid-flow, the open request and cancel."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from telegram.ext import Application

from bot.app import build_application
from bot.db.garage.models import Customer as CustomerRow
from bot.db.garage.models import ServiceVisit, Vehicle
from tests.botapi.engine import BotApiEngine
from tests.botapi.recording import RecordingRequest
from tests.conftest import make_settings
from tests.handlers.desk.roadside.helpers import (
    LOCALES,
    label,
    request_help,
    sent_markup,
    services,
    share_location,
    stored,
    texts,
)
from tests.handlers.desk_harness import GROUP_ID, Desk, build_desk
from tests.handlers.harness import Customer

ME = 501
WORDS = {  # what each locale's messages say, to check the reply is in the customer's language
    "en": ("Where are you?", "What is wrong?", "received"),
    "zh-hant": ("您現在在哪裡？", "車子出了什麼問題？", "已收到救援請求"),
    "zh-hans": ("您现在在哪里？", "车子出了什么问题？", "已收到救援请求"),
}


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


@pytest.mark.parametrize("language", list(LOCALES))
async def test_the_flow_in_every_language(desk_app: tuple, language: str) -> None:
    app, engine, _ = desk_app
    locale, words = LOCALES[language], WORDS[language]
    me = Customer(app, engine, ME, language)
    safety, ask = await me.say("/roadside")
    assert "400-800-6600" in safety["text"] and "150" in safety["text"]  # rescue line, CN expressway triangle
    assert words[0] in ask["text"]
    keyboard = sent_markup(engine, ME)
    assert keyboard is not None and keyboard["keyboard"][0][0]["request_location"] is True

    located = await share_location(me)
    assert words[1] in located[-1]["text"]
    assert sent_markup(engine, ME, back=2) == {"remove_keyboard": True}  # the location keyboard goes down
    assert len(me.buttons(located[-1])) == 8 + 1  # every problem, and "back"
    await me.press(label(app, locale, "rsd_problem_flat_tyre"))
    await me.say("粵B 12345")
    [confirmed] = await me.say("138 0013 8000")

    row = await stored(app)
    assert row is not None and row.status == "new" and row.problem == "flat_tyre"
    assert (row.plate, row.phone) == ("粤B12345", "+8613800138000")
    assert (row.latitude, row.longitude) == (22.5431, 114.0579) and row.address is None
    assert row.escalate_at - row.created_at == dt.timedelta(minutes=5)
    assert words[2] in confirmed["text"] and f"#{row.id}" in confirmed["text"]
    assert "粤B·12345" in confirmed["text"] and "+8613800138000" in confirmed["text"]
    assert row.alert_message_id is not None  # the advisors were alerted


async def test_a_typed_address_the_car_buttons_and_the_linked_phone(desk_app: tuple) -> None:
    app, engine, desk = desk_app
    me = Customer(app, engine, ME, "zh-hant")
    await me.say("/start roadside")
    async with services(app).sessions.begin() as session:  # a customer the dealer knows: phone and a car
        await session.execute(
            update(CustomerRow).where(CustomerRow.telegram_user_id == ME).values(phone="+8613900000001")
        )
        customer_id = (await session.scalars(select(CustomerRow.id).where(CustomerRow.telegram_user_id == ME))).one()
        car = Vehicle(customer_id=customer_id, plate="粤B54321", make="Honda", model="Civic")
        session.add(car)
        await session.flush()
        session.add(ServiceVisit(visit_no="RO-1", vehicle_id=car.id, visit_date=dt.date(2026, 9, 1), kind="repair"))
    located = await me.say("深南大道 6008 號門口")
    assert "深南大道 6008 號門口" in located[0]["text"]
    assert sent_markup(engine, ME, back=2) == {"remove_keyboard": True}
    await me.press("爆胎")
    plates = me.buttons()
    assert [text for text, _ in plates] == ["🚘 粤B·54321", label(app, "zh-Hant", "rsd_plate_unknown"), "↩️ 上一步"]
    [phone_question] = await me.press("粤B·54321")
    assert "+8613900000001" in phone_question["text"]
    [confirmed] = await me.press("+8613900000001")
    row = await stored(app)
    assert row is not None and row.address == "深南大道 6008 號門口" and row.latitude is None
    assert (row.plate, row.phone) == ("粤B54321", "+8613900000001")
    assert "深南大道" in confirmed["text"]
    alert = desk.group_messages()[0]["text"]  # the caller's context for the advisors
    assert "+8613900000001" in alert and "粤B·54321 Honda Civic" in alert and "2026年9月1日（維修" in alert
    assert "深南大道 6008 號門口" in alert and not [m for m in desk.group_messages() if "location" in m]


async def test_a_venue_no_plate_and_a_shared_contact(desk_app: tuple) -> None:
    app, engine, _ = desk_app
    me = Customer(app, engine, ME, "en")
    await me.say("/roadside")
    point = {"latitude": 22.53, "longitude": 113.95}
    venue = {"location": point, "venue": {"location": point, "title": "Sinopec", "address": "Keji Rd"}}
    await me.send(engine._user_message(ME, venue, chat_id=None, thread_id=None, reply_to_message_id=None))
    await me.press(label(app, "en", "rsd_problem_battery"))
    [phone_question] = await me.press(label(app, "en", "rsd_plate_unknown"))
    assert "Which number" in phone_question["text"]
    keyboard = sent_markup(engine, ME)
    assert keyboard is not None and keyboard["keyboard"][0][0]["request_contact"] is True  # no linked phone
    await me.send(engine.push_contact(ME, "8613826514417"))
    row = await stored(app)
    assert row is not None and row.address == "Sinopec, Keji Rd" and row.latitude == 22.53
    assert row.plate is None and row.phone == "+8613826514417" and row.problem == "battery"


async def test_unclear_answers_are_asked_again(desk_app: tuple) -> None:
    app, engine, _ = desk_app
    me = Customer(app, engine, ME, "en")
    await me.say("/roadside")
    await share_location(me)
    [again] = await me.say("?")  # nothing said at the problem question: asked again, the buttons kept
    assert "what happened" in again["text"]
    await me.press(label(app, "en", "rsd_problem_flat_tyre"))
    [retry] = await me.say("banana")
    assert "does not look like a plate" in retry["text"]
    await me.say("粤B12345")
    [retry] = await me.say("call me maybe")
    assert "does not look like a phone number" in retry["text"]
    assert await stored(app) is None  # nothing stored half-way


@pytest.mark.parametrize("language", list(LOCALES))
async def test_the_questions_say_typing_is_fine_and_which_phone_format_and_a_taiwan_mobile_is_taken(
    desk_app: tuple, language: str
) -> None:
    app, engine, _ = desk_app
    assert services(app).settings.phone_region == "CN"  # a mainland dealer
    me = Customer(app, engine, ME, language)
    await me.say("/roadside")
    *_located, problem = await share_location(me)  # the place understood, then the problem question
    assert any(word in problem["text"] for word in ("describe", "描述")), problem["text"]  # not only the buttons
    await me.press(label(app, LOCALES[language], "rsd_problem_flat_tyre"))
    [phone] = await me.say("粤B12345")
    assert "138 0013 8000" in phone["text"] and "+886 912 345 678" in phone["text"], phone["text"]
    await me.say("0912-345-678")  # a Taiwan mobile without its country code: only Taiwan reads it
    row = await stored(app)
    assert row is not None and row.phone == "+886912345678"


@pytest.mark.parametrize(
    ("region", "present", "absent"),
    [("CN", ("150", "110", "122"), ("999", "5–30")), ("TW", ("5–30", "112", "100 m"), ("999", "150")),
     ("HK", ("999", "crash barrier", "no triangle"), ("150", "5–30"))],
)  # fmt: skip
async def test_the_safety_steps_follow_the_dealers_region(
    desk_app: tuple, region: str, present: tuple[str, ...], absent: tuple[str, ...]
) -> None:
    app, engine, desk = desk_app
    built = services(app)
    built.dealer = built.dealer.model_copy(update={"region": region})
    me = Customer(app, engine, ME, "en")
    safety, _ = await me.say("/roadside")
    assert all(word in safety["text"] for word in present), safety["text"]
    assert not any(word in safety["text"] for word in absent), safety["text"]
    await share_location(me)
    await me.press(label(app, "en", "rsd_problem_accident"))
    await me.say("AB 1234")
    await me.say("+852 9123 4567")
    alert = desk.group_messages()[0]
    assert ("uri.amap.com" in str(alert)) is (region == "CN")
    assert ("google.com/maps" in str(alert)) is (region != "CN")


async def test_the_menu_and_an_faq_answer_open_the_flow(desk_app: tuple) -> None:
    app, engine, _ = desk_app
    me = Customer(app, engine, ME, "en")
    await me.say("/start")
    safety, ask = await me.press(label(app, "en", "menu_roadside"))
    assert "400-800-6600" in safety["text"] and "Where are you?" in ask["text"]
    await me.say("/cancel")
    answer = await me.say("my car won't start")
    assert label(app, "en", "action_roadside") in [text for text, _ in me.buttons(answer[-1])]
    safety, ask = await me.press(label(app, "en", "action_roadside"))
    assert "Where are you?" in ask["text"]


async def test_a_restart_mid_flow_continues(tmp_path: Path) -> None:
    app, engine, _ = await build_desk(tmp_path)
    async with app:
        me = Customer(app, engine, ME, "en")
        await me.say("/roadside")
        await share_location(me)
    settings = make_settings(tmp_path, telegram_token=engine.token, advisor_group_id=GROUP_ID)
    again = build_application(settings, request=RecordingRequest(engine))
    async with again:
        me = Customer(again, engine, ME, "en")
        me._read = len(engine.sent_messages(ME))
        [plate_question] = await me.press(label(again, "en", "rsd_problem_overheating"))
        assert "plate" in plate_question["text"]
        await me.say("粤B12345")
        [confirmed] = await me.say("13800138000")
        assert "received" in confirmed["text"]
        row = await stored(again)
        assert row is not None and row.latitude == 22.5431 and row.problem == "overheating"


async def test_an_open_request_is_shown_instead_of_a_duplicate_and_can_be_cancelled(desk_app: tuple) -> None:
    app, engine, desk = desk_app
    me = Customer(app, engine, ME, "en")
    await request_help(me, "en")
    first = await stored(app)
    assert first is not None
    [shown] = await me.say("/roadside")
    assert f"#{first.id}" in shown["text"] and "already have an open" in shown["text"]
    assert [text for text, _ in me.buttons(shown)] == [f"❌ Cancel request #{first.id}"]
    [cancelled] = await me.press(label(app, "en", "rsd_cancel", id=first.id))
    assert "cancelled" in cancelled["text"]
    row = await stored(app, first.id)
    assert row is not None and row.status == "cancelled"
    alert = engine.message(GROUP_ID, first.alert_message_id)  # type: ignore[arg-type]
    assert alert is not None and not alert.get("reply_markup")  # nothing left to claim
    assert f"#{first.id}" in texts(desk.group_messages()[-1:])  # the advisors are told
    safety, _ = await me.say("/roadside")  # a new request may start now
    assert "400-800-6600" in safety["text"]


async def test_a_customer_cannot_cancel_someone_elses_request(desk_app: tuple) -> None:
    app, engine, _ = desk_app
    victim = Customer(app, engine, ME, "en")
    await request_help(victim, "en")
    theirs = await stored(app)
    assert theirs is not None
    attacker = Customer(app, engine, 777, "en")
    await attacker.say("/start")
    data = services(app).callbacks.pack(777, "rsd", "cancel", str(theirs.id))  # their own signature, another's id
    query_id, _ = await attacker.press_data(data)
    assert engine.callback_answer(query_id)["show_alert"] is True  # type: ignore[index]
    forged = services(app).callbacks.pack(ME, "rsd", "cancel", str(theirs.id))  # the victim's signed data
    query_id, _ = await attacker.press_data(forged)
    assert engine.callback_answer(query_id)["show_alert"] is True  # type: ignore[index]
    row = await stored(app, theirs.id)
    assert row is not None and row.status == "new"


@pytest.mark.parametrize(
    ("typed", "problem"),
    [("車頭冒煙，停在路邊", "overheating"), ("my tyre is flat", "flat_tyre"), ("撞到護欄了", "accident"),
     ("高速上没油了", "fuel"), ("the car makes a strange noise and shakes", "other")],
)  # fmt: skip
async def test_a_typed_problem_is_taken_with_its_words(desk_app: tuple, typed: str, problem: str) -> None:
    app, engine, desk = desk_app
    me = Customer(app, engine, ME, "en")
    await me.say("/roadside")
    await share_location(me)
    *first, plate_question = await me.say(typed)  # people in trouble type: the next question comes
    assert "粤B·12345" in plate_question["text"]  # the plate question (in the language the customer typed)
    if "冒煙" in typed:  # smoke is danger: the emergency numbers come first, and the request goes on
        assert len(first) == 1 and "119" in first[0]["text"]
    else:
        assert first == []
    await me.say("粤B12345")
    await me.say("13800138000")
    row = await stored(app)
    assert row is not None and (row.problem, row.details) == (problem, typed)
    assert typed.split("，")[0].split(" ")[0] in desk.group_messages()[0]["text"]  # the advisors read their words


BACK = {"en": "↩️ Back", "zh-hant": "↩️ 上一步", "zh-hans": "↩️ 上一步"}


@pytest.mark.parametrize("language", list(LOCALES))
async def test_back_on_every_question_after_the_first_and_an_earlier_answer_typed_later_is_taken(
    desk_app: tuple, language: str
) -> None:
    app, engine, _ = desk_app
    locale = LOCALES[language]
    me = Customer(app, engine, ME, language)
    await me.say("/roadside")
    keyboard = sent_markup(engine, ME)
    assert keyboard is not None and len(keyboard["keyboard"]) == 1  # the first question: no "back"
    located = await share_location(me)
    assert me.buttons(located[-1])[-1][0] == BACK[language]
    [where] = await me.press(BACK[language])  # at the problem: back to the location
    assert WORDS[language][0] in where["text"]
    assert sent_markup(engine, ME)["keyboard"][0][0]["request_location"] is True  # type: ignore[index]
    await me.say("深南大道 6008 號")
    await me.press(label(app, locale, "rsd_problem_flat_tyre"))
    await me.say("粵B 12345")
    keyboard = sent_markup(engine, ME)  # the phone: a contact reply keyboard, "back" under it
    assert keyboard is not None and keyboard["keyboard"][1][0]["text"] == BACK[language]
    await me.say("粵B 54321")  # a plate typed at "phone?": the plate changes, the phone is asked again
    keyboard = sent_markup(engine, ME)
    assert keyboard is not None and keyboard["keyboard"][0][0]["request_contact"] is True
    await me.say(BACK[language])  # the reply keyboard's "back": the plate again
    assert me.buttons()[-1][0] == BACK[language]
    await me.say("粵B 67890")
    [confirmed] = await me.say("138 0013 8000")
    row = await stored(app)
    assert row is not None and (row.plate, row.problem, row.address) == ("粤B67890", "flat_tyre", "深南大道 6008 號")
    assert f"#{row.id}" in confirmed["text"]
