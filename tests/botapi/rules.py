"""Telegram Bot API validation rules, as pure functions (no Telegram import).

Shared by the loopback server (:mod:`tests.botapi.server`) and the in-process
:class:`tests.botapi.recording.RecordingRequest`.  Every check raises
:class:`ApiError` carrying the HTTP status and the Bot API ``description``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from tests.botapi.htmlparse import (
    ALLOWED_TAGS,
    PARSE_ERROR_PREFIX,
    HtmlParseError,
    parse_html,
    parse_html_entities,
    utf16_len,
)

__all__ = [
    "ALLOWED_TAGS",
    "MAX_BUTTONS",
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_CAPTION_LENGTH",
    "MAX_MARKUP_BYTES",
    "MAX_TEXT_LENGTH",
    "PARSE_ERROR_PREFIX",
    "ApiError",
    "HtmlParseError",
    "check_callback_data",
    "check_caption",
    "check_commands",
    "check_message_text",
    "check_reply_markup",
    "parse_html",
    "parse_html_entities",
    "parse_text",
    "utf16_len",
]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS = 100
# Telegram also refuses a keyboard whose serialized size is above about 10 kB with the same "reply markup is too
# long", even under 100 buttons (long labels, 64-byte callback data): reported in tginfo/Telegram-Limits#187 and
# python-telegram-bot#5104 (99 buttons refused); the Bot API documentation states neither limit.
MAX_MARKUP_BYTES = 10 * 1024
MAX_CALLBACK_ANSWER_LENGTH = 200

INLINE_BUTTON_KINDS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
REPLY_BUTTON_KINDS = (
    "request_contact",
    "request_location",
    "request_poll",
    "request_users",
    "request_chat",
    "web_app",
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        """Create the error; ``retry_after`` adds ``parameters.retry_after`` (429 only)."""
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    """A 400 error with the usual ``Bad Request:`` prefix."""
    return ApiError(400, f"Bad Request: {detail}")


def parse_text(
    text: str,
    parse_mode: str | None,
    entities: list[dict[str, Any]] | None = None,
    *,
    strict_html: bool = True,
) -> tuple[str, list[dict[str, Any]]]:
    """Apply ``parse_mode`` (only HTML is parsed; Markdown passes through unchanged).

    Leading/trailing whitespace is trimmed and entities shifted, as Telegram does.
    """
    mode = (parse_mode or "").strip()
    if mode.lower() == "html":
        try:
            plain, parsed = parse_html_entities(text, strict=strict_html)
        except HtmlParseError as err:
            raise ApiError(400, str(err)) from err
    elif mode.lower() in ("", "markdown", "markdownv2"):
        plain, parsed = text, [dict(e) for e in entities or []]
    else:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    stripped = plain.strip()
    if stripped != plain and parsed:
        shift = utf16_len(plain[: len(plain) - len(plain.lstrip())])
        limit = utf16_len(stripped)
        kept = []
        for entity in parsed:
            start = max(entity["offset"] - shift, 0)
            end = min(entity["offset"] + entity["length"] - shift, limit)
            if end > start:
                kept.append({**entity, "offset": start, "length": end - start})
        parsed = kept
    return stripped, parsed


def check_message_text(
    text: str | None,
    parse_mode: str | None = None,
    entities: list[dict[str, Any]] | None = None,
    *,
    strict_html: bool = True,
) -> tuple[str, list[dict[str, Any]]]:
    """Validate a message text: parses, non-empty, at most 4096 UTF-16 units."""
    if text is None or not str(text).strip():
        raise bad_request("message text is empty")
    plain, parsed = parse_text(str(text), parse_mode, entities, strict_html=strict_html)
    if not plain:
        raise bad_request("message text is empty")
    if utf16_len(plain) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return plain, parsed


def check_caption(
    caption: str | None,
    parse_mode: str | None = None,
    entities: list[dict[str, Any]] | None = None,
    *,
    strict_html: bool = True,
) -> tuple[str, list[dict[str, Any]]] | None:
    """Validate an optional caption (0–1024 UTF-16 units after parsing)."""
    if caption is None:
        return None
    plain, parsed = parse_text(str(caption), parse_mode, entities, strict_html=strict_html)
    if utf16_len(plain) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    return (plain, parsed) if plain else None


def check_callback_data(data: object) -> str:
    """``callback_data`` must be a string of 1–64 bytes in UTF-8."""
    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
        raise bad_request("BUTTON_DATA_INVALID")
    return data


def _check_button_url(url: object) -> None:
    parts = urlsplit(url) if isinstance(url, str) else None
    ok = parts is not None and (
        (parts.scheme in ("http", "https") and bool(parts.hostname))
        or (parts.scheme == "tg" and bool(parts.netloc or parts.path))
    )
    if not ok:
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _check_inline_button(button: object) -> None:
    if not isinstance(button, Mapping):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    kinds = [kind for kind in INLINE_BUTTON_KINDS if kind in button]
    if not kinds:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if len(kinds) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be used, "
            f"got {', '.join(kinds)}"
        )
    if kinds[0] == "callback_data":
        check_callback_data(button["callback_data"])
    elif kinds[0] == "url":
        _check_button_url(button["url"])


def _check_reply_button(button: object) -> None:
    if isinstance(button, str):
        button = {"text": button}
    if not isinstance(button, Mapping):
        raise bad_request("can't parse keyboard button: KeyboardButton must be a String or an Object")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request('can\'t parse keyboard button: Field "text" must be of type String')
    kinds = [kind for kind in REPLY_BUTTON_KINDS if button.get(kind)]
    if len(kinds) > 1:
        raise bad_request(f"can't parse keyboard button: only one of {', '.join(kinds)} may be used")


def _rows(markup: Mapping[str, Any], key: str) -> list[list[Any]]:
    rows = markup.get(key)
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'can\'t parse reply keyboard markup JSON object: Field "{key}" must be an Array of Arrays')
    return rows


def check_reply_markup(markup: object, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Validate a decoded ``reply_markup``; returns it normalised (None if absent)."""
    if markup is None:
        return None
    if not isinstance(markup, Mapping):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if len(json.dumps(markup, ensure_ascii=False, separators=(",", ":")).encode()) > MAX_MARKUP_BYTES:
        raise bad_request("reply markup is too long")
    if "inline_keyboard" in markup:
        rows = _rows(markup, "inline_keyboard")
        buttons = [button for row in rows for button in row]
        if len(buttons) > MAX_BUTTONS:
            raise bad_request("reply markup is too long")
        for button in buttons:
            _check_inline_button(button)
        return {"inline_keyboard": [[dict(button) for button in row] for row in rows if row]}
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = _rows(markup, "keyboard")
        buttons = [button for row in rows for button in row]
        if not buttons:
            raise bad_request("keyboard must be non-empty")
        if len(buttons) > MAX_BUTTONS:
            raise bad_request("reply markup is too long")
        for button in buttons:
            _check_reply_button(button)
        return dict(markup)
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return dict(markup)
    raise bad_request("can't parse reply keyboard markup JSON object")


def inline_callback_data(markup: Mapping[str, Any] | None) -> list[str]:
    """All ``callback_data`` values of an inline keyboard (empty for other markups)."""
    if not markup or "inline_keyboard" not in markup:
        return []
    return [
        button["callback_data"]
        for row in markup["inline_keyboard"]
        for button in row
        if isinstance(button, Mapping) and "callback_data" in button
    ]


def check_commands(commands: object) -> list[dict[str, str]]:
    """Validate ``setMyCommands.commands`` (≤100; names ``[a-z0-9_]{1,32}``; descriptions 1–256)."""
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands")
    result = []
    for command in commands:
        if not isinstance(command, Mapping):
            raise bad_request("can't parse BotCommand")
        name = str(command.get("command", "")).lstrip("/")
        description = str(command.get("description", ""))
        if not _COMMAND_RE.match(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        result.append({"command": name, "description": description})
    return result
