"""An update delivered twice (the same update id: a re-sent getUpdates answer, a retried webhook) is handled
once. Found by the fuzz test (tests/handlers/test_fuzz_updates.py, seed 20261203, 300 updates): the second
delivery answered the same button again, Telegram refused ("query id is invalid") and the error handler fired."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import Application

from bot.handlers.common.updates import SEEN_IDS, PerUserUpdates
from tests.botapi.engine import BotApiEngine
from tests.handlers.harness import Customer

USER = 6301


async def test_a_button_delivered_twice_is_answered_once_and_nothing_fails(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    errors: list[BaseException] = []

    async def recording(_update: object, context: object) -> None:
        errors.append(context.error)  # type: ignore[attr-defined]

    app.add_error_handler(recording)
    customer = Customer(app, engine, USER, "en")
    await customer.say("/start")
    menu = next(m for m in reversed(engine.sent_messages(USER)) if m.get("reply_markup"))
    data = next(d for _label, d in customer.buttons(menu) if d.startswith("menu:language:"))
    raw = engine.push_callback(USER, menu["message_id"], data)
    before = len(engine.sent_messages(USER))
    processor = app.update_processor
    twice = [Update.de_json(raw, app.bot) for _ in range(2)]
    await asyncio.gather(*(processor.process_update(u, app.process_update(u)) for u in twice))
    assert errors == []
    assert len(engine.calls("answerCallbackQuery")) == 1
    assert len(engine.sent_messages(USER)) - before == 1  # the language picker, once


async def test_a_text_delivered_twice_is_answered_once(
    app_engine: tuple[Application, BotApiEngine],  # type: ignore[type-arg]
) -> None:
    app, engine = app_engine
    Customer(app, engine, USER, "en")
    raw = engine.push_text(USER, "/help")
    for _ in range(2):
        update = Update.de_json(raw, app.bot)
        await app.update_processor.process_update(update, app.process_update(update))
    assert len(engine.sent_messages(USER)) == 1


async def test_only_recent_ids_are_remembered() -> None:
    processor = PerUserUpdates()
    done: list[int] = []

    async def work(n: int) -> None:
        done.append(n)

    def update(n: int) -> Update:
        return Update(update_id=n)

    for n in range(SEEN_IDS + 1):
        await processor.process_update(update(n), work(n))
    await processor.process_update(update(SEEN_IDS), work(-1))  # recent: dropped
    await processor.process_update(update(0), work(0))  # forgotten long ago: taken (Telegram never re-sends it)
    assert done[-1] == 0 and -1 not in done and len(done) == SEEN_IDS + 2
