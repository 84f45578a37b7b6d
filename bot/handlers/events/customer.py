"""Customers and events: /events (upcoming events, their answers, RSVP buttons) and the RSVP buttons of an
invitation, `ev:rsvp:<event>:<g|m|n>:<campaign, 0 for none>`, signed for the customer. Answers change until the
event starts; a late "going" joins the waiting list (bot.core.events.service)."""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.core.campaigns.message import EVENT_FEATURE, RSVP_CODES, rsvp_buttons
from bot.core.events import actions
from bot.handlers.common.context import CareContext, callback_data, customer_locale, refuse_button, send


def _markup(context: CareContext, locale: str, user_id: int, event_id: int, campaign_id: int) -> InlineKeyboardMarkup:
    row = rsvp_buttons(context.services, locale, user_id, event_id, campaign_id)  # type: ignore[arg-type]
    return InlineKeyboardMarkup([[InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in row]])


async def list_events(update: Update, context: CareContext) -> None:
    """/events: each upcoming event with the customer's answer and buttons to change it."""
    locale = await customer_locale(update, context)
    user = update.effective_user
    assert user is not None
    found = await actions.upcoming_for(context.services, user.id, locale, dt.datetime.now(dt.UTC))
    if not found:
        await send(update, context, locale, "event_reply", None, event="none", answer_given=None)
        return
    for event, mine in found:
        await send(update, context, locale, "event_card", _markup(context, locale, user.id, event.id, 0), e=event,
                   mine=mine)  # fmt: skip


async def answer(update: Update, context: CareContext) -> None:
    """An RSVP button: record the answer (capacity decides going or waiting) and say what was recorded."""
    data, query = callback_data(update, context), update.callback_query
    args = data.args if data is not None and data.feature == EVENT_FEATURE and data.action == "rsvp" else ()
    if query is None or len(args) != 3 or not args[0].isdigit() or args[1] not in RSVP_CODES or not args[2].isdigit():
        await refuse_button(update, context)
        return
    await query.answer()
    locale = await customer_locale(update, context)
    campaign_id = int(args[2]) or None
    result, _ = await actions.rsvp(context.services, query.from_user.id, int(args[0]), RSVP_CODES[args[1]],
                                   campaign_id, locale, dt.datetime.now(dt.UTC))  # fmt: skip
    event = "closed" if result.answer == "closed" else "answered"
    await send(update, context, locale, "event_reply", None, event=event, answer_given=result.answer)


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    return [
        CommandHandler("events", list_events, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(answer, pattern=rf"^{EVENT_FEATURE}:rsvp:"),
    ]
