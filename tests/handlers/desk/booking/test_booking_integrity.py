"""Issue 12, items 1 and 2: a double tap on "Confirm" books once (one row, one place, one card), and a booking
is never stored without its advisors' card (the card is an outbox row written with the booking)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from telegram import Update
from telegram.ext import Application

from bot.db.desk.booking.models import SlotUsage
from bot.db.outbox.models import Outbox
from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.booking.test_appointments import services_of, stored
from tests.handlers.desk.booking.test_appointments_desk import add_car
from tests.handlers.desk_harness import GROUP_ID, Desk, build_desk
from tests.handlers.harness import Customer

USER = 731


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


async def up_to_confirm(customer: Customer, slot: str = "08:30") -> tuple[dict[str, Any], str]:
    """Book next Tuesday at Nanshan, waiting, up to the summary; (the summary, its confirm button's data)."""
    await customer.say("/book")
    await customer.press("Repair")
    await customer.press("Nanshan")
    await customer.press("粤B·12345")
    await customer.say("next Tuesday")
    await customer.press(slot)
    await customer.press("I'll wait")
    await customer.press("Skip")
    [summary] = await customer.say("13800138000")
    data = next(d for label, d in customer.buttons(summary) if "Confirm booking" in label)
    return summary, data


def cards(desk: Desk) -> list[dict[str, Any]]:
    return [m for m in desk.group_messages() if "#" in m.get("text", "")]


async def used_places(app: Application) -> int:  # type: ignore[type-arg]
    async with services_of(app).sessions() as session:
        return int((await session.execute(select(func.coalesce(func.sum(SlotUsage.used), 0)))).scalar_one())


async def test_a_double_tap_on_confirm_books_once_through_the_update_processor(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    """Two identical presses delivered at once, as polling hands them to the application."""
    app, engine, desk = desk_app
    await add_car(services_of(app), USER, "粤B12345")
    customer = Customer(app, engine, USER, "en")
    summary, data = await up_to_confirm(customer)
    before = len(desk.group_messages())
    taps = [Update.de_json(engine.push_callback(USER, summary["message_id"], data), app.bot) for _ in range(2)]
    processor = app.update_processor
    await asyncio.gather(*(processor.process_update(tap, app.process_update(tap)) for tap in taps))
    assert len(await stored(services_of(app))) == 1
    assert await used_places(app) == 3  # (slot, mode), the slot, the day: one booking's worth
    assert len(desk.group_messages()) - before == 1  # one card


async def test_two_confirms_of_one_draft_book_once_even_when_they_run_together(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    """Past the per-user order (two replicas, a retried webhook): the draft key stored with the row decides."""
    app, engine, desk = desk_app
    await add_car(services_of(app), USER, "粤B12345")
    customer = Customer(app, engine, USER, "en")
    summary, data = await up_to_confirm(customer)
    before = len(desk.group_messages())
    taps = [Update.de_json(engine.push_callback(USER, summary["message_id"], data), app.bot) for _ in range(2)]
    await asyncio.gather(*(app.process_update(tap) for tap in taps))
    [booking] = await stored(services_of(app))
    assert booking.draft_key
    assert await used_places(app) == 3
    assert len(desk.group_messages()) - before == 1
    async with services_of(app).sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Outbox))).scalar_one() == 1


async def test_per_user_order_lets_other_users_run_meanwhile() -> None:
    """One user's updates wait for each other; another user's update is not held up by them."""
    from bot.handlers.common.updates import PerUserUpdates

    processor = PerUserUpdates()
    order: list[str] = []
    gate = asyncio.Event()

    async def slow(name: str) -> None:
        order.append(f"{name} start")
        await gate.wait()
        order.append(f"{name} end")

    async def quick(name: str) -> None:
        order.append(name)
        gate.set()

    def update(user_id: int, update_id: int) -> Update:
        return Update.de_json({"update_id": update_id, "message": {
            "message_id": update_id, "date": 0, "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "A"}, "text": "hi"}}, None)  # fmt: skip

    first = asyncio.create_task(processor.process_update(update(1, 1), slow("a1")))
    await asyncio.sleep(0)
    second = asyncio.create_task(processor.process_update(update(1, 2), quick("a2")))
    other = asyncio.create_task(processor.process_update(update(2, 3), quick("b")))
    await asyncio.gather(first, second, other)
    assert order == ["a1 start", "b", "a1 end", "a2"]


async def test_a_booking_whose_card_could_not_be_sent_keeps_it_in_the_outbox(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    """The first send after the confirm fails (a 502): the booking and its card are stored together, the card
    waits in the outbox for the sender, and the customer still hears that the booking is taken."""
    app, engine, desk = desk_app
    await add_car(services_of(app), USER, "粤B12345")
    customer = Customer(app, engine, USER, "en")
    await up_to_confirm(customer)
    before = len(desk.group_messages())
    engine.inject_fault("sendMessage", status=502)
    replies = await customer.press("Confirm booking")
    assert len(await stored(services_of(app))) == 1
    async with services_of(app).sessions() as session:
        [card] = (await session.execute(select(Outbox))).scalars()
    assert card.chat_id == GROUP_ID and card.kind == "desk" and card.status == "pending"
    assert "#1" in card.payload["text"]
    assert len(desk.group_messages()) == before  # not posted yet: the sender will
    assert any("We have your booking" in m["text"] for m in replies)


async def test_the_apology_still_goes_when_the_confirmation_fails_after_the_button_was_answered(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    """The card goes, then the customer's confirmation gets a 500: the button was answered already, so the
    error handler must not make its apology depend on answering it again."""
    app, engine, desk = desk_app
    await add_car(services_of(app), USER, "粤B12345")
    customer = Customer(app, engine, USER, "en")
    await up_to_confirm(customer)
    original, seen = engine.take_fault, []

    def second_send_fails(method: str) -> Any:
        if method.lower() == "sendmessage":
            seen.append(method)
            if len(seen) == 2:  # the card is the first, the customer's confirmation the second
                engine.take_fault = original  # type: ignore[method-assign]
                engine.inject_fault("sendMessage", status=500)
        return original(method)

    engine.take_fault = second_send_fails  # type: ignore[method-assign]
    replies = await customer.press("Confirm booking")
    assert len(await stored(services_of(app))) == 1
    assert len(cards(desk)) == 1
    assert [m["text"][:29] for m in replies] == ["Sorry, something went wrong o"]


async def test_a_second_booking_of_one_car_is_pointed_out_and_the_same_day_refused(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    """Issue 12, item 3: the summary warns of the car's other booking; the same car on the same day is refused
    at the confirm, and nothing more is stored."""
    app, engine, _ = desk_app
    await add_car(services_of(app), USER, "粤B12345")
    customer = Customer(app, engine, USER, "en")
    await up_to_confirm(customer)
    await customer.press("Confirm booking")
    summary, _ = await up_to_confirm(customer, "10:00")
    assert "This car is already booked on" in summary["text"]
    [refused] = await customer.press("Confirm booking")
    assert "This car is already booked on" in refused["text"] and "/appointments" in refused["text"]
    assert len(await stored(services_of(app))) == 1
    assert await used_places(app) == 3
