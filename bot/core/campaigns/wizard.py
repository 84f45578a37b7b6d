"""The /campaign wizard's answers and what they mean, as plain JSON-ready data (no telegram import).

The handler keeps `Answers` in user_data (persisted, so a half-made campaign survives a restart) and asks the
question `stage(answers)` names. Nothing is stored in the campaign tables before the marketer confirms; then
the event (when a new one was described) and the campaign are created in one transaction.

Stages: kind → event (pick one, or describe a new one: "title / 20 Dec 09:00-17:00 / 30 / place", the title
in the dealer's default locale; then the title in each other locale, typed or "same as" the first: `title:<locale>`;
then its branch) → audience (filters toggled, the count shown) → a text per locale (the dealer's default
locale's, settings.default_locale, asked first and required; the others may fall back to it: `draft` copies it
into them), typed or every locale's at once from a ready template (READY: "ready" stage) → button (broadcasts:
none or "book a service"; invitations get RSVP buttons) → when (now; for an invitation also "invite_days before
the event", the seed's rule; or a typed date and time; moved out of quiet hours) → confirm (with a test send to
oneself). Every question after the first has a back button: `back(answers)` takes away the answer that led to it.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.campaigns.segments import Audience
from bot.core.campaigns.service import Draft, send_time_problem
from bot.core.common.locale import DEFAULT_LOCALE, LOCALES, Locale
from bot.core.common.messages import Messages
from bot.core.common.numbers import normalise, too_long
from bot.core.desk.booking.dates import read_day, read_time
from bot.core.events.service import EventDraft

Answers = dict[str, Any]
# Ready texts (templates/messages/<locale>/campaigns/ready/campaign_ready_<name>.html.j2), one per locale
READY = ("service_month", "inspection_week", "owners_evening", "recall")
# Toggled filters: code → (audience field, value when on)
FILTERS: dict[str, tuple[str, Any]] = {
    "nv": ("never_visited", True),
    "lv": ("last_visit_months", 6),
    "ins": ("insurance_days", 30),
    "wty": ("warranty_days", 60),
    "svc": ("service_due_days", 30),
}
# A clock time as marketers type it: "09:00", "9：30", "9點", "9点半", "17时30分"
_CLOCK = r"\d{1,2}(?:\s*[:：]\s*\d{2}|\s*[点時时](?:\s*\d{1,2}\s*分?|半)?)"
_RANGE = re.compile(rf"(?P<start>{_CLOCK})\s*(?:-|–|—|~|～|至|到|\bto\b)\s*(?P<end>{_CLOCK}|\d{{1,2}}(?!\d))")
_WHEN_CLOCK = re.compile(rf"{_CLOCK}|(?<!\d)\d{{1,2}}(?:[:：]\d{{2}})?\s*(?:am|pm|a\.m\.|p\.m\.)")
_PM = re.compile(r"下午|晚上|傍晚|\bpm\b|p\.m\.")


class EventLineError(ValueError):
    """Why a new event's line was refused; `reason` is worded by the wizard's template: "day" (no date in it),
    "past" (the date has passed), "time" (no "09:00-17:00" range), "order" (it ends before it starts),
    "capacity" (not a whole number of places from 1 to 99,999)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

def text_locales(default: Locale = DEFAULT_LOCALE) -> list[Locale]:
    """The locales a message text is asked in, in order: the dealer's default first (required), then the others."""
    return [default, *(locale for locale in LOCALES if locale != default)]


def stage(a: Answers, default: Locale = DEFAULT_LOCALE) -> str:
    """The question the answers lead to; `default`: the dealer's locale (settings.default_locale)."""
    if "kind" not in a:
        return "kind"
    if a["kind"] == "event" and "event_id" not in a and "new_event" not in a:
        return "event"
    missing = missing_titles(a)
    if missing:
        return f"title:{missing[0]}"
    if "new_event" in a and "branch" not in a["new_event"]:
        return "event_branch"
    if not a.get("audience_done"):
        return "audience"
    if a.get("picking"):
        return "ready"
    for locale in text_locales(default):
        if locale not in a.get("texts", {}) and locale not in a.get("skipped", []):
            return f"text:{locale}"
    if a["kind"] == "broadcast" and "button" not in a:
        return "button"
    if "send_at" not in a:
        return "when"
    return "confirm"


