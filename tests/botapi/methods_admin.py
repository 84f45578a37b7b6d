"""Bot API methods about the bot, webhook, commands, chats and forum topics."""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

from tests.botapi.actions import UserActions
from tests.botapi.methods_send import Handler, require
from tests.botapi.objects import TopicRecord, build_message, chat_member
from tests.botapi.rules import bad_request, check_commands

SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
TOPIC_COLORS = frozenset({0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F})
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def get_me(api: UserActions, p: dict[str, Any]) -> dict[str, Any]:
    """getMe."""
    return {
        **api.bot.to_dict(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def always_true(api: UserActions, p: dict[str, Any]) -> bool:
    """logOut, close, setMyName/Description, pin/unpin: accepted no-ops."""
    return True


def set_webhook(api: UserActions, p: dict[str, Any]) -> bool:
    """setWebhook (http:// is accepted too, for loopback tests); empty url removes it."""
    url = p.get("url") or ""
    if not url:
        return delete_webhook(api, p)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.get("secret_token")
    if secret is not None and not _SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    if p.get("drop_pending_updates"):
        api.clear_updates()
    if "allowed_updates" in p:
        api.allowed_updates = list(p["allowed_updates"] or []) or None
    api.webhook = {"url": url, "secret_token": secret, "max_connections": int(p.get("max_connections") or 40)}
    api.webhook_error = None
    api.notify()
    return True


def delete_webhook(api: UserActions, p: dict[str, Any]) -> bool:
    """deleteWebhook."""
    if p.get("drop_pending_updates"):
        api.clear_updates()
    api.webhook = None
    api.notify()
    return True


def get_webhook_info(api: UserActions, p: dict[str, Any]) -> dict[str, Any]:
    """getWebhookInfo."""
    hook = api.webhook or {}
    info: dict[str, Any] = {
        "url": hook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(api.pending_updates()),
    }
    if hook:
        info["max_connections"] = hook["max_connections"]
        if api.allowed_updates:
            info["allowed_updates"] = list(api.allowed_updates)
        if api.webhook_error:
            info["last_error_date"], info["last_error_message"] = api.webhook_error
    return info


def _commands_key(api: UserActions, p: dict[str, Any]) -> tuple[str, str]:
    scope = dict(p.get("scope") or {"type": "default"})
    if scope.get("type") not in SCOPES:
        raise bad_request("can't parse BotCommandScope: unsupported scope type")
    if "chat_id" in scope:
        scope["chat_id"] = api.get_chat(scope["chat_id"]).id
    elif scope["type"].startswith("chat"):
        raise bad_request("chat_id is empty")
    language = p.get("language_code") or ""
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    return json.dumps(scope, sort_keys=True), language


def set_my_commands(api: UserActions, p: dict[str, Any]) -> bool:
    """setMyCommands (per scope and language_code)."""
    commands = check_commands(require(p, "commands") if "commands" in p else None)
    api.commands[_commands_key(api, p)] = commands
    return True


def get_my_commands(api: UserActions, p: dict[str, Any]) -> list[dict[str, str]]:
    """getMyCommands for exactly that scope/language (no fallback, as in Telegram)."""
    return list(api.commands.get(_commands_key(api, p), []))


def delete_my_commands(api: UserActions, p: dict[str, Any]) -> bool:
    """deleteMyCommands."""
    api.commands.pop(_commands_key(api, p), None)
    return True


def set_chat_menu_button(api: UserActions, p: dict[str, Any]) -> bool:
    """setChatMenuButton (no chat_id: the default button)."""
    button = dict(p.get("menu_button") or {"type": "default"})
    if button.get("type") not in ("commands", "web_app", "default"):
        raise bad_request("can't parse menu button: unsupported type")
    if p.get("chat_id") is None:
        api.default_menu_button = button
    else:
        api.get_chat(p["chat_id"]).menu_button = button
    return True


def get_chat_menu_button(api: UserActions, p: dict[str, Any]) -> dict[str, Any]:
    """getChatMenuButton."""
    if p.get("chat_id") is not None:
        chat = api.get_chat(p["chat_id"])
        if chat.menu_button and chat.menu_button.get("type") != "default":
            return dict(chat.menu_button)
    return dict(api.default_menu_button)


def get_chat(api: UserActions, p: dict[str, Any]) -> dict[str, Any]:
    """getChat → ChatFullInfo."""
    return api.get_chat(require(p, "chat_id")).full_info()


def get_chat_member(api: UserActions, p: dict[str, Any]) -> dict[str, Any]:
    """getChatMember: the bot, or a registered user (member/left)."""
    chat = api.get_chat(require(p, "chat_id"))
    user_id = int(require(p, "user_id"))
    if user_id == api.bot.id:
        status = ("kicked" if chat.blocked else "member") if chat.type == "private" else chat.bot_status
        return chat_member(api.bot, status)
    try:
        user = api.user(user_id)
    except KeyError:
        raise bad_request("user not found") from None
    present = chat.id == user_id if chat.type == "private" else user_id in chat.members
    return chat_member(user, "member" if present else "left")


def _forum(api: UserActions, p: dict[str, Any]) -> Any:
    chat = api.get_chat(require(p, "chat_id"))
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    if chat.bot_status not in ("administrator", "creator"):
        raise bad_request("not enough rights to manage topics")
    return chat


def _topic(api: UserActions, p: dict[str, Any]) -> TopicRecord:
    topic = _forum(api, p).topics.get(int(require(p, "message_thread_id")))
    if topic is None:
        raise bad_request("TOPIC_ID_INVALID")
    return topic


def create_forum_topic(api: UserActions, p: dict[str, Any]) -> dict[str, Any]:
    """createForumTopic: thread id == id of the ``forum_topic_created`` service message."""
    chat = _forum(api, p)
    name = str(p.get("name") or "")
    if not 1 <= len(name) <= 128:
        raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
    color = int(p.get("icon_color") or 0x6FB9F0)
    if color not in TOPIC_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")
    topic = TopicRecord(chat.allocate_message_id(), name, color, p.get("icon_custom_emoji_id"))
    chat.topics[topic.thread_id] = topic
    created = {"name": name, "icon_color": color}
    service = build_message(
        chat=chat,
        sender=api.bot,
        message_id=topic.thread_id,
        date=int(time.time()),
        content={"forum_topic_created": created},
        thread_id=topic.thread_id,
    )
    api.store_message(service, from_bot=True, listed=False)
    return topic.to_dict()


def edit_forum_topic(api: UserActions, p: dict[str, Any]) -> bool:
    """editForumTopic."""
    topic = _topic(api, p)
    name, emoji = p.get("name"), p.get("icon_custom_emoji_id")
    if name is not None and not 1 <= len(name) <= 128:
        raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
    if (name is None or name == topic.name) and (emoji is None or emoji == topic.icon_custom_emoji_id):
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.name = name if name is not None else topic.name
    topic.icon_custom_emoji_id = emoji if emoji is not None else topic.icon_custom_emoji_id
    return True


def _set_closed(api: UserActions, p: dict[str, Any], closed: bool) -> bool:
    topic = _topic(api, p)
    if topic.closed == closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = closed
    return True


def close_forum_topic(api: UserActions, p: dict[str, Any]) -> bool:
    """closeForumTopic."""
    return _set_closed(api, p, True)


def reopen_forum_topic(api: UserActions, p: dict[str, Any]) -> bool:
    """reopenForumTopic."""
    return _set_closed(api, p, False)


METHODS: dict[str, Handler] = {
    "getMe": get_me,
    "logOut": always_true,
    "close": always_true,
    "setMyName": always_true,
    "setMyDescription": always_true,
    "setMyShortDescription": always_true,
    "pinChatMessage": always_true,
    "unpinChatMessage": always_true,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "createForumTopic": create_forum_topic,
    "editForumTopic": edit_forum_topic,
    "closeForumTopic": close_forum_topic,
    "reopenForumTopic": reopen_forum_topic,
}
