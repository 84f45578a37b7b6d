"""The Bot API as `python -m bot chat` answers it: what the bot sends is printed, inline buttons numbered.

One terminal plays every part: the customers, each in their private chat, and the staff in the advisors' forum
supergroup. Each message is printed under a header naming its chat (and topic) whenever the chat changes;
messages the bot copies (a customer's photo into a topic, an advisor's reply back) are printed where they
arrive. Every button gets a number of its own for the whole conversation and stays pressable while it is on
screen in Telegram: until its message is edited or deleted, or a reply keyboard is removed or replaced; then its
number is remembered as gone, so pressing it says why instead of sending the number as text.
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

    @property
    def reply_keyboard(self) -> bool:
        """A reply-keyboard button (sends text, a contact or a location) rather than an inline one."""
        return self.callback_data is None and self.url is None

    def belongs_to(self, chat_id: int, message_id: int) -> bool:
        return (self.message["chat"]["id"], self.message["message_id"]) == (chat_id, message_id)


@dataclass
class TerminalBotApi(BaseRequest):
    """Answers the Bot API methods the bot calls, printing what the customer and the advisors would see.

    `group_id` is the advisors' supergroup (a forum); every other chat is a private chat.
    """

    chat_id: int
    out: Callable[[str], None] = print
    ansi: bool = False
    group_id: int | None = None
    buttons: dict[int, Button] = field(default_factory=dict)  # the live buttons by their number
    gone: dict[int, tuple[str, str]] = field(default_factory=dict)  # number → (label, why it can't be pressed)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    topics: dict[int, str] = field(default_factory=dict)
    chat_names: dict[int, str] = field(default_factory=dict)  # private chats by who is in them (staff, customers)
    last_topic: int | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _shown_in: tuple[int, int | None] | None = None  # the chat (and topic) printed last

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
        if name in {"editMessageText", "editMessageReplyMarkup", "editMessageCaption"}:
            return self._edit(name, params)
        if name in {"deleteMessage", "deleteMessages"}:
            chat_id = int(params.get("chat_id", self.chat_id))
            listed = params.get("message_ids") or [params.get("message_id", 0)]
            ids = {int(i) for i in (json.loads(listed) if isinstance(listed, str) else listed)}
            self._drop(lambda button: button.message["chat"]["id"] == chat_id and button.message["message_id"] in ids,
                       "its message was deleted")  # fmt: skip
            return True
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
        if name in {"editForumTopic", "closeForumTopic"}:
            thread = int(params.get("message_thread_id") or 0)
            if name == "editForumTopic" and params.get("name") and thread in self.topics:
                self.topics[thread] = str(params["name"])
            self.out(f"  (the bot {'renamed' if name == 'editForumTopic' else 'closed'} topic #{thread}"
                     f" «{self.topics.get(thread, '')}»)")
            return True
        if name == "answerCallbackQuery":
            if params.get("text"):
                self.out(f"  (popup) {params['text']}")
            return True
        return True  # setMyCommands, sendChatAction and other acknowledgements

    def announce(self, chat_id: int, thread: int | None) -> None:
        """Before the prompt: the header of the chat the next typed line goes to, when output was elsewhere, so
        what is typed reads under the right chat (a customer's line after a message in the advisors' group)."""
        if self._shown_in is not None and (header := self._header(chat_id, thread)):
            self.out("")
            self.out(header)

    def _header(self, chat_id: int, thread: int | None) -> str | None:
        """A line naming the chat, printed when output moves to another chat (or topic) than the last one."""
        if self._shown_in == (chat_id, thread):
            return None
        first, self._shown_in = self._shown_in is None, (chat_id, thread)
        if chat_id == self.group_id:
            topic = f" › topic #{thread} «{self.topics.get(thread, '')}»" if thread else " › General"
            return f"── advisors' group{topic} ──"
        name = self.chat_names.get(chat_id)  # staff in their own chat; each customer once the terminal plays two
        if chat_id != self.chat_id:
            return f"── {name}'s private chat ──" if name else f"── to chat {chat_id} ──"
        return None if first else f"── {name}'s private chat ──" if name else "── customer's private chat ──"

    def live_buttons(self) -> list[str]:
        """`:buttons`: every button that can still be pressed, with its number and where it is."""
        lines = []
        for number, button in self.buttons.items():
            chat_id, thread = button.message["chat"]["id"], button.message.get("message_thread_id")
            name = self.chat_names.get(chat_id)
            where = f"{name}'s private chat" if name else "private chat"
            where = "advisors' group" if chat_id == self.group_id else where
            where += f" › topic #{thread}" if thread else ""
            lines.append(f"  [{number}] {button.label}  ({where})")
        return lines or ["  (no buttons on screen)"]

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
        # An edit replaces the message's keyboard: its old buttons can no longer be pressed.
        self._drop(lambda button: button.belongs_to(*key), "its message was edited")
        text = {"editMessageText": params.get("text"), "editMessageCaption": params.get("caption")}.get(
            name, (old or {}).get("text", ""))
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

    def _drop(self, gone: Callable[[Button], bool], why: str) -> None:
        for number, button in list(self.buttons.items()):
            if gone(button):
                self.gone[number] = (button.label, why)
                del self.buttons[number]

    def _list_buttons(self, markup: dict[str, Any], message: dict[str, Any]) -> None:
        chat_id = message["chat"]["id"]
        if markup.get("remove_keyboard") or markup.get("keyboard"):
            # A chat has one reply keyboard at a time: removed, or replaced by the new one.
            why = "its keyboard was replaced" if markup.get("keyboard") else "its keyboard was removed"
            self._drop(lambda button: button.reply_keyboard and button.message["chat"]["id"] == chat_id, why)
        for row in markup.get("inline_keyboard") or markup.get("keyboard") or []:
            for button in row:
                if isinstance(button, str):  # a reply-keyboard button may be a bare string
                    button = {"text": button}
                request = next((kind for kind in ("contact", "location") if button.get(f"request_{kind}")), None)
                shown = Button(button["text"], button.get("callback_data"), message, button.get("url"), request)
                number = next(self._numbers)
                self.buttons[number] = shown
                note = f"  → {shown.url}" if shown.url else f"  (sends your {shown.request})" if shown.request else ""
                self.out(f"  [{number}] {shown.label}{note}")