def back(a: Answers, default: Locale = DEFAULT_LOCALE) -> Answers:
    """The answers one question earlier: the answer that led to today's question taken away (the kind question
    is the first: nothing before it)."""
    step, a = stage(a, default), dict(a)
    if step == "event":
        a.pop("kind", None)
    elif step.startswith("title:") or step == "event_branch":
        new, first = dict(a["new_event"]), title_locale(a)
        later = [locale for locale in LOCALES if locale != first and locale in new.get("titles", {})]
        if later:  # the title typed or copied last
            new["titles"] = {k: v for k, v in new["titles"].items() if k != later[-1]}
            a["new_event"] = new
        else:
            a.pop("new_event")
    elif step == "audience":
        if "new_event" in a:
            a["new_event"] = {k: v for k, v in a["new_event"].items() if k != "branch"}
        elif "event_id" in a:
            a.pop("event_id")
        else:
            a.pop("kind", None)
    elif step == "ready" or step.startswith("text:"):
        a = _text_back(a, default) if step.startswith("text:") else {k: v for k, v in a.items() if k != "picking"}
    elif step == "button":
        a = _text_back(a, default)
    elif step == "when":
        a = {k: v for k, v in a.items() if k != "button"} if a.get("kind") == "broadcast" else _text_back(a, default)
    elif step == "confirm":
        a.pop("send_at", None)
    return a


def _text_back(a: Answers, default: Locale) -> Answers:
    """Back over the message texts: a ready template's back to the template list; a typed or skipped locale's
    back to that locale; before the first text, back to the audience."""
    if a.get("ready"):
        return {**{k: v for k, v in a.items() if k not in ("texts", "ready")}, "picking": True}
    answered = {*a.get("texts", {}), *a.get("skipped", [])}
    done = [locale for locale in text_locales(default) if locale in answered]
    if not done:
        return {**a, "audience_done": False}
    last = done[-1]
    return {**a, "texts": {k: v for k, v in a.get("texts", {}).items() if k != last},
            "skipped": [locale for locale in a.get("skipped", []) if locale != last]}  # fmt: skip


def missing_titles(a: Answers) -> list[str]:
    """The locales a new event still needs a title in (a wizard begun before per-locale titles needs none)."""
    titles = (a.get("new_event") or {}).get("titles")
    return [] if titles is None else [locale for locale in LOCALES if locale not in titles]


def title_locale(a: Answers) -> Locale:
    """The locale the new event's first title was typed in (the dealer's default)."""
    return (a.get("new_event") or {}).get("title_locale") or DEFAULT_LOCALE  # type: ignore[no-any-return]


def set_title(a: Answers, locale: str, title: str | None) -> Answers:
    """A new event's title in `locale`: typed, or None for "same as" the first one. Unknown or done: no change."""
    new = a.get("new_event") or {}
    if locale not in missing_titles(a):
        return a
    titles = dict(new["titles"])
    titles[locale] = (title or "").strip() or titles[title_locale(a)]
    return {**a, "new_event": {**new, "titles": titles}}


def same_titles(a: Answers) -> Answers:
    """Every remaining locale gets the first title (for a marketer in a hurry)."""
    for locale in missing_titles(a):
        a = set_title(a, locale, None)
    return a


def toggle(a: Answers, code: str, brands: list[str]) -> Answers:
    """A filter button: a brand (`mk:<index>`), a branch (`br:<id>`) or one of FILTERS."""
    audience = dict(a.get("audience") or {})
    if code.startswith("mk:") and code[3:].isdigit() and int(code[3:]) < len(brands):
        makes = set(audience.get("makes") or []) ^ {brands[int(code[3:])]}
        audience["makes"] = sorted(makes)
    elif code.startswith("br:"):
        branches = set(audience.get("branches") or []) ^ {code[3:]}
        audience["branches"] = sorted(branches)
    elif code in FILTERS:
        field, value = FILTERS[code]
        if audience.get(field) is None or audience.get(field) is False:
            audience[field] = value
            if field in ("never_visited", "last_visit_months"):  # the two cannot combine: the other goes off
                audience.pop("last_visit_months" if field == "never_visited" else "never_visited", None)
        else:
            audience.pop(field, None)
    audience = {k: v for k, v in audience.items() if v not in ([], None, False)}
    return {**a, "audience": audience}


def ready_texts(messages: Messages, name: str) -> dict[str, str]:
    """A ready template's text in every locale, as plain text (the customer's message escapes it like a typed
    one); the dealer's name and hotline come from knowledge/dealer.yaml through the shared template variables."""
    return {locale: html.unescape(messages.render(locale, f"campaign_ready_{name}")) for locale in LOCALES}


def use_ready(a: Answers, messages: Messages, name: str) -> Answers:
    """Fill every locale's text from a ready template (unknown names change nothing)."""
    if name not in READY:
        return a
    rest = {k: v for k, v in a.items() if k not in ("picking", "skipped")}
    return {**rest, "texts": ready_texts(messages, name), "ready": name}


