"""Issue 12, "Tests": random updates through the real Application (a seeded generator, reproducible by seed).

A few thousand updates by default, `FUZZ_UPDATES=50000` (and `FUZZ_SEED=…`) for more: random text (RTL,
zero-width, emoji, up to 5,000 characters), every message kind (photo, sticker, voice, location, contact — the
sender's own and other people's — document), edited messages, posts in the advisors' group, in another group
and in a channel, real buttons, forged, stale and other people's buttons, and duplicates of one update and
double taps processed concurrently through the bot's own per-user update processor. Asserted: the error
handler never fires, every private message is answered once (one message, or one answer in two parts, never the
same message twice; or relayed to an advisor), every button press is answered, every Bot API call is accepted by
the rule-enforcing engine (tests/botapi), and the database stays consistent (no duplicate bookings, slot counters
equal to the bookings).
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update
from telegram.ext import Application

from bot.core.common.callbacks import CallbackCodec
from bot.core.desk.booking import repo as appointment_repo
from bot.db.desk.booking.models import Appointment, SlotUsage
from tests.botapi.engine import BotApiEngine
from tests.handlers.desk_harness import ADVISOR_ID, GROUP_ID, Desk, build_desk

UPDATES = int(os.environ.get("FUZZ_UPDATES", "2000"))
SEED = int(os.environ.get("FUZZ_SEED", "20261203"))
CUSTOMERS = list(range(5001, 5009))
OTHER_GROUP = -1_009_000_000_001
CHANNEL = -1_009_000_000_002

COMMANDS = ["/start", "/help", "/book", "/roadside", "/warranty", "/mycar", "/cancel", "/language", "/privacy",
            "/settings", "/stop", "/appointments", "/events", "/end", "/forget", "/start book", "/start roadside",
            "/start mycar", "/start warranty", "/nonsense", "/start 💥"]  # fmt: skip
PHRASES = ["保養多少錢", "三包有效期是多久", "how long is the warranty?", "明天下午", "next Tuesday", "12/3", "下週一",
           "粵B 12345", "粤B12345", "AB 1234", "138 2651 4417", "+852 9123 4567", "13800138000", "16500", "1.2萬",
           "12k", "500000", "去年三月", "2024/3/1", "talk to a human", "我要找真人", "救命", "車頭冒煙", "skip", "ok",
           "1", "5", "yes", "no", "Toyota", "Corolla", "other", "家用", "commercial", "轉人工", "none"]  # fmt: skip
ALPHABETS = ["abcdefghijklmnopqrstuvwxyz ", "保養維修三包預約車輛請問多少錢 ", "مرحبا بالعالم ", "שלום עולם ",
             "\u200b\u200c\u200d\u2060\ufeff", "😀🚗🔧🛞❤️‍🔥👨‍👩‍👧 ", "0123456789 .-/", "<>&\"'`*_[]()~|#",
             "\u202e\u202d\u00a0\u2009\t\n"]  # fmt: skip


def random_text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.15:
        return rng.choice(COMMANDS)
    if roll < 0.45:
        return rng.choice(PHRASES)
    length = rng.choice([1, 2, 5, 20, 80, 300, 4096, 5000]) if rng.random() < 0.5 else rng.randint(1, 60)
    text = "".join(rng.choice(rng.choice(ALPHABETS)) for _ in range(length))
    return text if text.strip() else text + "x"


class Fuzzer:
    """Makes random updates for the customers, the advisors' group, another group and a channel."""

    def __init__(self, app: Application, engine: BotApiEngine, seed: int) -> None:  # type: ignore[type-arg]
        self.app, self.engine, self.rng = app, engine, random.Random(seed)
        self.codec: CallbackCodec = app.bot_data["services"].callbacks
        self.stale = CallbackCodec(self.codec._secret, clock=lambda: 1_700_000_000.0)  # type: ignore[attr-defined]
        for user_id in CUSTOMERS:
            engine.add_user(user_id, first_name=self.rng.choice(["Mei", "志強", "محمد", "<b>x</b>"]),
                            language_code=self.rng.choice(["en", "zh-hant", "zh-hans", None]))  # fmt: skip
        engine.add_group("Owners' club", chat_id=OTHER_GROUP, members=CUSTOMERS)

    def _buttons(self, chat_id: int) -> list[tuple[int, str]]:
        found = []
        for message in self.engine.sent_messages(chat_id)[-6:]:
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                found += [(message["message_id"], b["callback_data"]) for b in row if "callback_data" in b]
        return found

    def next(self) -> dict[str, Any]:
        rng, engine = self.rng, self.engine
        user = rng.choice(CUSTOMERS)
        roll = rng.random()
        if roll < 0.40:
            return engine.push_text(user, random_text(rng))
        if roll < 0.62:
            return self._press(user)
        if roll < 0.66:
            return engine.push_photo(user, caption=random_text(rng) if rng.random() < 0.5 else None)
        if roll < 0.68:
            return engine.push_sticker(user, emoji=rng.choice(["👍", "🚗", "😡"]))
        if roll < 0.70:
            return engine.push_voice(user)
        if roll < 0.72:
            return engine.push_document(user)
        if roll < 0.76:
            return engine.push_location(user, rng.uniform(-90, 90), rng.uniform(-180, 180))
        if roll < 0.80:
            other = rng.choice([user, user, rng.choice(CUSTOMERS), None, 99])  # someone else's contact too
            phone = rng.choice(["8613826514417", "+8613800138000", "85291234567", "12", "+0000"])
            return engine.push_contact(user, phone, contact_user_id=other if other != user else -1)
        if roll < 0.86:
            return self._edited(user)
        if roll < 0.90:
            return engine.push_text(rng.choice([*CUSTOMERS, ADVISOR_ID]), random_text(rng), chat_id=OTHER_GROUP)
        if roll < 0.94:
            return engine.push_text(ADVISOR_ID, random_text(rng), chat_id=GROUP_ID)
        if roll < 0.96:
            return self._channel_post()
        return engine.push_text(user, random_text(rng))

    def _press(self, user: int) -> dict[str, Any]:
        rng, engine = self.rng, self.engine
        buttons = self._buttons(user)
        last = engine.sent_messages(user)
        message_id = last[-1]["message_id"] if last else 1
        roll = rng.random()
        if buttons and roll < 0.6:
            message_id, data = rng.choice(buttons)
        elif roll < 0.7 and buttons:  # the same button made long ago
            message_id, data = rng.choice(buttons)
            body = data.rpartition(":")[0].split(":")
            data = self.stale.pack(user, *body)
        elif roll < 0.8:  # someone else's button
            data = self.codec.pack(rng.choice(CUSTOMERS) + 100, rng.choice(["bk", "menu", "rem", "priv"]), "x", "1")
        else:
            data = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz:0123456789_-") for _ in range(rng.randint(1, 64)))
        if not last:
            return engine.push_text(user, "/start")
        return engine.push_callback(user, message_id, data, force=True)

    def _edited(self, user: int) -> dict[str, Any]:
        update = self.engine.push_text(user, random_text(self.rng))
        message = update["message"]
        self.engine.clear_updates()
        edited = {**message, "edit_date": message["date"]}
        return {"update_id": update["update_id"] + 10_000_000, "edited_message": edited}

    def _channel_post(self) -> dict[str, Any]:
        return {"update_id": self.rng.randint(20_000_000, 30_000_000),
                "channel_post": {"message_id": self.rng.randint(1, 10_000), "date": 1_796_000_000,
                                 "chat": {"id": CHANNEL, "type": "channel", "title": "News"},
                                 "text": random_text(self.rng)}}  # fmt: skip


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


