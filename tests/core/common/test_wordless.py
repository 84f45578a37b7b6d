"""Messages with no words to match (bot.core.common.wordless): a media placeholder pasted as text, emoji alone."""

from __future__ import annotations

import pytest

from bot.core.common.wordless import emoji_mood, media_placeholder


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("[Sticker]", "sticker"), ("[sticker]", "sticker"), ("[貼圖]", "sticker"), ("[动画表情]", "sticker"),
        ("【表情】", "sticker"), ("[Sticker] 😊", "sticker"), ("😊 [Sticker]", "sticker"), ("  ［貼紙］ ", "sticker"),
        ("[Photo]", "photo"), ("[圖片]", "photo"), ("（图片）", "photo"), ("[Video]", "video"), ("[GIF]", "video"),
        ("[Voice message]", "voice"), ("[语音]", "voice"), ("[File]", "document"), ("[檔案]", "document"),
        # words, not a placeholder: the FAQ reads them
        ("[Sticker] how do I book", None), ("photo", None), ("貼圖", None), ("保險 [圖片]", None),
        ("[photo of my dashboard]", None), ("Sticker]", None), ("", None),
    ],
)  # fmt: skip
def test_a_placeholder_alone_names_its_media(text: str, kind: str | None) -> None:
    assert media_placeholder(text) == kind


@pytest.mark.parametrize(
    ("text", "mood"),
    [
        ("😡😡😡", "negative"), ("🤬", "negative"), ("😭😭", "negative"), ("👎", "negative"), ("☹️", "negative"),
        ("😡!!!", "negative"), ("🙂😡", "negative"), ("🙂", "neutral"), ("👍🏻", "neutral"), ("🚗", "neutral"),
        ("👨‍🔧", "neutral"), ("❤️", "neutral"), ("🤔?", "neutral"),
        # words, digits or no emoji at all: not emoji alone
        ("好😡", None), ("ok 👍", None), ("1️⃣", None), ("？？？", None), ("", None), ("[Sticker]", None),
    ],
)  # fmt: skip
def test_emoji_alone_have_a_mood(text: str, mood: str | None) -> None:
    assert emoji_mood(text) == mood
