"""`python -m bot chat`: a terminal conversation with the real Application, no network.

The Bot API is answered locally by `TerminalBotApi` (what the bot sends is printed, inline buttons numbered);
what you type becomes a real `Update` fed to `Application.process_update`, exactly as Telegram would send it.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

_TAG = re.compile(r"<[^>]+>")
_BOLD = re.compile(r"</?(b|strong)>")
BOT_USER = {"id": 999_000_001, "is_bot": True, "first_name": "CareBot", "username": "carebot_local_bot"}
# What a request_contact / request_location button sends. The phone is the first demo customer's
# (knowledge/demo/customers.csv, seeded by `python -m bot setup`), written as Telegram writes it (no "+"),
# so the demo links to records; CAREBOT_CHAT_PHONE picks another.
DEMO_PHONE = "8613826514417"
DEMO_LOCATION = {"latitude": 22.5431, "longitude": 114.0579}  # Shenzhen


def html_to_terminal(text: str, ansi: bool) -> str:
    """Telegram HTML → what a terminal shows: bold as ANSI bold, other tags dropped, entities unescaped."""
    if ansi:
        text = re.sub(r"<(b|strong)>", "\033[1m", text)
        text = re.sub(r"</(b|strong)>", "\033[0m", text)
    text = _TAG.sub("", _BOLD.sub("", text) if not ansi else text)
    return html.unescape(text)


@dataclass
class Button:
    label: str
    callback_data: str | None
    message: dict[str, Any]
    url: str | None = None
    request: str | None = None  # "contact" or "location" for reply-keyboard buttons that send one


@dataclass
class TerminalBotApi(BaseRequest):
    """Answers the Bot API methods the bot calls, printing what a customer would see."""

    chat_id: int
    out: Callable[[str], None] = print
    ansi: bool = False
    buttons: list[Button] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        result = self._answer(name, params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _answer(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name in {"sendMessage", "editMessageText"}:
            return self._show(params, params.get("text", ""))
        if name == "sendLocation":
            return self._show(params, f"📍 {params.get('latitude')}, {params.get('longitude')}")
        if name == "answerCallbackQuery":
            if params.get("text"):
                self.out(f"  (popup) {params['text']}")
            return True
        return True  # setMyCommands, sendChatAction and other acknowledgements

    def _show(self, params: dict[str, Any], text: str) -> dict[str, Any]:
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": params.get("chat_id", self.chat_id), "type": "private"},
            "from": BOT_USER,
            "text": html.unescape(_TAG.sub("", text)),
        }
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if markup and "inline_keyboard" in markup:  # Telegram returns only an inline keyboard with the message
            message["reply_markup"] = markup
        self.out("")
        self.out(html_to_terminal(text, self.ansi))
        self._list_buttons(markup or {}, message)
        return message

    def _list_buttons(self, markup: dict[str, Any], message: dict[str, Any]) -> None:
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        if markup.get("remove_keyboard"):  # the reply keyboard is gone: its buttons can no longer be pressed
            self.buttons = [button for button in self.buttons if button.callback_data or button.url]
        if not rows:
            return
        self.buttons = []
        for row in rows:
            for button in row:
                if isinstance(button, str):  # a reply-keyboard button may be a bare string
                    button = {"text": button}
                request = next((kind for kind in ("contact", "location") if button.get(f"request_{kind}")), None)
                self.buttons.append(
                    Button(button["text"], button.get("callback_data"), message, button.get("url"), request)
                )
        for number, button in enumerate(self.buttons, start=1):
            note = f"  → {button.url}" if button.url else f"  (sends your {button.request})" if button.request else ""
            self.out(f"  [{number}] {button.label}{note}")


class TerminalChat:
    """Turns typed lines into updates from one private-chat customer."""

    def __init__(
        self,
        application: Application,
        api: TerminalBotApi,
        user_id: int,
        first_name: str,  # type: ignore[type-arg]
        language_code: str | None,
    ) -> None:
        self.application = application
        self.api = api
        self.user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            self.user["language_code"] = language_code
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1_000_000)

    def update_for(self, line: str) -> Update:
        """A button press when the line is the number of a shown button, else a text message.

        A reply-keyboard button sends its label as text, or a contact (the customer's own, with the phone in
        CAREBOT_CHAT_PHONE) or a location when it is a request_contact / request_location button.
        """
        if line.strip().isdigit() and 1 <= int(line) <= len(self.api.buttons):
            button = self.api.buttons[int(line) - 1]
            if button.request == "contact":
                phone = os.environ.get("CAREBOT_CHAT_PHONE") or DEMO_PHONE
                contact = {"phone_number": phone, "first_name": self.user["first_name"], "user_id": self.user["id"]}
                return self._message({"contact": contact})
            if button.request == "location":
                return self._message({"location": dict(DEMO_LOCATION)})
            if button.callback_data is not None:
                payload = {
                    "callback_query": {
                        "id": str(next(self._update_ids)),
                        "from": self.user,
                        "chat_instance": "terminal",
                        "data": button.callback_data,
                        "message": button.message,
                    }
                }
                return self._update(payload)
            line = button.label  # a reply-keyboard button sends its label as text
        content: dict[str, Any] = {"text": line}
        if line.startswith("/"):
            command = line.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._message(content)

    def _message(self, content: dict[str, Any]) -> Update:
        """A message from the customer in their private chat with `content` (text, contact, location…)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": self.api.chat_id, "type": "private", "first_name": self.user["first_name"]},
            "from": self.user,
            **content,
        }
        return self._update({"message": message})

    def _update(self, payload: dict[str, Any]) -> Update:
        return Update.de_json({"update_id": next(self._update_ids), **payload}, self.application.bot)

    async def say(self, line: str) -> None:
        await self.application.process_update(self.update_for(line))


async def run_terminal_chat(
    application: Application,
    api: TerminalBotApi,
    first_name: str,  # type: ignore[type-arg]
    language_code: str | None,
) -> None:
    """Read lines until EOF or /quit; every line goes through the real handlers."""
    chat = TerminalChat(application, api, api.chat_id, first_name, language_code)
    async with application:
        await chat.say("/start")
        while True:
            try:
                line = await asyncio.to_thread(input, "\n> ")
            except EOFError:
                break
            if line.strip() in {"/quit", "/exit"}:
                break
            if line.strip():
                await chat.say(line)
    sys.stdout.flush()
