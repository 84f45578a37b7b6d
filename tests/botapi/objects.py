"""Records for the fake Bot API state and builders for Bot API JSON objects.

Every dict built here de-jsons with PTB 22.8 (``Message.de_json`` etc.); the
server and :class:`tests.botapi.recording.RecordingRequest` both use these.
"""

from __future__ import annotations

import itertools
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from tests.botapi.rules import utf16_len

_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_file_counter = itertools.count(1)


@dataclass
class UserRecord:
    """A Telegram user (or the bot itself when ``is_bot``)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The Bot API ``User`` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass
class TopicRecord:
    """A forum topic of a supergroup with ``is_forum``."""

    thread_id: int
    name: str
    icon_color: int = 0x6FB9F0
    icon_custom_emoji_id: str | None = None
    closed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The Bot API ``ForumTopic`` object."""
        data: dict[str, Any] = {
            "message_thread_id": self.thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            data["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return data


@dataclass
class ChatRecord:
    """A chat known to the fake server.

    ``blocked`` makes every send fail with 403; ``bot_status`` is what
    ``getChatMember(chat, bot)`` reports; ``next_message_id`` is shared by user
    and bot messages, as in Telegram.
    """

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False
    blocked: bool = False
    bot_status: str = "member"
    members: set[int] = field(default_factory=set)
    topics: dict[int, TopicRecord] = field(default_factory=dict)
    next_message_id: int = 1
    menu_button: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The Bot API ``Chat`` object."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.is_forum:
            data["is_forum"] = True
        return data

    def full_info(self) -> dict[str, Any]:
        """The Bot API ``ChatFullInfo`` object returned by ``getChat``."""
        gifts = dict.fromkeys(
            ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels"),
            False,
        )
        return {**self.to_dict(), "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}

    def allocate_message_id(self) -> int:
        """Take the next message id of this chat."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


def new_file_id(kind: str) -> tuple[str, str]:
    """A fresh ``(file_id, file_unique_id)`` pair."""
    number = next(_file_counter)
    return f"{kind}-fake-{number:06d}", f"u{kind[:3]}{number:06d}"


def _unique_for(file_id: str) -> str:
    """A stable ``file_unique_id`` for a caller-supplied ``file_id``."""
    return f"u{zlib.crc32(file_id.encode()):08x}"


def command_entities(text: str) -> list[dict[str, Any]]:
    """``bot_command`` entities Telegram attaches to ``/commands`` in ``text``."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())}
        for m in _COMMAND_RE.finditer(text)
    ]


def photo_sizes(file_id: str | None = None) -> list[dict[str, Any]]:
    """A ``PhotoSize`` list (thumbnail and full size) sharing one base file id."""
    base, unique = (file_id, _unique_for(file_id)) if file_id else new_file_id("photo")
    return [
        {"file_id": f"{base}-s", "file_unique_id": f"{unique}s", "width": 320, "height": 240, "file_size": 9_000},
        {"file_id": base, "file_unique_id": unique, "width": 1280, "height": 960, "file_size": 120_000},
    ]


def file_object(kind: str, file_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """A Document/Voice/Sticker-like object with ids plus ``extra`` fields."""
    fid, unique = (file_id, _unique_for(file_id)) if file_id else new_file_id(kind)
    return {"file_id": fid, "file_unique_id": unique, **extra}


def sticker_object(file_id: str | None = None, emoji: str | None = "👍") -> dict[str, Any]:
    """A Bot API ``Sticker`` object."""
    data = file_object("sticker", file_id, type="regular", width=512, height=512, is_animated=False, is_video=False)
    if emoji:
        data["emoji"] = emoji
    return data


def build_message(
    *,
    chat: ChatRecord,
    sender: UserRecord | None,
    message_id: int,
    date: int,
    content: dict[str, Any],
    thread_id: int | None = None,
    reply_to: dict[str, Any] | None = None,
    reply_markup: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble a Bot API ``Message`` dict.

    ``content`` holds the payload fields (``text``/``entities``, ``photo``,
    ``caption``, ``contact``...).  ``thread_id`` marks a forum-topic message.
    """
    message: dict[str, Any] = {"message_id": message_id, "date": date, "chat": chat.to_dict()}
    if sender is not None:
        message["from"] = sender.to_dict()
    if thread_id is not None:
        message["message_thread_id"] = thread_id
        if chat.is_forum:
            message["is_topic_message"] = True
    if reply_to is not None:
        message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
    message.update({k: v for k, v in content.items() if v is not None and v != []})
    if reply_markup and "inline_keyboard" in reply_markup:
        message["reply_markup"] = reply_markup
    return message


def message_content_copy(message: dict[str, Any]) -> dict[str, Any]:
    """The content fields of ``message`` (for copyMessage/forwardMessage)."""
    skip = {
        "message_id",
        "date",
        "chat",
        "from",
        "message_thread_id",
        "is_topic_message",
        "reply_to_message",
        "reply_markup",
        "edit_date",
        "forward_origin",
    }
    return {k: v for k, v in message.items() if k not in skip}


def chat_member(user: UserRecord, status: str) -> dict[str, Any]:
    """A Bot API ``ChatMember`` with ``status`` (administrator rights filled in)."""
    data: dict[str, Any] = {"status": status, "user": user.to_dict()}
    if status == "administrator":
        rights = (
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_invite_users",
            "can_pin_messages",
            "can_manage_topics",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
        )
        data.update(dict.fromkeys(rights, True))
        data.update(can_be_edited=False, is_anonymous=False, can_promote_members=False, can_change_info=True)
    elif status == "kicked":
        data["until_date"] = 0
    elif status == "restricted":
        data.update(is_member=True, until_date=0)
    return data


def my_chat_member_update(
    chat: ChatRecord, user: UserRecord, bot: UserRecord, date: int, *, old: str, new: str
) -> dict[str, Any]:
    """The payload of a ``my_chat_member`` update (bot status change)."""
    return {
        "chat": chat.to_dict(),
        "from": user.to_dict(),
        "date": date,
        "old_chat_member": chat_member(bot, old),
        "new_chat_member": chat_member(bot, new),
    }