async def run_updates(
    app: Application, engine: BotApiEngine, seed: int, count: int  # type: ignore[type-arg]
) -> tuple[list[tuple[object, BaseException]], list[str]]:
    """Feed `count` random updates; returns the errors the error handler saw and the failed expectations."""
    errors: list[tuple[object, BaseException]] = []

    async def recording(update: object, context: Any) -> None:
        errors.append((update, context.error))

    originals = dict(app.error_handlers)
    app.error_handlers.clear()
    app.error_handlers[recording] = True  # type: ignore[index]
    app.error_handlers.update(originals)
    fuzzer = Fuzzer(app, engine, seed)
    processor = app.update_processor
    problems: list[str] = []

    async def one(raw: dict[str, Any]) -> None:
        update = Update.de_json(raw, app.bot)
        await processor.process_update(update, app.process_update(update))

    for _ in range(count):
        raw = fuzzer.next()
        engine.clear_updates()
        before = len(engine.calls())
        twice = fuzzer.rng.random() < 0.05
        if twice:  # the same update twice at once, and a double tap (a new update id)
            twin = {**raw, "update_id": raw["update_id"] + 50_000_000}
            if "callback_query" in twin:
                query = {**twin["callback_query"], "id": f"{twin['callback_query']['id']}-2"}
                twin["callback_query"] = query
                pressed_by = query["from"]["id"]
                engine.callback_queries[query["id"]] = {"answered": False, "answer": None, "user_id": pressed_by}
            await asyncio.gather(one(raw), one(raw), one(twin))
        else:
            await one(raw)
        calls = engine.calls()[before:]
        refused = [f"{c.method} {c.status}: {c.response}" for c in calls if not c.ok and not second_press(c)]
        if refused:
            problems.append(f"update {raw}: refused {refused}")
        if "message" in raw and raw["message"]["chat"]["type"] == "private":
            problems += answered_once(raw, calls, updates=3 if twice else 1)
        if "callback_query" in raw and not engine.callback_queries[raw["callback_query"]["id"]]["answered"]:
            problems.append(f"update {str(raw)[:300]}: button not answered")
    return errors, problems


