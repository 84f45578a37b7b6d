"""Decoding of Bot API request parameters, shared by the server and RecordingRequest.

PTB 22.8's ``HTTPXRequest`` sends ``RequestData.json_parameters`` as form fields:
``application/x-www-form-urlencoded`` normally, ``multipart/form-data`` when a
file is uploaded.  Every value is a string; non-string values are JSON encoded
(``chat_id`` → ``"123"``, ``reply_markup`` → ``'{"inline_keyboard": ...}'``,
``disable_notification`` → ``"true"``).  Like the real Bot API we therefore
coerce per field.  ``application/json`` bodies (other clients) are accepted too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from tests.botapi.rules import bad_request

INT_FIELDS = frozenset(
    {
        "message_id",
        "message_thread_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "reply_to_message_id",
        "cache_time",
        "max_connections",
        "duration",
        "width",
        "height",
        "live_period",
        "heading",
        "proximity_alert_radius",
        "icon_color",
        "until_date",
        "direct_messages_topic_id",
    }
)
FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "has_spoiler",
        "disable_content_type_detection",
        "show_caption_above_media",
        "allow_paid_broadcast",
        "remove_caption",
    }
)
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "link_preview_options",
        "reply_parameters",
        "message_ids",
        "media",
        "results",
        "reaction",
    }
)
CHAT_ID_FIELDS = frozenset({"chat_id", "from_chat_id"})
_BOUNDARY_RE = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_DISPOSITION_RE = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    field: str
    filename: str
    content: bytes
    content_type: str


def _coerce(name: str, value: Any) -> Any:
    """Convert one raw parameter the way the Bot API interprets it."""
    if not isinstance(value, str):
        return value
    try:
        if name in CHAT_ID_FIELDS:
            stripped = value.strip()
            return int(stripped) if re.fullmatch(r"-?\d+", stripped) else stripped
        if name in INT_FIELDS:
            return int(value)
        if name in FLOAT_FIELDS:
            return float(value)
        if name in BOOL_FIELDS:
            return value.strip().lower() in ("true", "1")
        if name in JSON_FIELDS:
            return json.loads(value)
    except ValueError as err:
        raise bad_request(f"can't parse parameter {name!r}") from err
    return value


def coerce_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Coerce a mapping of raw (string or JSON) parameters field by field."""
    return {name: _coerce(name, value) for name, value in raw.items()}


def _parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], list[UploadedFile]]:
    match = _BOUNDARY_RE.search(content_type)
    if not match:
        raise bad_request("multipart boundary missing")
    delimiter = b"--" + match.group(1).encode("latin-1")
    fields: dict[str, str] = {}
    files: list[UploadedFile] = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, val = line.partition(":")
            headers[key.strip().lower()] = val.strip()
        disposition = dict(_DISPOSITION_RE.findall(headers.get("content-disposition", "")))
        name = disposition.get("name", "")
        if "filename" in disposition:
            ctype = headers.get("content-type", "application/octet-stream")
            files.append(UploadedFile(name, disposition["filename"], content, ctype))
        else:
            fields[name] = content.decode("utf-8")
    return fields, files


def decode_body(content_type: str, body: bytes, query: str = "") -> tuple[dict[str, Any], list[UploadedFile]]:
    """Decode an HTTP request (query string + body) into raw params and uploads."""
    raw: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    files: list[UploadedFile] = []
    ctype = content_type.lower()
    if not body:
        pass
    elif ctype.startswith("application/json"):
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError as err:
            raise bad_request("can't parse JSON object") from err
        if not isinstance(data, dict):
            raise bad_request("can't parse JSON object")
        raw.update(data)
    elif ctype.startswith("multipart/form-data"):
        fields, files = _parse_multipart(body, content_type)
        raw.update(fields)
    else:
        raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return raw, files


def attach_files(params: dict[str, Any], files: list[UploadedFile]) -> dict[str, Any]:
    """Resolve uploads: ``attach://name`` values and bare file parts become UploadedFile."""
    by_field = {upload.field: upload for upload in files}
    referenced: set[str] = set()
    for name, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            field = value[len("attach://") :]
            if field not in by_field:
                raise bad_request(f"file {value} not found in the request")
            params[name] = by_field[field]
            referenced.add(field)
    for upload in files:
        if upload.field not in referenced:
            params.setdefault(upload.field, upload)
    return params
