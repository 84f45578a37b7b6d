"""Telegram's ``parse_mode=HTML`` parser, ported from tdlib's ``parse_html``.

The tokenizer mirrors tdlib (``td/telegram/MessageEntity.cpp``) so that the error
texts and byte offsets match what the Bot API answers.  On top of tdlib's
behaviour, *strict* mode (the default) also enforces the rules the Bot API
documentation states but the server tolerates: every ``&`` in text must start
one of ``&lt; &gt; &amp; &quot;`` or a numeric reference, and ``<a>`` needs
``href``.  Pass ``strict=False`` to get tdlib's lenient behaviour.

No Telegram import: this module is pure and shared by the fake server and by
:class:`tests.botapi.recording.RecordingRequest`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PARSE_ERROR_PREFIX = "Bad Request: can't parse entities: "

ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)

_SPACES = frozenset(" \t\r\n\v\f\0")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SIMPLE_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}


class HtmlParseError(ValueError):
    """Raised for markup Telegram refuses; ``str(err)`` is the full Bot API description."""

    def __init__(self, detail: str) -> None:
        """Store ``detail`` (tdlib's message) behind the Bot API prefix."""
        super().__init__(PARSE_ERROR_PREFIX + detail)
        self.detail = detail


@dataclass
class _Open:
    """An open tag on the nesting stack."""

    tag: str
    argument: str
    utf16_offset: int
    out_index: int
    byte_offset: int


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram counts in."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference at ``text[pos] == '&'`` like tdlib.

    Returns the decoded character and the index after the reference, or ``None``.
    """
    n = len(text)
    end = pos + 1
    if end < n and text[end] == "#":
        end += 1
        value = 0
        if end < n and text[end] == "x":
            end += 1
            while end < n and text[end] in "0123456789abcdefABCDEF":
                value = value * 16 + int(text[end], 16)
                end += 1
        else:
            while end < n and text[end].isascii() and text[end].isdigit():
                value = value * 10 + int(text[end])
                end += 1
        if value == 0 or value >= 0x10FFFF or end - pos >= 10:
            return None
        char = chr(value)
    else:
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED.get(text[pos + 1 : end])
        if named is None:
            return None
        char = named
    if end < n and text[end] == ";":
        end += 1
    return char, end


def _read_attributes(text: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Parse attributes of a start tag from ``i``; return them and the index of ``>``."""
    n = len(text)
    attrs: dict[str, str] = {}
    while i < n and text[i] != ">":
        while i < n and text[i] in _SPACES:
            i += 1
        if i < n and text[i] == ">":
            break
        name_begin = i
        while i < n and text[i] not in _SPACES and text[i] not in "=>":
            i += 1
        name = text[name_begin:i]
        if not name:
            raise HtmlParseError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n or text[i] != "=":
            if tag == "blockquote" and name == "expandable":
                attrs[name] = "1"
                continue
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" at byte offset {begin}'
            )
        i += 1
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n:
            raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        if text[i] not in "'\"":
            token_begin = i
            while i < n and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
                i += 1
            value = text[token_begin:i].lower()
            if i < n and text[i] not in _SPACES and text[i] != ">":
                offset = _byte_offset(text, token_begin)
                raise HtmlParseError(f"Unexpected end of name token at byte offset {offset}")
        else:
            quote = text[i]
            i += 1
            chars: list[str] = []
            while i < n and text[i] != quote:
                decoded = _decode_entity(text, i) if text[i] == "&" else None
                if decoded is not None:
                    chars.append(decoded[0])
                    i = decoded[1]
                    continue
                chars.append(text[i])
                i += 1
            if i < n:
                i += 1
            value = "".join(chars)
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
        attrs[name] = value
    if i >= n:
        raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
    return attrs, i


def _tag_argument(tag: str, attrs: dict[str, str], begin: int, *, strict: bool) -> str:
    """Validate a start tag's attributes and return the argument tdlib keeps for it."""
    if tag == "span":
        cls = attrs.get("class", "")
        if cls != "tg-spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        return "spoiler"
    if tag == "a":
        if strict and not attrs.get("href"):
            raise HtmlParseError(f'Tag "a" must have attribute "href" at byte offset {begin}')
        return attrs.get("href", "")
    if tag == "code":
        cls = attrs.get("class", "")
        return cls[len("language-") :] if cls.startswith("language-") else ""
    if tag == "tg-emoji":
        return attrs.get("emoji-id", "")
    if tag == "blockquote":
        return "expandable" if "expandable" in attrs else ""
    return ""


