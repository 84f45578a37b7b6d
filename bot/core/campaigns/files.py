"""A campaign described in YAML (`python -m bot campaign create --from FILE.yaml`; docs/marketing.md).

    name: Toyota winter check week
    kind: event                      # broadcast | event
    event:                           # a new event, created with the campaign (or `event_id: 3`)
      title: {zh-Hant: 冬季免費檢測週, zh-Hans: 冬季免费检测周, en: Free winter check week}
      description: {zh-Hant: …, en: …}
      branch: futian
      place: 福田店 2 號工位
      starts: 2026-12-20 09:00       # dealer time
      ends: 2026-12-20 17:00
      capacity: 30
      offer: inspection_week         # inspection_week | service_month | owners_evening | recall
    audience: {makes: [Toyota]}      # filters: bot.core.campaigns.segments
    texts: {zh-Hant: …, zh-Hans: …, en: …}
    # or, in place of texts: template: service_month   # a ready text per locale (the wizard's templates)
    button: {kind: rsvp}             # book | rsvp | url (with url: https://…)
    send_at: 2026-12-06 10:00        # dealer time; left out: now, or invite_days before the event

A mistake is reported with its field and the line it is on (`FileError`), before anything is stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.core.campaigns.segments import Audience, AudienceError
from bot.core.campaigns.service import CampaignError, Draft, validate
from bot.core.campaigns.wizard import READY, ready_texts
from bot.core.common.locale import DEFAULT_LOCALE, Locale
from bot.core.common.messages import Messages
from bot.core.events.service import EventDraft

KEYS = ("name", "kind", "event", "event_id", "audience", "texts", "template", "button", "send_at")
EVENT_KEYS = ("title", "description", "branch", "place", "starts", "ends", "capacity", "offer", "invite_days")


class FileError(ValueError):
    def __init__(self, field: str, line: int | None, message: str) -> None:
        where = f"line {line}: " if line else ""
        super().__init__(f"{where}{field}: {message}")
        self.field, self.line = field, line


@dataclass(frozen=True)
class CampaignFile:
    draft: Draft
    event: EventDraft | None


def _lines(node: yaml.Node, path: str = "", found: dict[str, int] | None = None) -> dict[str, int]:
    """Each key's dotted path → its 1-based line."""
    found = {} if found is None else found
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{path}.{key.value}" if path else str(key.value)
            found[child] = key.start_mark.line + 1
            _lines(value, child, found)
    return found


def _time(value: Any, field: str, tz: ZoneInfo, line: int | None) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise FileError(field, line, f"expected a date and time like 2026-12-20 09:00, got {value!r}") from exc
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _texts(value: Any, field: str, line: int | None, default: Locale) -> dict[str, str]:
    """A text per locale; a plain string is the dealer's default locale's (`default`)."""
    if isinstance(value, str):
        return {default: value}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise FileError(field, line, "expected a text per locale, e.g. {zh-Hant: …, en: …}")
    return {str(k): v for k, v in value.items()}


def _message(data: dict[str, Any], lines: dict[str, int], messages: Messages | None, default: Locale
             ) -> dict[str, str]:  # fmt: skip
    """The typed `texts`, or a ready template's wording in every locale (`template: <name>`), never both. A locale
    left out is read in the dealer's default locale's text at delivery (bot.core.events.view.localized)."""
    if "template" not in data:
        return _texts(data.get("texts") or {}, "texts", lines.get("texts"), default)
    line = lines.get("template")
    if "texts" in data:
        raise FileError("template", line, "give either texts or template, not both")
    name = data["template"]
    if not isinstance(name, str) or name not in READY:
        raise FileError("template", line, f"unknown template {name!r}; expected one of {', '.join(READY)}")
    if messages is None:
        raise FileError("template", line, "templates need the bot's messages (templates/messages)")
    return ready_texts(messages, name)


def parse(text: str, tz: ZoneInfo, invite_days: int, messages: Messages | None = None,
          default_locale: Locale = DEFAULT_LOCALE) -> CampaignFile:  # fmt: skip
    """Read and check a campaign file; raises FileError naming the field and its line. `messages` renders a
    `template:` (the dealer's name and hotline filled in), stored as typed texts, as the wizard does.
    `default_locale`: the dealer's (settings.default_locale), whose text is required and fills the others."""
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise FileError("yaml", mark.line + 1 if mark else None, str(getattr(exc, "problem", exc))) from exc
    if not isinstance(data, dict) or node is None:
        raise FileError("file", 1, "expected a mapping of " + ", ".join(KEYS))
    lines = _lines(node)
    for key in data:
        if key not in KEYS:
            raise FileError(str(key), lines.get(str(key)), f"unknown field; expected one of {', '.join(KEYS)}")
    event = None
    if "event" in data:
        raw = data["event"]
        if not isinstance(raw, dict):
            raise FileError("event", lines.get("event"), "expected the event's fields")
        for key in raw:
            if key not in EVENT_KEYS:
                raise FileError(f"event.{key}", lines.get(f"event.{key}"), f"expected one of {', '.join(EVENT_KEYS)}")
        for key in ("title", "branch", "place", "starts", "ends", "capacity"):
            if key not in raw:
                raise FileError(f"event.{key}", lines.get("event"), "missing")
        capacity = raw["capacity"]
        if not isinstance(capacity, int) or isinstance(capacity, bool):
            raise FileError("event.capacity", lines.get("event.capacity"), "expected a whole number")
        event = EventDraft(
            titles=_texts(raw["title"], "event.title", lines.get("event.title"), default_locale),
            descriptions=_texts(raw.get("description") or {}, "event.description", lines.get("event.description"),
                                default_locale),
            branch=str(raw["branch"]), place=str(raw["place"]),
            starts_at=_time(raw["starts"], "event.starts", tz, lines.get("event.starts")),
            ends_at=_time(raw["ends"], "event.ends", tz, lines.get("event.ends")),
            capacity=capacity, offer=raw.get("offer"), invite_days=int(raw.get("invite_days") or invite_days),
        )  # fmt: skip
    try:
        audience = Audience.from_json(data.get("audience") or {})
    except AudienceError as exc:
        raise FileError(f"audience.{exc.field}", lines.get(f"audience.{exc.field}", lines.get("audience")),
                        str(exc).split(": ", 1)[1]) from exc  # fmt: skip
    send_at = data.get("send_at")
    event_id = data.get("event_id")
    draft = Draft(
        name=str(data.get("name") or ""), kind=str(data.get("kind") or ("event" if event else "broadcast")),
        audience=audience, texts=_message(data, lines, messages, default_locale),
        button=data.get("button"), event_id=event_id if isinstance(event_id, int) else (0 if event else None),
        send_at=_time(send_at, "send_at", tz, lines.get("send_at")) if send_at is not None else None,
    )  # fmt: skip
    try:
        validate(draft, default_locale)
    except CampaignError as exc:
        raise FileError(exc.field, lines.get(exc.field), str(exc).split(": ", 1)[1]) from exc
    return CampaignFile(draft, event)
