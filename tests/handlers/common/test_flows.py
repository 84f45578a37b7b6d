"""One flow at a time: starting roadside help in the middle of a booking ends the booking, so the next typed
answers go to the flow the customer is now in, and the ended booking is gone from the saved state too."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.db.common.models import ConversationState
from bot.db.desk.booking.models import Appointment
from bot.db.desk.roadside.models import RoadsideRequest
from tests.handlers.desk.booking.test_changes_of_mind import USER as CHANGES_USER
from tests.handlers.desk.booking.test_changes_of_mind import book_tuesday
from tests.handlers.harness import Customer, build

USER = 7301


async def test_a_flow_started_mid_booking_takes_the_next_answers(tmp_path: Path) -> None:
    app, engine = await build(tmp_path)
    services = app.bot_data["services"]
    async with app:
        customer = Customer(app, engine, USER, "en")
        await customer.say("/book")
        await customer.press("Maintenance")
        await customer.press("Futian")
        [asked] = await customer.say("AB 1234")
        assert "Which day?" in asked["text"]
        await customer.say("/roadside")
        await customer.send(engine.push_location(USER, 22.54, 114.05))
        await customer.press(services.messages.label("en", "rsd_problem_flat_tyre"))
        await customer.say("粵B 12345")
        [done] = await customer.say("138 0013 8000")
        assert "Request #1 received" in done["text"]
        replies = await customer.say("next Tuesday")  # would be the booking's day if the booking were still on
        assert not any("places left" in r["text"] for r in replies)  # no slot question: the booking is over
        async with services.sessions() as session:
            request = (await session.scalars(select(RoadsideRequest))).one()
            booked = (await session.scalars(select(Appointment))).all()
            saved = (
                await session.scalars(select(ConversationState.name).where(ConversationState.kind == "conversation"))
            ).all()
        assert request.problem == "flat_tyre" and booked == []
        assert "booking" not in saved



async def test_a_flow_started_by_an_edited_command_ends_the_booking_too(tmp_path: Path) -> None:
    """Not only a new command or a button: whatever starts another flow (here a message edited into /roadside,
    which python-telegram-bot's CommandHandler takes too) ends the one the customer was in, so one flow reads
    the next answer, not two."""
    app, engine = await build(tmp_path)
    services = app.bot_data["services"]
    async with app:
        customer = Customer(app, engine, USER, "en")
        await customer.say("/book")
        await customer.press("Maintenance")
        sent = engine.push_text(USER, "/roadside")["message"]
        engine.clear_updates()
        edited = {"update_id": 900_001, "edited_message": {**sent, "edit_date": sent["date"]}}
        replies = await customer.send(edited)
        assert any("location" in r["text"].lower() for r in replies)
        async with services.sessions() as session:
            saved = (
                await session.scalars(select(ConversationState.name).where(ConversationState.kind == "conversation"))
            ).all()
        assert "booking" not in saved and "roadside" in saved
        replies = await customer.say("Futian")  # a branch for the booking, an address for roadside help
        problem = "What is wrong? Tap the closest match, or describe it in a few words."
        assert [r["text"] for r in replies] == ["📍 Got it: Futian.", problem]


async def test_menu_inside_a_flow_leaves_it(tmp_path: Path) -> None:
    """/menu at roadside help's "where are you?" ends the flow as /cancel does: the next message is a question for
    the FAQ, not the car's location (it was taken as the place while the reply said "cancelled")."""
    app, engine = await build(tmp_path)
    async with app:
        customer = Customer(app, engine, USER, "zh-hant")
        asked = await customer.say("/roadside")
        assert any("您現在在哪裡" in r["text"] for r in asked)
        await customer.say("/menu")
        replies = await customer.say("保修期多久")
        assert not any("收到" in r["text"] or "出了什麼問題" in r["text"] for r in replies)
        assert any("三包" in r["text"] for r in replies)  # the FAQ answers it (the 三包 periods)
        async with app.bot_data["services"].sessions() as session:
            assert (await session.scalars(select(RoadsideRequest))).all() == []


def _menu_buttons(customer: Customer, message: dict[str, object]) -> list[str]:
    return [d for _, d in customer.buttons(message) if d.startswith("menu:")]  # type: ignore[arg-type]


async def test_menu_in_a_move_says_the_appointment_is_unchanged_and_shows_the_menu(tmp_path: Path) -> None:
    """/menu while moving an appointment said only 「已取消」: cancelled what, the appointment?"""
    app, engine = await build(tmp_path)
    services = app.bot_data["services"]
    async with app:
        appointment_id = await book_tuesday(app, "zh-hant")
        customer = Customer(app, engine, CHANGES_USER, "zh-hant")
        await customer.say("/appointments")
        await customer.press("🔁")
        [left] = await customer.say("/menu")
        assert left["text"].startswith(f"已離開改期，預約 #{appointment_id} 維持不變") and _menu_buttons(customer, left)
        await customer.say("/appointments")
        await customer.press("❌")
        [left] = await customer.say("/cancel")
        assert f"預約 #{appointment_id} 仍然有效" in left["text"] and _menu_buttons(customer, left)
        async with services.sessions() as session:
            [appointment] = (await session.scalars(select(Appointment))).all()
        assert appointment.status == "requested"


async def test_menu_at_a_share_button_takes_it_down_and_shows_the_menu(tmp_path: Path) -> None:
    """/menu at "share my phone" (My car) or "share my location" (roadside help) showed no menu."""
    app, engine = await build(tmp_path)
    services = app.bot_data["services"]
    async with app:
        customer = Customer(app, engine, USER, "en")
        await customer.say("/mycar")
        await customer.press(services.messages.label("en", "mycar_consent_yes"))
        left, menu = await customer.say("/menu")
        assert left["text"].startswith("Left “My car”") and _menu_buttons(customer, menu)
        await customer.say("/roadside")
        left, menu = await customer.say("/menu")
        assert left["text"].startswith("Left roadside help; no request was sent") and _menu_buttons(customer, menu)
        calls = engine.calls("sendMessage")[-2:]
        assert "remove_keyboard" in str(calls[0].params.get("reply_markup"))
