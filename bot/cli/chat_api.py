"""The Bot API as `python -m bot chat` answers it: what the bot sends is printed, inline buttons numbered.

One terminal plays every part: the customer in their private chat and the staff in the advisors' forum
supergroup. Messages to the group are printed under a header naming the topic; messages the bot copies
(a customer's photo into a topic, an advisor's reply back) are printed where they arrive.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

_TAG = re.compile(r"<[^>]+>")
BOT_USER = {"id": 999_000_001, "is_bot": True, "first_name": "CareBot", "username": "carebot_local_bot"}
_MEDIA = {"sendPhoto": "photo", "sendVoice": "voice", "sendDocument": "document", "sendSticker": "sticker",
          "sendVideo": "video", "sendAudio": "audio"}  # fmt: skip


def html_to_terminal(text: str, ansi: bool) -> str:
    """Telegram HTML → what a terminal shows: bold as ANSI bold, other tags dropped, entities unescaped."""
    if ansi:
        text = re.sub(r"<(b|strong)>", "\033[1m", text)
        text = re.sub(r"</(b|strong)>", "\033[0m", text)
    return html.unescape(_TAG.sub("", text))


@dataclass
class Button:
    label: str
    callback_data: str | None
    message: dict[str, Any]
    url: str | None = None
    request: str | None = None  # "contact" or "location" for reply-keyboard buttons that send one


@dataclass
class TerminalBotApi(BaseRequest):
    """Answers the Bot API methods the bot calls, printing what the customer and the advisors would see.

    `group_id` is the advisors' supergroup (a forum); every other chat is a private chat.
    """

    chat_id: int
    out: Callable[[str], None] = print
    ansi: bool = False
    group_id: int | None = None
    buttons: list[Button] = field(default_factory=list)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    topics: dict[int, str] = field(default_factory=dict)
    last_topic: int | None = None
    turn_started: bool = False  # set by each typed line: the next keyboard shown starts again at [1]
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

    def chat(self, chat_id: int) -> dict[str, Any]:
        """The chat object Telegram would put in a message."""
        if chat_id == self.group_id:
            return {"id": chat_id, "type": "supergroup", "title": "Advisors", "is_forum": True}
        return {"id": chat_id, "type": "private"}

    def remember(self, message: dict[str, Any]) -> None:
        """Keep a message (the bot's or a user's) so copyMessage and edits can find it."""
        self.messages[(message["chat"]["id"], message["message_id"])] = message

    def next_id(self) -> int:
        return next(self._ids)

    def _answer(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name == "sendMessage":
            return self._show(params, params.get("text", ""))
        if name in {"editMessageText", "editMessageReplyMarkup"}:
            return self._edit(name, params)
        if name == "sendLocation":
            return self._show(params, f"📍 {params.get('latitude')}, {params.get('longitude')}")
        if name in _MEDIA:
            caption = params.get("caption") or ""
            return self._show(params, f"[{_MEDIA[name]}] {caption}".strip())
        if name in {"copyMessage", "forwardMessage"}:
            return self._copy(name, params)
        if name == "createForumTopic":
            thread = self.next_id()
            self.topics[thread] = str(params.get("name", ""))
            self.out(f"\n  (the bot opened topic #{thread} «{self.topics[thread]}» in the advisors' group)")
            return {"message_thread_id": thread, "name": self.topics[thread], "icon_color": 7322096}
        if name == "answerCallbackQuery":
            if params.get("text"):
                self.out(f"  (popup) {params['text']}")
            return True
        return True  # setMyCommands, sendChatAction, closeForumTopic and other acknowledgements

    def _header(self, chat_id: int, thread: int | None) -> str | None:
        if chat_id == self.group_id:
            topic = f" › topic #{thread} «{self.topics.get(thread, '')}»" if thread else " › General"
            return f"── advisors' group{topic} ──"
        if chat_id != self.chat_id:
            return f"── to chat {chat_id} ──"
        return None

    def _show(self, params: dict[str, Any], text: str, note: str = "") -> dict[str, Any]:
        chat_id = int(params.get("chat_id", self.chat_id))
        thread = params.get("message_thread_id")
        message: dict[str, Any] = {
            "message_id": self.next_id(),
            "date": int(time.time()),
            "chat": self.chat(chat_id),
            "from": BOT_USER,
            "text": html.unescape(_TAG.sub("", text)),
        }
        if thread:
            message["message_thread_id"], message["is_topic_message"] = int(thread), True
            self.last_topic = int(thread)
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if markup and "inline_keyboard" in markup:  # Telegram returns only an inline keyboard with the message
            message["reply_markup"] = markup
        self.remember(message)
        self.out("")
        header = self._header(chat_id, int(thread) if thread else None)
        if header:
            self.out(header)
        self.out(note + html_to_terminal(text, self.ansi))
        self._list_buttons(markup or {}, message)
        return message

    def _edit(self, name: str, params: dict[str, Any]) -> Any:
        key = (int(params.get("chat_id", self.chat_id)), int(params.get("message_id", 0)))
        old = self.messages.get(key)
        text = params.get("text") if name == "editMessageText" else (old or {}).get("text", "")
        shown = {**params}
        if old and old.get("message_thread_id"):
            shown.setdefault("message_thread_id", old["message_thread_id"])
        message = self._show(shown, text or "", note="(edited) ")
        if old is not None:  # the edited message keeps its id: buttons pressed on it name the original
            message["message_id"] = old["message_id"]
            self.messages.pop((key[0], message["message_id"]), None)
            self.remember(message)
        return message

    def _copy(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        source = self.messages.get((int(params["from_chat_id"]), int(params["message_id"])), {})
        content = source.get("text") or source.get("caption") or next(
            (f"[{kind}]" for kind in ("photo", "voice", "document", "sticker", "video", "audio") if kind in source),
            "📍 {latitude}, {longitude}".format(**source["location"]) if "location" in source else "[message]",
        )
        copied = self._show(params, html.escape(content), note="(copied) ")
        return {"message_id": copied["message_id"]} if name == "copyMessage" else copied

    def _list_buttons(self, markup: dict[str, Any], message: dict[str, Any]) -> None:
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        if markup.get("remove_keyboard"):  # the reply keyboard is gone: its buttons can no longer be pressed
            self.buttons = [button for button in self.buttons if button.callback_data or button.url]
        if not rows:
            return
        # Keyboards shown after one typed line are numbered on from each other (a reminder and a follow-up
        # arriving together both stay pressable); the next typed line starts again at [1].
        if self.turn_started:
            self.buttons, self.turn_started = [], False
        first = len(self.buttons)
        for row in rows:
            for button in row:
                if isinstance(button, str):  # a reply-keyboard button may be a bare string
                    button = {"text": button}
                request = next((kind for kind in ("contact", "location") if button.get(f"request_{kind}")), None)
                self.buttons.append(
                    Button(button["text"], button.get("callback_data"), message, button.get("url"), request)
                )
        for number, button in enumerate(self.buttons[first:], start=first + 1):
            note = f"  → {button.url}" if button.url else f"  (sends your {button.request})" if button.request else ""
            self.out(f"  [{number}] {button.label}{note}")
