"""A reminder as the customer reads it: the text from templates, the four buttons, the outbox payload.

No telegram import: the keyboard is the Bot API's JSON (`reply_markup`), stored in the outbox row as is.
Callback data is `rem:<action>:<vehicle id>[:<kind code>]`, signed for the customer's Telegram user id
(bot.core.common.callbacks), so a button works only for the customer it was sent to. Kind codes keep the data
short: the longest, `rem:snooze:<10 digits>:w3g:<8-character signature>`, is 37 bytes of the 64 allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from markupsafe import escape

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
    texts: ReminderTexts | None = None,
) -> dict[str, Any]:
    """The sendMessage payload of one reminder: rendered text and its buttons (the text taken from the sweep's
    `texts` when given, which reuse one rendering for many cars)."""
    if texts is not None:
        text = texts.render(locale, car, item, today, name, again)
    else:
        text = render_text(renderers.messages, locale, car, item, today, name, again)
    return message_payload(text, keyboard(renderers, locale, user_id, car.id, item.kind))


_NAME, _PLATE = "\ue000name\ue000", "\ue000plate\ue000"  # stand-ins (private use) no escaping or strip() touches
_SLOTS = re.compile("\ue000(name|plate)\ue000")
_PROBE_NAME, _PROBE_PLATE = " <Ann & \"Bo\"> ", "粤B·1<2>'3 "  # what the stand-ins are checked against


class ReminderTexts:
    """Reminder texts for one sweep, rendered once per everything but the customer's name and plate.

    The first sweep after a migration renders 190,958 reminders at a million cars, and most of them differ from
    another only in whom they greet and which plate they name: insurance reminders of one make, model and
    expiry day are one text. The template is rendered with stand-ins for those two (their truthiness kept, so
    `{% if name %}` takes the same branch) and the escaped values put in their place, which is what autoescaping
    does to them inside the template. A locale's template that does anything else with them (a filter, a slice)
    is caught by a probe at its first use (names with markup characters and blanks at the ends, rendered both
    ways) and then rendered in full for every reminder. At most `limit` texts are kept (then they are dropped
    and rendered again), so memory stays flat."""

    def __init__(self, messages: Messages, limit: int = 20_000) -> None:
        self._messages, self._limit = messages, limit
        self._texts: dict[tuple[Any, ...], list[str]] = {}
        self._faithful: dict[Locale, bool] = {}

    def render(
        self, locale: Locale, car: CarView, item: DueItem, today: date, name: str | None = None, again: bool = False
    ) -> str:
        """The same text as `render_text(messages, locale, car, item, today, name, again)`."""
        plate = car.plate_display
        key = (locale, item.kind, item.due, today, item.detail, car.make, car.model, bool(name), bool(plate), again)
        try:
            parts = self._texts.get(key)
        except TypeError:  # a detail that cannot be a key
            return render_text(self._messages, locale, car, item, today, name, again)
        if parts is None:
            if not self._is_faithful(locale, car, item, today, again):
                return render_text(self._messages, locale, car, item, today, name, again)
            if len(self._texts) >= self._limit:
                self._texts.clear()
            parts = self._texts[key] = self._parts(locale, car, item, today, bool(name), bool(plate), again)
        return _fill(parts, name, plate)

    def _parts(
        self, locale: Locale, car: CarView, item: DueItem, today: date, name: bool, plate: bool, again: bool
    ) -> list[str]:
        data = template_data(car, item, today, _NAME if name else None, again)
        data["plate"] = _PLATE if plate else data["plate"]
        return _SLOTS.split(self._messages.render(locale, "reminder", **data))

    def _is_faithful(self, locale: Locale, car: CarView, item: DueItem, today: date, again: bool) -> bool:
        faithful = self._faithful.get(locale)
        if faithful is None:
            probe = CarView(car.id, _PROBE_PLATE, car.make, car.model)
            parts = self._parts(locale, probe, item, today, True, True, again)
            expected = render_text(self._messages, locale, probe, item, today, _PROBE_NAME, again)
            faithful = self._faithful[locale] = _fill(parts, _PROBE_NAME, probe.plate_display) == expected
        return faithful


def _fill(parts: list[str], name: str | None, plate: str | None) -> str:
    """The text with the escaped name and plate in their stand-ins' places (parts: text, slot, text, …)."""
    if len(parts) == 1:
        return parts[0]
    values = {"name": str(escape(name or "")), "plate": str(escape(plate or ""))}
    return "".join(part if n % 2 == 0 else values[part] for n, part in enumerate(parts)).strip()
