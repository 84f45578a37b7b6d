"""A campaign message as the customer reads it: the marketer's text in the customer's locale, the optional
action button (book a service, RSVP to the event, open a URL) and always "no more offers" (no telegram import).

Callback data: `cmp:stop:<campaign>` and `ev:rsvp:<event>:<g|m|n>:<campaign>`, signed for the customer. In a
preview or a test send every such button is `cmp:pv` instead: pressing it says it is a preview and changes nothing
(the draft has no campaign yet, and the marketer's own answers must not count).
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.core.common.locale import Locale
from bot.core.common.settings import Settings
from bot.core.events.view import EventView, localized
from bot.core.outbox.store import message_payload
from bot.core.reminders.message import Renderers

FEATURE = "cmp"
EVENT_FEATURE = "ev"
RSVP_CODES = {"g": "going", "m": "maybe", "n": "no"}
BUTTON_KINDS = ("book", "rsvp", "url")


class CampaignRenderers(Renderers, Protocol):
    """Rendering, and the settings whose default locale fills a text missing in the customer's locale."""

    @property
    def settings(self) -> Settings: ...


def text(renderers: CampaignRenderers, locale: Locale, texts: dict[str, str], event: EventView | None) -> str:
    body = localized(texts, locale, renderers.settings.default_locale)
    return renderers.messages.render(locale, "campaign_message", body=body, event=event)


def rsvp_buttons(
    renderers: Renderers, locale: Locale, user_id: int, event_id: int, campaign_id: int
) -> list[dict[str, str]]:
    label, pack = renderers.messages.label, renderers.callbacks.pack
    return [
        {"text": label(locale, f"ev_rsvp_{answer}"),
         "callback_data": pack(user_id, EVENT_FEATURE, "rsvp", str(event_id), code, str(campaign_id))}
        for code, answer in RSVP_CODES.items()
    ]  # fmt: skip


def keyboard(
    renderers: Renderers, locale: Locale, user_id: int, campaign_id: int, button: dict[str, Any] | None,
    event_id: int | None, preview: bool = False,
) -> dict[str, Any]:  # fmt: skip
    label, pack = renderers.messages.label, renderers.callbacks.pack
    rows: list[list[dict[str, str]]] = []
    kind = (button or {}).get("kind")
    if kind == "book":
        rows.append([{"text": label(locale, "cmp_book"), "callback_data": pack(user_id, "menu", "book")}])
    elif kind == "rsvp" and event_id is not None:
        rows.append(rsvp_buttons(renderers, locale, user_id, event_id, campaign_id))
    elif kind == "url" and button is not None:
        rows.append([{"text": label(locale, "cmp_open_link"), "url": str(button["url"])}])
    stop = pack(user_id, FEATURE, "stop", str(campaign_id))
    rows.append([{"text": label(locale, "cmp_stop"), "callback_data": stop}])
    if preview:  # the buttons look the same and only say they are a preview
        inert = pack(user_id, FEATURE, "pv")
        rows = [[{**b, "callback_data": inert} if "callback_data" in b else b for b in row] for row in rows]
    return {"inline_keyboard": rows}


def payload(
    renderers: CampaignRenderers, locale: Locale, user_id: int, campaign_id: int, texts: dict[str, str],
    button: dict[str, Any] | None, event: EventView | None, preview: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """The outbox payload for one recipient (also the preview and the test send, with `preview`)."""
    markup = keyboard(renderers, locale, user_id, campaign_id, button, event.id if event else None, preview)
    return message_payload(text(renderers, locale, texts, event), markup)
