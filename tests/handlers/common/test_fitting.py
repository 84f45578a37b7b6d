"""Every request fits Telegram's limits, over HTTP against the loopback Bot API server (which refuses a text over
4,096 characters, a caption over 1,024, a keyboard over 100 buttons or about 10 kB, as Telegram does): the
application's bot and the outbox's bot cut what a plain bot would lose."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.handlers.common.fitting import FittingBot
from bot.handlers.outbox.transport import OutboxBot, TelegramTransport
from tests.botapi.ratelimit import RateLimits
from tests.botapi.rules import MAX_BUTTONS
from tests.botapi.server import FakeBotApiServer

LONG = "<b>車主</b> " + "&amp; 保養 " * 1200


@pytest.fixture
def server() -> Iterator[FakeBotApiServer]:
    with FakeBotApiServer(rate_limits=RateLimits(enabled=False)) as fake:
        yield fake


def keyboard(count: int, data: str = "x") -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(f"粤B·{n:05d}", callback_data=f"{data}{n}"[:64])] for n in range(count)]
    return InlineKeyboardMarkup([*rows, [InlineKeyboardButton("⬅️ Menu", callback_data="menu")]])


async def test_the_application_bot_cuts_what_a_plain_bot_loses(server: FakeBotApiServer) -> None:
    user = server.add_user(first_name="Mei")
    plain = ExtBot(server.token, base_url=server.base_url)
    fitting = FittingBot(server.token, base_url=server.base_url)
    async with plain, fitting:
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await plain.send_message(user.id, LONG, parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)reply markup is too long"):
            await plain.send_message(user.id, "cars", reply_markup=keyboard(150))
        with pytest.raises(BadRequest, match=r"(?i)reply markup is too long"):  # 96 buttons, but over 10 kB
            await plain.send_message(user.id, "cars", reply_markup=keyboard(95, "d" * 64))
        sent = await fitting.send_message(user.id, LONG, parse_mode="HTML")
        assert sent.text is not None and sent.text.endswith("…") and len(sent.text) >= 4090
        cars = await fitting.send_message(user.id, "cars", reply_markup=keyboard(150))
        buttons = [b for row in cars.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
        assert len(buttons) == MAX_BUTTONS and buttons[-1].text == "⬅️ Menu"  # the last row is kept
        heavy = await fitting.send_message(user.id, "cars", reply_markup=keyboard(95, "d" * 64))
        assert heavy.reply_markup is not None and heavy.reply_markup.inline_keyboard[-1][0].text == "⬅️ Menu"
        button = await fitting.send_message(user.id, "tap", reply_markup=keyboard(1))
        query = server.push_callback(user.id, button.message_id, "x0")["callback_query"]["id"]
        with pytest.raises(BadRequest):
            await plain.answer_callback_query(query, "請稍候" * 100, show_alert=True)
        assert await fitting.answer_callback_query(query, "請稍候" * 100, show_alert=True)
        assert len(server.callback_queries[query]["answer"]["text"]) == 200
        photo = server.push_photo(user.id)["message"]
        copied = await fitting.copy_message(user.id, user.id, photo["message_id"], caption=LONG, parse_mode="HTML")
        assert copied.message_id
    [caption] = [m["caption"] for m in server.sent_messages(user.id) if "photo" in m and m.get("caption")]
    assert len(caption) <= 1024 and caption.endswith("…")


async def test_the_outbox_bot_cuts_a_stored_payload(server: FakeBotApiServer) -> None:
    user = server.add_user(first_name="Mei")
    bot = OutboxBot(server.token, base_url=server.base_url)
    async with bot:
        payload = {"method": "sendMessage", "text": LONG, "parse_mode": "HTML"}
        result = await TelegramTransport(bot).send(user.id, payload)
    assert result.message_id is not None
    assert server.sent_messages(user.id)[-1]["text"].endswith("…")
