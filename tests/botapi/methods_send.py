"""Bot API methods that create, edit or delete messages, plus callback answers.

Handlers take the engine state and decoded params and return the ``result``
value, raising :class:`tests.botapi.rules.ApiError` for error answers.  They
run under the state's lock (the engine holds it).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from tests.botapi.actions import UserActions
from tests.botapi.objects import (
    ChatRecord,
    build_message,
    file_object,
    message_content_copy,
    photo_sizes,
    sticker_object,
)
from tests.botapi.params import UploadedFile
from tests.botapi.rules import (
    MAX_CALLBACK_ANSWER_LENGTH,
    ApiError,
    bad_request,
    check_caption,
    check_message_text,
    check_reply_markup,
)

Handler = Callable[[UserActions, dict[str, Any]], Any]
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def require(p: dict[str, Any], name: str) -> Any:
    """A required parameter, or 400 ``<name> is empty``."""
    value = p.get(name)
    if value is None or value == "":
        raise bad_request(f"{name} is empty")
    return value


def forbidden_if_blocked(chat: ChatRecord) -> None:
    """403 when the user blocked the bot / the bot was removed from the group."""
    if chat.type == "private" and chat.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    if chat.type != "private" and (chat.blocked or chat.bot_status in ("kicked", "left")):
        raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")


def check_thread(chat: ChatRecord, p: dict[str, Any]) -> int | None:
    """Validate ``message_thread_id`` for forum chats; returns the thread id to stamp."""
    thread_id = p.get("message_thread_id")
    if thread_id is None or not chat.is_forum:
        return None
    topic = chat.topics.get(thread_id)
    if topic is None:
        raise bad_request("message thread not found")
    if topic.closed:
        raise bad_request("TOPIC_CLOSED")
    return thread_id


def _reply_to(api: UserActions, chat: ChatRecord, p: dict[str, Any]) -> dict[str, Any] | None:
    params = p.get("reply_parameters") or {}
    message_id = params.get("message_id", p.get("reply_to_message_id"))
    if message_id is None:
        return None
    target_chat = api.get_chat(params["chat_id"]) if params.get("chat_id") is not None else chat
    message = api.find_message(target_chat.id, int(message_id))
    allow = params.get("allow_sending_without_reply", p.get("allow_sending_without_reply"))
    if message is None and not allow:
        raise bad_request("message to be replied not found")
    return message


def send(api: UserActions, p: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
    """Common tail of every send method: markup, 403, thread, reply, rate limit, store."""
    chat = api.get_chat(require(p, "chat_id"))
    markup = check_reply_markup(p.get("reply_markup"))
    forbidden_if_blocked(chat)
    thread_id = check_thread(chat, p)
    reply_to = _reply_to(api, chat, p)
    if reply_to is None and thread_id is not None:  # topic messages reply to the topic's service message
        reply_to = api.find_message(chat.id, thread_id)
    api.rate_limiter.check(chat.id, chat.type)
    message = build_message(
        chat=chat,
        sender=api.bot,
        message_id=chat.allocate_message_id(),
        date=int(time.time()),
        content=content,
        thread_id=thread_id,
        reply_to=reply_to,
        reply_markup=markup,
    )
    api.store_message(message, from_bot=True)
    return copy.deepcopy(message)


def _caption(api: UserActions, p: dict[str, Any]) -> dict[str, Any]:
    checked = check_caption(
        p.get("caption"), p.get("parse_mode"), p.get("caption_entities"), strict_html=api.strict_html
    )
    return {"caption": checked[0], "caption_entities": checked[1]} if checked else {}


def _file_id(p: dict[str, Any], name: str) -> tuple[str | None, UploadedFile | None]:
    value = p.get(name)
    if value is None:
        raise bad_request(f"there is no {name} in the request")
    if isinstance(value, UploadedFile):
        return None, value
    if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value):
        raise bad_request("wrong file identifier/HTTP URL specified")
    return value, None


def send_message(api: UserActions, p: dict[str, Any]) -> dict[str, Any]:
    """sendMessage."""
    api.get_chat(require(p, "chat_id"))
    text, entities = check_message_text(
        p.get("text"), p.get("parse_mode"), p.get("entities"), strict_html=api.strict_html
    )
    return send(api, p, {"text": text, "entities": entities})


def send_photo(api: UserActions, p: dict[str, Any]) -> dict[str, Any]:
    """sendPhoto (file_id, URL or upload)."""
    fid, _ = _file_id(p, "photo")
    return send(api, p, {"photo": photo_sizes(fid), **_caption(api, p)})


def send_document(api: UserActions, p: dict[str, Any]) -> dict[str, Any]:
    """sendDocument."""
    fid, upload = _file_id(p, "document")
    extra: dict[str, Any] = {"mime_type": "application/octet-stream"}
    if upload is not None:
        extra.update(file_name=upload.filename, mime_type=upload.content_type, file_size=len(upload.content))
    return send(api, p, {"document": file_object("document", fid, **extra), **_caption(api, p)})


def send_voice(api: UserActions, p: dict[str, Any]) -> dict[str, Any]:
    """sendVoice."""
    fid, _ = _file_id(p, "voice")
    voice = file_object("voice", fid, duration=int(p.get("duration") or 1), mime_type="audio/ogg")
    return send(api, p, {"voice": voice, **_caption(api, p)})


def send_sticker(api: UserActions, p: dict[str, Any]) -> dict[str, Any]:
    """sendSticker."""
    fid, _ = _file_id(p, "sticker")
    return send(api, p, {"sticker": sticker_object(fid, p.get("emoji"))})


def _location(p: dict[str, Any]) -> dict[str, Any]:
    latitude, longitude = require(p, "latitude"), require(p, "longitude")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong latitude/longitude specified")
    return {"latitude": latitude, "longitude": longitude}


def send_location(api: UserActions, p: dict[str, Any]) -> dict[str, Any]:
    """sendLocation."""
    return send(api, p, {"location": _location(p)})


def send_venue(api: UserActions, p: dict[str, Any]) -> dict[str, Any]:
    """sendVenue."""
    location = _location(p)
    venue = {"location": location, "title": require(p, "title"), "address": require(p, "address")}
    return send(api, p, {"venue": venue, "location": location})


def send_contact(api: UserActions, p: dict[str, Any]) -> dict[str, Any]:
    """sendContact."""
    contact = {"phone_number": require(p, "phone_number"), "first_name": require(p, "first_name")}
    if p.get("last_name"):
        contact["last_name"] = p["last_name"]
    return send(api, p, {"contact": contact})


def _source(api: UserActions, p: dict[str, Any], verb: str) -> dict[str, Any]:
    source_chat = api.get_chat(require(p, "from_chat_id"))
    message = api.find_message(source_chat.id, int(require(p, "message_id")))
    if message is None:
        raise bad_request(f"message to {verb} not found")
    return message


def copy_message(api: UserActions, p: dict[str, Any]) -> dict[str, int]:
    """copyMessage: returns ``MessageId``; ``caption`` replaces the original caption."""
    content = message_content_copy(_source(api, p, "copy"))
    content.pop("forward_origin", None)
    if "caption" in p and "text" not in content:
        content.pop("caption_entities", None)
        content.pop("caption", None)
        content.update(_caption(api, p))
    return {"message_id": send(api, p, content)["message_id"]}


def forward_message(api: UserActions, p: dict[str, Any]) -> dict[str, Any]:
    """forwardMessage: the copy carries ``forward_origin``."""
    source = _source(api, p, "forward")
    origin = {"type": "user", "date": source["date"], "sender_user": source.get("from", {})}
    return send(api, p, {**message_content_copy(source), "forward_origin": origin})


def _editable(api: UserActions, p: dict[str, Any]) -> dict[str, Any] | None:
    """The stored bot message addressed by an edit call (None for inline messages)."""
    if p.get("inline_message_id"):
        return None
    chat = api.get_chat(require(p, "chat_id"))
    message = api.find_message(chat.id, int(require(p, "message_id")))
    if message is None:
        raise bad_request("message to edit not found")
    if message.get("from", {}).get("id") != api.bot.id:
        raise bad_request("message can't be edited")
    return message


def _apply_edit(message: dict[str, Any], changes: dict[str, Any], markup: dict[str, Any] | None) -> Any:
    old_markup = message.get("reply_markup")
    new_markup = markup if markup and "inline_keyboard" in markup else None
    same_content = all(message.get(k) == v for k, v in changes.items())
    if same_content and old_markup == new_markup:
        raise bad_request(NOT_MODIFIED)
    for key, value in changes.items():
        if value is None or value == []:
            message.pop(key, None)
        else:
            message[key] = value
    if new_markup is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = new_markup
    message["edit_date"] = int(time.time())
    return copy.deepcopy(message)


def edit_message_text(api: UserActions, p: dict[str, Any]) -> Any:
    """editMessageText (omitting reply_markup removes the inline keyboard, as in Telegram)."""
    text, entities = check_message_text(
        p.get("text"), p.get("parse_mode"), p.get("entities"), strict_html=api.strict_html
    )
    markup = check_reply_markup(p.get("reply_markup"), inline_only=True)
    message = _editable(api, p)
    if message is None:
        return True
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    return _apply_edit(message, {"text": text, "entities": entities or None}, markup)


def edit_message_caption(api: UserActions, p: dict[str, Any]) -> Any:
    """editMessageCaption."""
    caption = _caption(api, p)
    markup = check_reply_markup(p.get("reply_markup"), inline_only=True)
    message = _editable(api, p)
    if message is None:
        return True
    if "text" in message:
        raise bad_request("there is no caption in the message to edit")
    changes = {"caption": caption.get("caption"), "caption_entities": caption.get("caption_entities") or None}
    return _apply_edit(message, changes, markup)


def edit_message_reply_markup(api: UserActions, p: dict[str, Any]) -> Any:
    """editMessageReplyMarkup (no reply_markup → keyboard removed)."""
    markup = check_reply_markup(p.get("reply_markup"), inline_only=True)
    message = _editable(api, p)
    return True if message is None else _apply_edit(message, {}, markup)


def delete_message(api: UserActions, p: dict[str, Any]) -> bool:
    """deleteMessage."""
    chat = api.get_chat(require(p, "chat_id"))
    message_id = int(require(p, "message_id"))
    if api.find_message(chat.id, message_id) is None:
        raise bad_request("message to delete not found")
    api.mark_deleted(chat.id, message_id)
    return True


def delete_messages(api: UserActions, p: dict[str, Any]) -> bool:
    """deleteMessages: deletes those that exist; 400 if none of them does."""
    chat = api.get_chat(require(p, "chat_id"))
    ids = [int(message_id) for message_id in require(p, "message_ids")]
    found = [message_id for message_id in ids if api.find_message(chat.id, message_id) is not None]
    if not found:
        raise bad_request("message to delete not found")
    for message_id in found:
        api.mark_deleted(chat.id, message_id)
    return True


def answer_callback_query(api: UserActions, p: dict[str, Any]) -> bool:
    """answerCallbackQuery: each query may be answered once."""
    query = api.callback_queries.get(str(require(p, "callback_query_id")))
    if query is None or query["answered"]:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    if len(p.get("text") or "") > MAX_CALLBACK_ANSWER_LENGTH:
        raise bad_request("MESSAGE_TOO_LONG")
    query.update(answered=True, answer=dict(p))
    return True


def send_chat_action(api: UserActions, p: dict[str, Any]) -> bool:
    """sendChatAction."""
    chat = api.get_chat(require(p, "chat_id"))
    forbidden_if_blocked(chat)
    check_thread(chat, p)
    if p.get("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


METHODS: dict[str, Handler] = {
    "sendMessage": send_message,
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "sendVoice": send_voice,
    "sendSticker": send_sticker,
    "sendLocation": send_location,
    "sendVenue": send_venue,
    "sendContact": send_contact,
    "copyMessage": copy_message,
    "forwardMessage": forward_message,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
    "answerCallbackQuery": answer_callback_query,
    "sendChatAction": send_chat_action,
}
