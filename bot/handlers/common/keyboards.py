"""Inline keyboards: labels from templates/messages/<locale>/**/labels.yaml, data packed per user."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.core.common.locale import LOCALES, Locale
from bot.core.common.text import fold
from bot.core.faq.service import FaqReply
from bot.core.services import Services

MENU_ITEMS = ("ask", "book", "roadside", "warranty", "mycar", "advisor", "language")
ACTION_TO_MENU = {"book": "book", "appointments": "appointments", "roadside": "roadside", "advisor": "advisor",
                  "warranty_check": "warranty"}


def _button(
    services: Services, user_id: int, label: str, feature: str, action: str, *args: str
) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=services.callbacks.pack(user_id, feature, action, *args))


def main_menu(services: Services, locale: Locale, user_id: int) -> InlineKeyboardMarkup:
    """The front door: two buttons a row."""
    buttons = [
        _button(services, user_id, services.messages.label(locale, f"menu_{item}"), "menu", item) for item in MENU_ITEMS
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def languages(services: Services, user_id: int) -> InlineKeyboardMarkup:
    """One button per locale, each labelled in its own language."""
    row = [
        _button(services, user_id, services.messages.label(locale, "language_name"), "lang", "set", locale)
        for locale in LOCALES
    ]
    return InlineKeyboardMarkup([row])


def faq_reply(services: Services, locale: Locale, user_id: int, reply: FaqReply) -> InlineKeyboardMarkup:
    """Suggestions (plus "none of these"), or follow-up questions and the entry's action, plus the menu."""
    label = services.messages.label
    rows: list[list[InlineKeyboardButton]] = []
    if reply.decision == "suggest":
        # "pick", not "show": a tapped suggestion is a (question → entry) pair to learn from (bot.core.faq.learn)
        rows += [[_button(services, user_id, c.title, "faq", "pick", c.entry_id)] for c in reply.suggestions]
        rows.append([_button(services, user_id, label(locale, "none_of_these"), "faq", "none")])
    elif reply.decision == "fallback":
        rows.append([_button(services, user_id, label(locale, "menu_advisor"), "menu", "advisor")])
    else:
        if reply.action in ACTION_TO_MENU:
            item = ACTION_TO_MENU[reply.action]
            rows.append([_button(services, user_id, label(locale, f"action_{item}"), "menu", item)])
        rows += [[_button(services, user_id, c.title, "faq", "show", c.entry_id)] for c in reply.related]
    rows.append([_button(services, user_id, label(locale, "back_to_menu"), "menu", "home")])
    return InlineKeyboardMarkup(rows)


def single(
    services: Services, locale: Locale, user_id: int, label_key: str, feature: str, action: str
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(services, user_id, services.messages.label(locale, label_key), feature, action)]]
    )


def grid(
    services: Services, locale: Locale, user_id: int, buttons: Sequence[tuple[str, str, str, str]], columns: int = 1
) -> InlineKeyboardMarkup:
    """Buttons given as (label key, feature, action, arg or ""), laid out `columns` to a row."""
    label = services.messages.label
    made = [(label(locale, key), feature, action, arg) for key, feature, action, arg in buttons]
    return labelled(services, user_id, made, columns)


def labelled(
    services: Services, user_id: int, buttons: Sequence[tuple[str, str, str, str]], columns: int = 1
) -> InlineKeyboardMarkup:
    """Buttons given as (label text already made, e.g. with a plate in it, feature, action, arg or "")."""
    made = [
        _button(services, user_id, text, feature, action, *([arg] if arg else []))
        for text, feature, action, arg in buttons
    ]
    return InlineKeyboardMarkup([made[i : i + columns] for i in range(0, len(made), columns)])


def share_phone(services: Services, locale: Locale) -> ReplyKeyboardMarkup:
    """The reply keyboard whose one button sends the customer's own phone number (Telegram asks them first)."""
    button = KeyboardButton(services.messages.label(locale, "mycar_share_phone"), request_contact=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


BACK = "back"  # the action of every flow's "↩️ Back" button: `<feature>:back`
BACK_WORDS = ("上一步", "返回", "back", "go back")  # typed instead of pressed; compared folded (返回 = 返迴)


def with_back(
    services: Services, locale: Locale, user_id: int, feature: str, markup: InlineKeyboardMarkup | None, *args: str
) -> InlineKeyboardMarkup:
    """The question's buttons with a last row: "↩️ Back" to the question answered before (`<feature>:back`, and
    `args` when the flow must know which of its cases the button belongs to)."""
    back = _button(services, user_id, services.messages.label(locale, "step_back"), feature, BACK, *args)
    rows = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    return InlineKeyboardMarkup([*rows, [back]])


def back_key(services: Services, locale: Locale) -> KeyboardButton:
    """"↩️ Back" on a reply keyboard (a location or contact question): it arrives as text (`typed_back`)."""
    return KeyboardButton(services.messages.label(locale, "step_back"))


def typed_back(services: Services, text: str) -> bool:
    """Whether typed text asks to go back: the button's label in any locale, or a word for it."""
    def bare(words: str) -> str:
        return fold(words).strip(" \u21a9\ufe0f")

    labels = {bare(services.messages.label(locale, "step_back")) for locale in LOCALES}
    return len(text) < 20 and bare(text) in labels | {bare(word) for word in BACK_WORDS}
