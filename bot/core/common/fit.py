"""Making a rendered message fit Telegram's limits (no telegram import).

Telegram refuses a message whose text is longer than 4,096 characters, or a caption longer than 1,024,
counted in UTF-16 code units after the HTML is parsed (tags are free, `&amp;` is one character), with
"message is too long": the message is lost. So every text is measured the way Telegram measures it and
either split into several messages (`split_html`, for answers: nothing is lost) or cut with "…" (`cut_html`,
for a card or notice that must stay one message). Both cut between characters only: never inside a tag or an
entity, and every tag open at the cut is closed (and opened again at the start of the next part).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_TEXT = 4096  # sendMessage / editMessageText text, after entity parsing
MAX_CAPTION = 1024  # a media message's caption, after entity parsing
MAX_ALERT = 200  # answerCallbackQuery's text (a button's popup)
MAX_BUTTONS = 100  # an inline or reply keyboard ("reply markup is too long" above it)
# ... and the same error above about 10 kB of keyboard, even under 100 buttons (not in the Bot API documentation:
# tginfo/Telegram-Limits#187, python-telegram-bot#5104); tests/botapi enforces both.
MAX_MARKUP_BYTES = 10 * 1024
ELLIPSIS = "…"

_TOKEN = re.compile(r"<[^<>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);|[\s\S]")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass(frozen=True)
class _Token:
    text: str
    units: int  # visible UTF-16 units (0 for a tag)
    opens: str | None  # the tag name this token opens
    closes: str | None  # the tag name this token closes


def _tokens(text: str, markup: bool) -> list[_Token]:
    if not markup:
        return [_Token(ch, utf16_len(ch), None, None) for ch in text]
    tokens = []
    for match in _TOKEN.finditer(text):
        piece = match.group()
        if piece.startswith("<") and len(piece) > 1:
            name = _TAG_NAME.match(piece)
            tag = name.group(1).lower() if name else ""
            closing = piece.startswith("</")
            tokens.append(_Token(piece, 0, None if closing else tag, tag if closing else None))
        elif piece.startswith("&") and len(piece) > 1:
            tokens.append(_Token(piece, utf16_len(html.unescape(piece)), None, None))
        else:
            tokens.append(_Token(piece, utf16_len(piece), None, None))
    return tokens


def visible_length(text: str, markup: bool = True) -> int:
    """What Telegram counts: UTF-16 units of the text after HTML parsing, surrounding spaces trimmed."""
    if not markup:
        return utf16_len(text.strip())
    plain = "".join(html.unescape(t.text) for t in _tokens(text, True) if t.units or not t.text.startswith("<"))
    return utf16_len(plain.strip())


def _stacks(tokens: list[_Token]) -> list[list[str]]:
    """The open tags (their opening text) before each token, and after the last."""
    stack: list[str] = []
    names: list[str] = []
    states = [[]]
    for token in tokens:
        if token.opens:
            stack.append(token.text)
            names.append(token.opens)
        elif token.closes and token.closes in names:
            at = len(names) - 1 - names[::-1].index(token.closes)
            del stack[at], names[at]
        states.append(list(stack))
    return states


def _closing(stack: list[str]) -> str:
    names = [_TAG_NAME.match(tag) for tag in stack]
    return "".join(f"</{name.group(1)}>" for name in reversed(names) if name)


def _fits(tokens: list[_Token], start: int, budget: int) -> int:
    """The end index of the longest run of tokens from `start` whose visible units stay within `budget`."""
    used, end = 0, start
    while end < len(tokens) and used + tokens[end].units <= budget:
        used += tokens[end].units
        end += 1
    return end


def cut_html(text: str, limit: int = MAX_TEXT, ellipsis: str = ELLIPSIS, markup: bool = True) -> str:
    """`text` unchanged when it fits; else its beginning, `ellipsis` and the tags open there closed."""
    if utf16_len(text) <= limit:  # the raw length bounds the visible one: most messages need no parsing
        return text
    if visible_length(text, markup) <= limit:
        return text
    tokens = _tokens(text, markup)
    end = _fits(tokens, 0, limit - utf16_len(ellipsis))
    stack = _stacks(tokens)[end]
    mark = html.escape(ellipsis, quote=False) if markup else ellipsis
    head = "".join(t.text for t in tokens[:end]).rstrip()
    return head + mark + (_closing(stack) if markup else "")


def split_html(text: str, limit: int = MAX_TEXT, markup: bool = True) -> list[str]:
    """`text` as parts that each fit `limit`, broken at a line end where there is one in the part's second
    half; tags open at a break are closed there and opened again at the start of the next part."""
    if utf16_len(text) <= limit or visible_length(text, markup) <= limit:  # the raw length bounds the visible
        return [text]
    tokens = _tokens(text, markup)
    stacks = _stacks(tokens)
    parts: list[str] = []
    start = 0
    while start < len(tokens):
        end = _fits(tokens, start, limit)
        if end == start:  # a single character wider than the limit cannot happen for limit >= 2
            end = start + 1
        if end < len(tokens):
            breaks = [i + 1 for i in range(start, end) if tokens[i].text == "\n"]
            if breaks and breaks[-1] > start + (end - start) // 2:
                end = breaks[-1]
        body = "".join(t.text for t in tokens[start:end])
        part = "".join(stacks[start]) + body + _closing(stacks[end]) if markup else body
        if visible_length(part, markup):
            parts.append(part)
        start = end
    return parts


def cap_rows(
    rows: list[list[Any]], limit: int = MAX_BUTTONS, size: Callable[[list[list[Any]]], int] | None = None,
    max_bytes: int = MAX_MARKUP_BYTES,
) -> list[list[Any]]:
    """A keyboard's rows with at most `limit` buttons and, given `size` (its serialized bytes), at most
    `max_bytes`: the last row (back, menu, "type it instead") is kept, the rows before it are taken in order
    while they fit. Callers that can offer "more" do so themselves; this is the last guard, so that the
    message still goes out. The same list is returned when nothing had to go."""
    if not rows or (sum(len(row) for row in rows) <= limit and (size is None or size(rows) <= max_bytes)):
        return rows
    last = rows[-1][:limit]
    kept: list[list[Any]] = []
    room = limit - len(last)
    for row in rows[:-1]:
        row = row[:room]
        if row:
            kept.append(row)
            room -= len(row)
    while size is not None and kept and size([*kept, last]) > max_bytes:
        kept.pop()
    while size is not None and len(last) > 1 and size([*kept, last]) > max_bytes:
        last = last[:-1]
    return [*kept, last]
