"""Tests of the fake Bot API: rules, the loopback server driven by a real PTB Bot, RecordingRequest."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    ApplicationBuilder,
    CallbackContext,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.botapi.engine import BotApiEngine
from tests.botapi.ratelimit import RateLimiter, RateLimits
from tests.botapi.recording import RecordingRequest, process, recording_application_builder
from tests.botapi.rules import ApiError, check_message_text, check_reply_markup, parse_html, parse_html_entities
from tests.botapi.server import FakeBotApiServer

NO_LIMITS = RateLimits(enabled=False)


def keyboard(*data: str) -> InlineKeyboardMarkup:
    """One row of callback buttons."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(d[:10] or "x", callback_data=d) for d in data]])


@pytest.fixture
def server() -> Iterator[FakeBotApiServer]:
    """A started server without rate limits."""
    with FakeBotApiServer(rate_limits=NO_LIMITS) as fake:
        yield fake


@pytest_asyncio.fixture
async def bot(server: FakeBotApiServer) -> AsyncIterator[Bot]:
    """A real PTB Bot talking HTTP to the server."""
    async with server.make_bot() as real_bot:
        yield real_bot


# ------------------------------------------------------------------ rules (pure)
def test_html_parser_matches_tdlib() -> None:
    text, entities = parse_html_entities('<b>Привет</b>, <a href="https://x.org/?a=1&amp;b=2">x</a> &lt;3 &#128512;')
    assert text == "Привет, x <3 😀"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 6},
        {"type": "text_link", "offset": 8, "length": 1, "url": "https://x.org/?a=1&b=2"},
    ]
    _, pre = parse_html_entities('<pre><code class="language-python">x = 1</code></pre>')
    assert pre == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]
    _, quote = parse_html_entities(
        "<blockquote expandable>q</blockquote><tg-emoji emoji-id='5368324170671202286'>👍</tg-emoji>"
    )
    assert [e["type"] for e in quote] == ["expandable_blockquote", "custom_emoji"]
    assert parse_html('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>') == "st"