def second_press(call: Any) -> bool:
    """Telegram's "message is not modified" to an edit taking away buttons already gone: how a handler learns
    that a button was pressed again after the first press did the work (bot.handlers.privacy, garage.staff)."""
    return call.method.startswith("editMessage") and "message is not modified" in str(call.response)


MOST_PARTS = 2  # an answer in two parts: an acknowledgement, the emergency numbers or an answer to a question
# The emergency numbers' first line in each locale: sent before whatever the flow the customer is in replies
EMERGENCY_HEADS = ("<b>If anyone is in danger", "<b>有危險或有人受傷", "<b>有危险或有人受伤")
# asked mid-flow, then the flow's next question (a reply keyboard cannot be removed by a message with buttons)


def answered_once(raw: dict[str, Any], calls: list[Any], updates: int) -> list[str]:
    """A private message is answered once: something is sent to the customer (or relayed to the advisors), in at
    most MOST_PARTS messages, never the same message twice. `updates`: how many copies were processed at once
    (the re-delivered twin is dropped, the double tap is a message of its own)."""
    chat = str(raw["message"]["chat"]["id"])
    sent = [c.params.get("text") or c.params.get("caption") or c.method for c in calls
            if str(c.params.get("chat_id")) == chat and c.method.startswith("send")]  # fmt: skip
    relayed = any(str(c.params.get("chat_id")) == str(GROUP_ID) for c in calls)
    if not sent and not relayed:
        return [f"update {str(raw)[:300]}: no answer"]
    distinct_updates = 2 if updates > 1 else 1
    emergency = sum(1 for t in sent if isinstance(t, str) and t.startswith(EMERGENCY_HEADS))
    if len(sent) - emergency > MOST_PARTS * distinct_updates:  # the emergency numbers come on top of the flow's reply
        return [f"update {str(raw)[:300]}: {len(sent)} messages {[t[:60] for t in sent]}"]
    doubled = [t for t, n in Counter(sent).items() if n > distinct_updates]
    if doubled:
        return [f"update {str(raw)[:300]}: sent twice {[t[:60] for t in doubled]}"]
    return []


async def database_problems(app: Application) -> list[str]:  # type: ignore[type-arg]
    """Duplicate active bookings of one car on one day; slot counters that differ from the bookings."""
    problems = []
    async with app.bot_data["services"].sessions() as session:
        active = (await session.execute(select(Appointment).where(
            Appointment.status.in_(appointment_repo.ACTIVE)))).scalars().all()  # fmt: skip
        per_car_day = Counter((a.plate, a.day) for a in active if a.plate)
        problems += [f"{key} booked {n} times" for key, n in per_car_day.items() if n > 1]
        slots = Counter((a.branch, a.day, a.slot, a.mode) for a in active)
        for usage in (await session.execute(select(SlotUsage))).scalars().all():
            expected = sum(n for (b, d, s, m), n in slots.items() if (b, d) == (usage.branch, usage.day)
                           and usage.slot in ("*", s) and usage.mode in ("*", m))  # fmt: skip
            if usage.used != expected:
                problems.append(f"slot {usage.branch} {usage.day} {usage.slot} {usage.mode}: {usage.used} ≠ {expected}")
    return problems


async def test_random_updates_break_nothing(desk_app: tuple[Application, BotApiEngine, Desk]) -> None:  # type: ignore[type-arg]
    app, engine, _desk = desk_app
    errors, problems = await run_updates(app, engine, SEED, UPDATES)
    assert [f"{type(e).__name__}: {e} ← {str(u)[:400]}" for u, e in errors][:5] == []
    assert problems[:5] == []
    assert await database_problems(app) == []
