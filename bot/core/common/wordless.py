"""Messages with no words to match: a media item's placeholder pasted as text, and emoji alone.

Other apps and some Telegram clients copy a sticker, photo or voice message as its placeholder ("[Sticker]",
「[貼圖]」, 【图片】); pasted here it is text, and the FAQ matcher would build "did you mean" from it. Such a message
is read as the media kind it names, so it gets the same reply as the media itself (bot.handlers.front.other).

Emoji alone (「😡😡😡」, 🤬, 👍) carry a mood but no question: clearly negative ones get an apology and the offer of
an advisor, anything else a plain prompt (bot.handlers.front.other.mood_reply).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

# The words a placeholder uses for each kind (Telegram, WeChat, LINE, WhatsApp copies; lower case, both scripts).
PLACEHOLDER_WORDS: dict[str, tuple[str, ...]] = {
    "sticker": ("sticker", "貼圖", "贴图", "貼紙", "贴纸", "表情", "表情包", "動畫表情", "动画表情", "表情貼圖",
                "表情贴图"),
    "photo": ("photo", "image", "picture", "圖片", "图片", "照片", "相片"),
    "video": ("video", "gif", "animation", "影片", "視頻", "视频", "短片", "動圖", "动图"),
    "voice": ("voice", "voice message", "audio", "語音", "语音", "語音訊息", "语音消息", "音訊", "音频"),
    "document": ("file", "document", "檔案", "文件"),
}  # fmt: skip
_KIND_OF = {word: kind for kind, words in PLACEHOLDER_WORDS.items() for word in words}
_WORDS = "|".join(sorted(map(re.escape, _KIND_OF), key=len, reverse=True))
# The whole message is one placeholder in brackets, an emoji or spaces around it at most ("[Sticker] 😊").
_AROUND = r"[\s\W]*"
MEDIA_PLACEHOLDER = re.compile(
    rf"^{_AROUND}[\[【［(（]\s*(?P<word>{_WORDS})\s*[\]】］)）]{_AROUND}$", re.IGNORECASE
)


def media_placeholder(text: str) -> str | None:
    """The media kind a pasted placeholder names ("[Sticker]" → "sticker"), else None."""
    found = MEDIA_PLACEHOLDER.match(text)
    return _KIND_OF[found["word"].lower()] if found else None


Mood = Literal["negative", "neutral"]
# Emoji that clearly say something is wrong: anger, tears, disappointment, a thumbs down, a broken heart.
NEGATIVE_EMOJI = frozenset("😡😠🤬👿💢😤😒🙄😞😔😟🙁☹😣😖😫😩😢😭😿😾👎💔")
# What may stand beside emoji in an emoji-only message: variation selectors, joiners, skin tones, punctuation.
_BESIDE_EMOJI = ("Mn", "Me", "Cf", "Sk", "Zs", "Po", "Pd", "Ps", "Pe")


def emoji_mood(text: str) -> Mood | None:
    """For a message of emoji alone (punctuation and spaces around them allowed): "negative" when one of them
    clearly is, else "neutral"; None when it has a letter, a digit or a Chinese character, or no emoji."""
    text = text.strip()
    kinds = [unicodedata.category(ch) for ch in text]
    if "So" not in kinds or any(kind != "So" and kind not in _BESIDE_EMOJI for kind in kinds):
        return None
    return "negative" if any(ch in NEGATIVE_EMOJI for ch in text) else "neutral"