@pytest.mark.parametrize(
    ("markup", "detail"),
    [
        ("Hello <foo>", 'Unsupported start tag "foo" at byte offset 6'),
        ("Привет <p>", 'Unsupported start tag "p" at byte offset 13'),
        ("<b>bold", "Can't find end tag corresponding to start tag b"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("x </b>", "Unexpected end tag at byte offset 2"),
        ("tom&nbsp;jerry", 'Unsupported HTML entity "&nbsp;"'),
        ("fish & chips", "Unescaped '&'"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<a>x</a>", 'Tag "a" must have attribute "href"'),
        ("end <", "Unclosed start tag at byte offset 4"),
    ],
)
def test_invalid_html_is_rejected(markup: str, detail: str) -> None:
    with pytest.raises(ApiError) as info:
        check_message_text(markup, "HTML")
    assert info.value.error_code == 400
    assert info.value.description.startswith("Bad Request: can't parse entities: ")
    assert detail in info.value.description


def test_lenient_html_mode_follows_tdlib() -> None:
    assert parse_html("fish & chips &nbsp;", strict=False) == "fish & chips &nbsp;"


def test_text_limits_count_utf16_units() -> None:
    assert check_message_text("😀" * 2048)[0] == "😀" * 2048
    for too_long in ("x" * 4097, "😀" * 2049, "<b>" + "y" * 4097 + "</b>"):
        with pytest.raises(ApiError, match="message is too long"):
            check_message_text(too_long, "HTML")
    assert check_message_text("<b>" + "y" * 4096 + "</b>", "HTML")[0] == "y" * 4096
    for empty in ("", "   \n", "<b> </b>"):
        with pytest.raises(ApiError, match="message text is empty"):
            check_message_text(empty, "HTML")


def test_reply_markup_rules() -> None:
    check_reply_markup({"inline_keyboard": [[{"text": "ok", "callback_data": "x" * 64}]]})
    bad: list[Any] = [
        {"inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]},
        {"inline_keyboard": [[{"text": "a", "callback_data": "я" * 33}]]},
        {"inline_keyboard": [[{"text": "a", "callback_data": ""}]]},
    ]
    for markup in bad:
        with pytest.raises(ApiError, match="BUTTON_DATA_INVALID"):
            check_reply_markup(markup)
    with pytest.raises(ApiError, match="Text buttons are unallowed"):
        check_reply_markup({"inline_keyboard": [[{"text": "a"}]]})
    with pytest.raises(ApiError, match="exactly one"):
        check_reply_markup({"inline_keyboard": [[{"text": "a", "callback_data": "x", "url": "https://x.org"}]]})
    with pytest.raises(ApiError, match="too long"):
        check_reply_markup({"inline_keyboard": [[{"text": "a", "callback_data": str(i)} for i in range(101)]]})
    reply = {"keyboard": [[{"text": "Phone", "request_contact": True}, {"text": "Where", "request_location": True}]]}
    assert check_reply_markup(reply) == reply


def test_rate_limiter_private_burst_and_group_window() -> None:
    now = [0.0]
    limiter = RateLimiter(RateLimits(private_burst=3), clock=lambda: now[0])
    for _ in range(3):
        limiter.check(1, "private")
    with pytest.raises(ApiError) as info:
        limiter.check(1, "private")
    assert (info.value.error_code, info.value.retry_after) == (429, 1)
    assert info.value.description == "Too Many Requests: retry after 1"
    now[0] = 1.0
    limiter.check(1, "private")
    for _ in range(20):
        now[0] += 0.01
        limiter.check(-100, "supergroup")
    with pytest.raises(ApiError) as info:
        limiter.check(-100, "supergroup")
    assert info.value.retry_after == 60


# ------------------------------------------------------------ server with real Bot
@pytest.mark.asyncio
async def test_valid_html_and_4096_characters_pass(server: FakeBotApiServer, bot: Bot) -> None:
    alice = server.add_user(first_name="Alice")
    sent = await bot.send_message(alice.id, "<b>Hi</b> &amp; <i>bye</i>", parse_mode=ParseMode.HTML)
    assert sent.text == "Hi & bye"
    assert [e.type for e in sent.entities] == ["bold", "italic"]
    long_one = await bot.send_message(alice.id, "x" * 4096)
    assert len(long_one.text) == 4096
    assert [m["message_id"] for m in server.wait_for_messages(alice.id, 2)] == [sent.message_id, long_one.message_id]


@pytest.mark.asyncio
async def test_rule_violations_raise_bad_request(server: FakeBotApiServer, bot: Bot) -> None:
    alice = server.add_user()
    with pytest.raises(BadRequest, match='Can\'t parse entities: unsupported start tag "foo" at byte offset 6'):
        await bot.send_message(alice.id, "Hello <foo>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(alice.id, "x" * 4097)
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(alice.id, "pick", reply_markup=keyboard("d" * 65))
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "nobody")
    assert server.sent_messages(alice.id) == []
    assert [c.status for c in server.calls("sendMessage")] == [400, 400, 400, 400]


@pytest.mark.asyncio
async def test_private_chat_rate_limit_surfaces_as_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    with FakeBotApiServer(rate_limits=RateLimits(private_burst=3)) as server:
        alice = server.add_user()
        async with server.make_bot() as bot:
            for i in range(3):
                await bot.send_message(alice.id, f"burst {i}")
            with pytest.raises(RetryAfter) as info:
                await bot.send_message(alice.id, "one too many")
            assert info.value.retry_after >= dtm.timedelta(seconds=1)
            server.inject_fault("sendMessage", status=429, retry_after=7)
            server.rate_limiter.limits.enabled = False
            with pytest.raises(RetryAfter) as injected:
                await bot.send_message(alice.id, "flood")
            assert injected.value.retry_after == dtm.timedelta(seconds=7)
            await bot.send_message(alice.id, "fine again")


@pytest.mark.asyncio
async def test_blocked_chat_is_forbidden(server: FakeBotApiServer, bot: Bot) -> None:
    alice = server.add_user()
    update = server.push_my_chat_member(alice.id, blocked=True)
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(alice.id, "hello?")
    server.unblock_chat(alice.id)
    await bot.send_message(alice.id, "hello again")


@pytest.mark.asyncio
async def test_injected_faults_are_network_errors(server: FakeBotApiServer, bot: Bot) -> None:
    alice = server.add_user()
    server.inject_fault("sendMessage", status=500)
    with pytest.raises(NetworkError, match="Internal Server Error") as info:
        await bot.send_message(alice.id, "a")
    assert not isinstance(info.value, BadRequest)
    server.inject_fault(status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(alice.id, "b")
    server.drop_next("sendMessage")
    with pytest.raises(NetworkError, match="RemoteProtocolError"):
        await bot.send_message(alice.id, "c")
    assert (await bot.send_message(alice.id, "d")).text == "d"
    assert [c.status for c in server.calls("sendMessage")] == [500, 502, 0, 200]


@pytest.mark.asyncio
async def test_wrong_token_is_unauthorized(server: FakeBotApiServer) -> None:
    with pytest.raises(InvalidToken, match="rejected"):
        async with Bot("42:WRONG", base_url=server.base_url):  # initialize() calls getMe
            pass
    assert server.calls("getMe")[-1].response == {"ok": False, "error_code": 401, "description": "Unauthorized"}


@pytest.mark.asyncio
async def test_wire_formats_and_error_shapes(server: FakeBotApiServer) -> None:
    alice = server.add_user()
    api = f"{server.base_url}{server.token}"
    async with httpx.AsyncClient() as client:
        as_json = await client.post(f"{api}/sendMessage", json={"chat_id": alice.id, "text": "json"})
        as_form = await client.post(f"{api}/sendMessage", data={"chat_id": str(alice.id), "text": "form"})
        as_get = await client.get(f"{api}/getMe")
        markup = json.dumps({"inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]})
        bad = await client.post(f"{api}/sendMessage", data={"chat_id": alice.id, "text": "t", "reply_markup": markup})
        wrong = await client.post(f"{server.base_url}1:nope/getMe")
    assert [r.json()["result"]["text"] for r in (as_json, as_form)] == ["json", "form"]
    assert as_get.json()["result"]["is_bot"] is True
    assert bad.status_code == 400
    assert bad.json() == {"ok": False, "error_code": 400, "description": "Bad Request: BUTTON_DATA_INVALID"}
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


@pytest.mark.asyncio
async def test_multipart_uploads_and_captions(server: FakeBotApiServer, bot: Bot) -> None:
    alice = server.add_user()
    doc = await bot.send_document(
        alice.id, b"%PDF-1.4", filename="счёт.pdf", caption="<b>Счёт</b> №1", parse_mode="HTML"
    )
    assert (doc.document.file_name, doc.caption, doc.caption_entities[0].type) == ("счёт.pdf", "Счёт №1", "bold")
    photo = await bot.send_photo(alice.id, doc.document.file_id)  # a file_id string is accepted too
    assert photo.photo[-1].file_id == doc.document.file_id
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(alice.id, b"\x89PNG", caption="c" * 1025)
    assert server.calls("sendDocument")[0].params["document"] == "<upload счёт.pdf 8B>"


@pytest.mark.asyncio
async def test_long_polling_returns_pushed_update(server: FakeBotApiServer, bot: Bot) -> None:
    alice = server.add_user()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    pushed = server.push_text(alice.id, "/start now")
    updates = await asyncio.wait_for(poll, 3)
    assert [u.update_id for u in updates] == [pushed["update_id"]]
    assert updates[0].message.text == "/start now"
    assert updates[0].message.entities[0].type == "bot_command"
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()
    assert server.pending_updates() == []


class _Receiver(BaseHTTPRequestHandler):
    """Collects webhook POSTs."""

    received: ClassVar[list[tuple[dict[str, str], dict[str, Any]]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.mark.asyncio
async def test_webhook_delivery_carries_secret_header(server: FakeBotApiServer, bot: Bot) -> None:
    alice = server.add_user()
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        assert await bot.set_webhook(url, secret_token="s3cret-token")
        assert (await bot.get_webhook_info()).url == url
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        pushed = server.push_text(alice.id, "via webhook")
        await asyncio.to_thread(server.wait_for_webhook_delivery, pushed["update_id"])
        headers, body = _Receiver.received[-1]
        assert headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret-token"
        assert body["message"]["text"] == "via webhook"
        assert (await bot.get_webhook_info()).pending_update_count == 0
        assert await bot.delete_webhook()
    finally:
        receiver.shutdown()
        receiver.server_close()


@pytest.mark.asyncio
async def test_callbacks_edits_commands_and_topics(server: FakeBotApiServer, bot: Bot) -> None:
    alice = server.add_user()
    menu = await bot.send_message(alice.id, "Menu", reply_markup=keyboard("svc:oil", "svc:tyres"))
    with pytest.raises(LookupError):
        server.push_callback(alice.id, menu.message_id, "svc:forged")
    press = server.push_callback(alice.id, menu.message_id, "svc:oil")
    query_id = press["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id, "Booked")
    assert server.callback_answer(query_id)["text"] == "Booked"
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)
    edited = await bot.edit_message_text("Oil change booked", alice.id, menu.message_id)
    assert edited.reply_markup is None  # omitting reply_markup removes the keyboard, as on Telegram
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Oil change booked", alice.id, menu.message_id)
    await bot.send_message(
        alice.id, "Share", reply_markup=ReplyKeyboardMarkup([[KeyboardButton("📞", request_contact=True)]])
    )
    assert server.push_contact(alice.id, "+15550100")["message"]["contact"]["user_id"] == alice.id
    await bot.set_my_commands([("start", "Start")], language_code="ru")
    assert [c.command for c in await bot.get_my_commands(language_code="ru")] == ["start"]
    assert await bot.get_my_commands() == ()
    forum = server.add_group("Service desk", forum=True, members=[alice.id])
    topic = await bot.create_forum_topic(forum.id, "Alice · booking")
    in_topic = await bot.send_message(forum.id, "New booking", message_thread_id=topic.message_thread_id)
    assert (in_topic.message_thread_id, in_topic.is_topic_message) == (topic.message_thread_id, True)
    await bot.close_forum_topic(forum.id, topic.message_thread_id)
    with pytest.raises(BadRequest, match="Topic_closed"):
        await bot.send_message(forum.id, "late", message_thread_id=topic.message_thread_id)


@pytest.mark.asyncio
async def test_application_polling_end_to_end(server: FakeBotApiServer) -> None:
    alice = server.add_user(first_name="Alice")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html(f"<b>echo:</b> {update.effective_message.text}", do_quote=True)

    app = ApplicationBuilder().token(server.token).base_url(server.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=1))
        server.push_text(alice.id, "hello")
        [reply] = await server.wait_for_messages_async(alice.id, 1, timeout=5)
        await app.updater.stop()
        await app.stop()
    assert reply["text"] == "echo: hello"
    assert reply["reply_to_message"]["text"] == "hello"


# ------------------------------------------------------------------ RecordingRequest
@pytest.mark.asyncio
async def test_recording_request_with_process_update() -> None:
    engine = BotApiEngine(rate_limits=NO_LIMITS)
    alice = engine.add_user(first_name="Alice")
    errors: list[BaseException] = []

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        text = update.effective_message.text or ""
        await update.effective_message.reply_html(f"<b>{text}</b>" if text != "broken" else "<p>broken</p>")

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("ok")

    async def on_error(update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
        assert context.error is not None
        errors.append(context.error)

    app = recording_application_builder(engine).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(on_press))
    app.add_error_handler(on_error)
    async with app:
        await process(app, engine.push_text(alice.id, "hi"))
        await process(app, engine.push_text(alice.id, "broken"))
        menu = await app.bot.send_message(alice.id, "menu", reply_markup=keyboard("k:1"))
        await process(app, engine.push_callback(alice.id, menu.message_id, "k:1"))
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await app.bot.send_message(alice.id, "bad", reply_markup=keyboard("k" * 65))

    [echoed, _menu] = engine.sent_messages(alice.id)
    assert (echoed["text"], echoed["entities"][0]["type"]) == ("hi", "bold")
    assert len(errors) == 1
    assert isinstance(errors[0], BadRequest)
    assert 'unsupported start tag "p"' in str(errors[0])
    sends = engine.calls("sendMessage")
    assert [c.status for c in sends] == [200, 400, 200, 400]
    assert sends[0].params["parse_mode"] == "HTML"
    assert sends[0].params["chat_id"] == alice.id
    assert engine.calls("answerCallbackQuery")[0].params["text"] == "ok"
    assert [c.method for c in RecordingRequest(engine).calls][:1] == ["getMe"]