def parse_new_event(
    text: str, tz: ZoneInfo, locale: Locale = DEFAULT_LOCALE, today: dt.date | None = None
) -> dict[str, Any] | None:
    """'title / 20 Dec 09:00-17:00 / 30 / place' → the new event's fields (dealer time). None when the text is
    not four parts split by "/" (so it can be a title); EventLineError when it is and a part is wrong. The date
    is read looking forward as a booking day is ("12月20日", "12/20", "2026-12-20", "20 Dec", "下週六"); the
    times as "09:00-17:00", "9點-17點", "9:30至17:00". The title is the one in `locale` (the dealer's default);
    the other locales' are asked next."""
    parts = [part.strip() for part in re.split(r"[/／]", text)]
    if len(parts) < 4 or not parts[0] or not parts[-1]:
        return None
    title, when, capacity, place = parts[0], " ".join(parts[1:-2]), parts[-2], parts[-1]
    today = today or dt.datetime.now(tz).date()
    span = _RANGE.search(normalise(when))
    if span is None:
        raise EventLineError("time")
    start, end = read_time(span["start"]), read_time(span["end"])
    if start is None or end is None:
        raise EventLineError("time")
    choice = read_day(normalise(when).replace(span[0], " "), today)
    if choice is None:
        raise EventLineError("day")
    if choice.day < today:
        raise EventLineError("past")
    starts = dt.datetime.combine(choice.day, dt.time.fromisoformat(start), tzinfo=tz)
    ends = dt.datetime.combine(choice.day, dt.time.fromisoformat(end), tzinfo=tz)
    if ends <= starts:
        raise EventLineError("order")
    if not capacity.isdigit() or not 1 <= int(capacity) <= 99_999:
        raise EventLineError("capacity")
    return {"title": title, "titles": {locale: title}, "title_locale": locale, "starts": starts.isoformat(),
            "ends": ends.isoformat(), "capacity": int(capacity), "place": place}  # fmt: skip


def parse_when(text: str, tz: ZoneInfo, now: dt.datetime | None = None) -> dt.datetime | None:
    """A typed date and time in the dealer's time zone: "2026-12-06 10:00", "12月6日 10點", "12/6 10:00",
    "明天 上午10點", "tomorrow 3pm", "6 Dec 10:00"; a time alone is today's. None when it names no time."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is not None:
        return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment
    cleaned = normalise(text)
    clock = _WHEN_CLOCK.search(cleaned)
    if clock is None or too_long(text):
        return None
    time = read_time(clock[0] + ("pm" if _PM.search(cleaned) and not _PM.search(clock[0]) else ""))
    rest = re.sub(r"上午|下午|早上|晚上|傍晚", " ", cleaned.replace(clock[0], " ")).strip(" ,，")
    today = (now or dt.datetime.now(tz)).astimezone(tz).date()
    choice = read_day(rest, today) if rest else None
    if time is None or (rest and choice is None):
        return None
    return dt.datetime.combine(choice.day if choice else today, dt.time.fromisoformat(time), tzinfo=tz)


def when_problem(when: dt.datetime, a: Answers, now: dt.datetime) -> str | None:
    """Why a typed send time cannot be used: "when_past" (it has passed: sending at once instead would surprise
    a marketer who mistyped a year or a month), "when_late" (an invitation after its new event has started)."""
    new = a.get("new_event")
    return send_time_problem(when, dt.datetime.fromisoformat(new["starts"]) if new else None, now)


def event_draft(a: Answers, invite_days: int) -> EventDraft | None:
    new = a.get("new_event")
    if not new:
        return None
    title = {locale: (new.get("titles") or {}).get(locale) or new["title"] for locale in LOCALES}
    starts, ends = dt.datetime.fromisoformat(new["starts"]), dt.datetime.fromisoformat(new["ends"])
    return EventDraft(titles=title, descriptions={}, branch=new["branch"], place=new["place"], starts_at=starts,
                      ends_at=ends, capacity=new["capacity"], invite_days=invite_days)  # fmt: skip


def draft(a: Answers, event_id: int | None = None, default: Locale = DEFAULT_LOCALE) -> Draft:
    """The campaign the answers describe (`event_id` of the event just created, for a new one). A locale whose
    text was skipped gets the dealer's default locale's (`default`), stored, so the preview and the list show what
    each locale's customers get (delivery's own fallback, bot.core.events.view.localized, is the same locale)."""
    kind, texts = a["kind"], dict(a.get("texts", {}))
    if (texts.get(default) or "").strip():
        texts = {locale: texts.get(locale) or texts[default] for locale in LOCALES}
    name = (texts.get(default) or "campaign").strip().splitlines()[0][:60]
    button = {"kind": "rsvp"} if kind == "event" else ({"kind": "book"} if a.get("button") == "book" else None)
    send_at = a.get("send_at")
    return Draft(name=name, kind=kind, audience=Audience.from_json(a.get("audience")), texts=texts,
                 button=button, event_id=event_id if event_id is not None else a.get("event_id"),
                 send_at=None if send_at in (None, "rule") else dt.datetime.fromisoformat(send_at))  # fmt: skip
