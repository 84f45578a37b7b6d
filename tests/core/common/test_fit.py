"""Texts cut or split to Telegram's limits, measured as the loopback Bot API (a port of tdlib's parser) measures."""

from __future__ import annotations

import html

import pytest

from bot.core.common.fit import MAX_CAPTION, MAX_TEXT, cut_html, split_html, visible_length
from tests.botapi.rules import ApiError, check_caption, check_message_text


def _accepted(text: str) -> str:
    plain, _ = check_message_text(text, "HTML")
    return plain


def test_the_loopback_refuses_what_is_not_fitted() -> None:
    with pytest.raises(ApiError, match="message is too long"):
        _accepted("a" * (MAX_TEXT + 1))


def test_fitting_text_is_unchanged() -> None:
    text = "<b>x</b>" + "&amp;" * (MAX_TEXT - 1)
    assert visible_length(text) == MAX_TEXT
    assert cut_html(text) == text and split_html(text) == [text]


@pytest.mark.parametrize("unit", ["a", "&amp;", "&lt;b&gt;", "車", "🚗", "<b>é</b>", '<a href="https://x.example/">l</a>'])
def test_cut_is_at_the_limit_never_inside_a_tag_or_entity(unit: str) -> None:
    text = "<i>" + unit * 5000 + "</i>"
    cut = cut_html(text)
    plain = _accepted(cut)  # parses: no broken tag or entity, every tag closed
    assert plain.endswith("…") and MAX_TEXT - 4 <= len(plain.encode("utf-16-le")) // 2 <= MAX_TEXT
    assert cut.endswith("</i>")


def test_cut_closes_nested_tags_in_order() -> None:
    text = "<b>bold <i>" + "x" * 5000 + "</i></b>"
    assert cut_html(text).endswith("…</i></b>")
    _accepted(cut_html(text))


def test_caption_limit() -> None:
    caption = cut_html("<b>Customer</b>\n" + "y" * 3000, MAX_CAPTION)
    plain = check_caption(caption, "HTML")
    assert plain is not None and len(plain[0]) == MAX_CAPTION


def test_split_keeps_every_character_at_line_ends() -> None:
    lines = [f"<b>car {n}</b> " + "粵B·" + "8" * 300 + " &amp; more" for n in range(40)]
    text = "\n".join(lines)
    parts = split_html(text)
    assert len(parts) > 1
    plains = [_accepted(part) for part in parts]
    assert "\n".join(plains) == html.unescape(text.replace("<b>", "").replace("</b>", ""))
    assert all(plain.startswith("car ") for plain in plains)  # broken between lines, not inside one


def test_split_reopens_a_tag_open_at_the_break() -> None:
    text = "<blockquote>" + "z" * 9000 + "</blockquote>"
    parts = split_html(text)
    assert len(parts) == 3
    assert all(part.startswith("<blockquote>") and part.endswith("</blockquote>") for part in parts)
    assert sum(len(_accepted(part)) for part in parts) == 9000