def _close_entity(top: _Open, length: int, inner: str, entities: list[dict[str, Any]]) -> None:
    """Append the entity for a closed tag (tdlib's end-tag branch)."""
    offset, tag, arg = top.utf16_offset, top.tag, top.argument
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == offset and last["length"] == length
    if tag in _SIMPLE_ENTITY or tag == "span":
        entities.append({"type": _SIMPLE_ENTITY.get(tag, "spoiler"), "offset": offset, "length": length})
    elif tag == "tg-emoji":
        if not arg.isdigit() or int(arg) == 0:
            raise HtmlParseError("Invalid custom emoji identifier specified")
        entities.append({"type": "custom_emoji", "offset": offset, "length": length, "custom_emoji_id": arg})
    elif tag == "blockquote":
        kind = "expandable_blockquote" if arg else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})
    elif tag == "a":
        url = arg or inner
        if url.startswith("tg://user?id=") and url[13:].isdigit():
            user = {"id": int(url[13:]), "is_bot": False, "first_name": ""}
            entities.append({"type": "text_mention", "offset": offset, "length": length, "user": user})
        elif url.strip():
            entities.append({"type": "text_link", "offset": offset, "length": length, "url": url})
    elif tag == "pre":
        if same_span and last is not None and last["type"] == "code" and last.get("_language"):
            last["type"] = "pre"
            last["language"] = last.pop("_language")
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag == "code":
        if same_span and last is not None and last["type"] == "pre" and arg:
            last["language"] = arg
        else:
            entity = {"type": "code", "offset": offset, "length": length}
            if arg:
                entity["_language"] = arg
            entities.append(entity)


def parse_html_entities(text: str, *, strict: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML; return the plain text and Bot API ``MessageEntity`` dicts.

    Raises:
        HtmlParseError: with a description such as
            ``Bad Request: can't parse entities: Unsupported start tag "p" at byte offset 0``.
    """
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    utf16 = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                out.append(decoded[0])
                utf16 += utf16_len(decoded[0])
                i = decoded[1]
                continue
            if strict:
                end = i + 1
                while end < n and text[end].isascii() and text[end].isalnum():
                    end += 1
                ref = text[i:end] + (";" if end < n and text[end] == ";" else "")
                what = f'Unsupported HTML entity "{ref}"' if end > i + 1 else "Unescaped '&'"
                raise HtmlParseError(f"{what} at byte offset {_byte_offset(text, i)}; use &amp;")
        if ch != "<":
            out.append(ch)
            utf16 += 2 if ord(ch) > 0xFFFF else 1
            i += 1
            continue
        begin = _byte_offset(text, i)
        i += 1
        if i >= n or text[i] != "/":
            name_begin = i
            while i < n and text[i] not in _SPACES and text[i] != ">":
                i += 1
            if i >= n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
            tag = text[name_begin:i].lower()
            if tag not in ALLOWED_TAGS:
                raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            attrs, i = _read_attributes(text, i, tag, begin)
            argument = _tag_argument(tag, attrs, begin, strict=strict)
            stack.append(_Open(tag, argument, utf16, len(out), begin))
            i += 1
            continue
        if not stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
        name_begin = i + 1
        while i < n and text[i] not in _SPACES and text[i] != ">":
            i += 1
        end_name = text[name_begin:i].lower()
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n or text[i] != ">":
            raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
        top = stack[-1]
        if end_name and end_name != top.tag:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{top.tag}>", found "</{end_name}>"'
            )
        if utf16 > top.utf16_offset:
            _close_entity(top, utf16 - top.utf16_offset, "".join(out[top.out_index :]), entities)
        stack.pop()
        i += 1
    if stack:
        raise HtmlParseError(f"Can't find end tag corresponding to start tag {stack[-1].tag}")
    for entity in entities:
        entity.pop("_language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def parse_html(text: str, *, strict: bool = True) -> str:
    """Validate Telegram HTML and return the plain text it renders to."""
    return parse_html_entities(text, strict=strict)[0]
