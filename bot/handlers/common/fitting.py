"""Every request the bot makes fits Telegram's limits (bot.core.common.fit): the one place a text, a caption
or a keyboard is checked on its way out, for answers, desk cards and the outbox alike.

Telegram refuses a text over 4,096 characters, a caption over 1,024 and a keyboard over 100 buttons (or about
10 kB), and the message is then lost (a supervisors' alert, a resolution note). Handlers split long answers themselves
(bot.handlers.common.context.send) and page long lists; what still arrives too long here is cut with "…"
(never inside a tag or an entity) and logged, rather than refused.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.ext import ApplicationBuilder, ExtBot

from bot.core.common.fit import MAX_ALERT, MAX_BUTTONS, MAX_CAPTION, MAX_MARKUP_BYTES, MAX_TEXT, cap_rows, cut_html

log = logging.getLogger(__name__)

TEXT_METHODS = frozenset({"sendMessage", "editMessageText"})
CAPTION_METHODS = frozenset(
    {"sendPhoto", "sendVideo", "sendDocument", "sendAudio", "sendVoice", "sendAnimation", "copyMessage",
     "editMessageCaption"}
)  # fmt: skip


def fit_request(endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with its text or caption cut and its keyboard capped to Telegram's limits (a copy when changed)."""
    field, limit = ("text", MAX_TEXT) if endpoint in TEXT_METHODS else ("caption", MAX_CAPTION)
    value = data.get(field)
    if (endpoint in TEXT_METHODS or endpoint in CAPTION_METHODS) and isinstance(value, str):
        has_entities = data.get("entities") or data.get("caption_entities")
        html = str(data.get("parse_mode") or "").lower() == "html"
        fitted = value if has_entities else cut_html(value, limit, markup=html)
        if fitted != value:
            log.warning("%s: the %s was longer than Telegram allows and was cut", endpoint, field)
            data = {**data, field: fitted}
    if endpoint == "answerCallbackQuery" and isinstance(data.get("text"), str):
        popup = cut_html(data["text"], MAX_ALERT, markup=False)
        data = data if popup == data["text"] else {**data, "text": popup}
    markup = data.get("reply_markup")
    capped = _capped(markup)
    if capped is not markup:
        log.warning("%s: the keyboard had more than %d buttons or %d bytes and was cut", endpoint, MAX_BUTTONS,
                    MAX_MARKUP_BYTES)  # fmt: skip
        data = {**data, "reply_markup": capped}
    return data


def _size(rows: list[list[Any]]) -> int:
    """The keyboard's JSON in bytes, as the Bot API receives it."""
    plain = [[b.to_dict() if hasattr(b, "to_dict") else b for b in row] for row in rows]
    return len(json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode())


def _capped(markup: Any) -> Any:
    """The keyboard cut to Telegram's limits (bot.core.common.fit.cap_rows), the same object when it fits."""
    if isinstance(markup, InlineKeyboardMarkup):
        rows = [list(row) for row in markup.inline_keyboard]
        capped = cap_rows(rows, size=_size)
        return markup if capped is rows else InlineKeyboardMarkup(capped)
    if isinstance(markup, ReplyKeyboardMarkup):
        rows = [list(row) for row in markup.keyboard]
        capped = cap_rows(rows, size=_size)
        if capped is rows:
            return markup
        return ReplyKeyboardMarkup(capped, resize_keyboard=markup.resize_keyboard,
                                   one_time_keyboard=markup.one_time_keyboard)  # fmt: skip
    if isinstance(markup, Mapping):
        for key in ("inline_keyboard", "keyboard"):
            rows = markup.get(key)
            if isinstance(rows, list):
                capped = cap_rows(rows, size=_size)
                if capped is not rows:
                    return {**markup, key: capped}
    return markup


class FitsTelegramLimits:
    """Mixed into a Bot: every request goes through fit_request before it is sent."""

    async def _do_post(self, endpoint: str, data: dict[str, Any], **kwargs: Any) -> Any:
        return await super()._do_post(endpoint, fit_request(endpoint, data), **kwargs)  # type: ignore[misc]


class FittingBot(FitsTelegramLimits, ExtBot):  # type: ignore[type-arg]
    """The application's bot."""


class FittingApplicationBuilder(ApplicationBuilder):  # type: ignore[type-arg]
    """ApplicationBuilder whose bot is a FittingBot (PTB has no option for the bot's class)."""

    def _build_ext_bot(self) -> ExtBot:  # type: ignore[type-arg]
        built = super()._build_ext_bot()
        return FittingBot(
            token=built.token,
            base_url=built.base_url.removesuffix(built.token),
            base_file_url=built.base_file_url.removesuffix(built.token),
            private_key=None,
            defaults=built.defaults,
            arbitrary_callback_data=False,
            request=built._request[1],
            get_updates_request=built._request[0],
            rate_limiter=built.rate_limiter,
            local_mode=built.local_mode,
        )
