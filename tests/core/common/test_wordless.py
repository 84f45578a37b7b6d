"""Messages with no words to match (bot.core.common.wordless): a media placeholder pasted as text."""

from __future__ import annotations

import pytest

from bot.core.common.wordless import media_placeholder


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
