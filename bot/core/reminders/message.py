"""A reminder as the customer reads it: the text from templates, the four buttons, the outbox payload.

No telegram import: the keyboard is the Bot API's JSON (`reply_markup`), stored in the outbox row as is.
Callback data is `rem:<action>:<vehicle id>[:<kind code>]`, signed for the customer's Telegram user id
(bot.core.common.callbacks), so a button works only for the customer it was sent to. Kind codes keep the data
short: the longest, `rem:snooze:<10 digits>:w3g:<8-character signature>`, is 37 bytes of the 64 allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from bot.core.common.callbacks import CallbackCodec
from bot.core.common.identifiers import format_plate
from bot.core.common.locale import LOCALES, Locale, choose_locale
from bot.core.common.messages import Messages
from bot.core.garage.due import DueItem, DueKind
from bot.core.outbox.store import message_payload

FEATURE = "rem"
KIND_CODES: dict[DueKind, str] = {
    "service": "svc",
    "insurance": "ins",
    "inspection": "insp",
    "warranty_repair": "wrep",
    "warranty_three_guarantees": "w3g",
}
CODE_KINDS: dict[str, DueKind] = {code: kind for kind, code in KIND_CODES.items()}


class Renderers(Protocol):
    """What rendering needs from the services: templates and the callback signer."""

    @property
    def messages(self) -> Messages: ...

    @property
    def callbacks(self) -> CallbackCodec: ...


@dataclass(frozen=True)
class CarView:
    """The car as a reminder names it."""

    id: int
    plate: str | None
    make: str
    model: str

    @property
    def plate_display(self) -> str | None:
        """粤B·12345 rather than the stored 粤B12345."""
        return format_plate(self.plate) if self.plate else None


def reminder_locale(
    locale_choice: str | None, last_locale: str | None, language_code: str | None, default: Locale
) -> Locale:
    """The customer's locale when they did not just write: their choice > their last script > Telegram's > default."""
    written: Locale | None = last_locale if last_locale in LOCALES else None  # type: ignore[assignment]
    return choose_locale(locale_choice, written, language_code, default)


def keyboard(
    renderers: Renderers, locale: Locale, user_id: int, vehicle_id: int, kind: DueKind
) -> dict[str, Any]:
    """Book now · update odometer / remind me later · not my car anymore, as Bot API JSON."""
    label, code, car = renderers.messages.label, KIND_CODES[kind], str(vehicle_id)
    book, odometer, snooze, gone = renderers.callbacks.pack_many(user_id, (
        (FEATURE, "book", car, code), (FEATURE, "odo", car), (FEATURE, "snooze", car, code), (FEATURE, "gone", car)))
    return {
        "inline_keyboard": [
            [{"text": label(locale, "rem_book"), "callback_data": book},
             {"text": label(locale, "rem_odometer"), "callback_data": odometer}],
            [{"text": label(locale, "rem_snooze"), "callback_data": snooze},
             {"text": label(locale, "rem_gone"), "callback_data": gone}],
        ]
    }  # fmt: skip


def template_data(
    car: CarView, item: DueItem, today: date, name: str | None = None, again: bool = False
) -> dict[str, Any]:
    """The variables of templates/messages/<locale>/reminders/reminder.html.j2."""
    return {
        "kind": item.kind,
        "due": item.due,
        "days_left": (item.due - today).days,
        "overdue": item.due < today,
        "d": item.detail,
        "plate": car.plate_display,
        "make": car.make,
        "model": car.model,
        "name": name or "",
        "again": again,
    }


def render_text(
    messages: Messages,
    locale: Locale,
    car: CarView,
    item: DueItem,
    today: date,
    name: str | None = None,
    again: bool = False,
) -> str:
    """The reminder's text; `again` after "remind me later"."""
    return messages.render(locale, "reminder", **template_data(car, item, today, name, again))


def payload(
    renderers: Renderers,
    locale: Locale,
    user_id: int,
    car: CarView,
    item: DueItem,
    today: date,
    name: str | None = None,
    again: bool = False,
) -> dict[str, Any]:
    """The sendMessage payload of one reminder: rendered text and its buttons."""
    text = render_text(renderers.messages, locale, car, item, today, name, again)
    return message_payload(text, keyboard(renderers, locale, user_id, car.id, item.kind))
