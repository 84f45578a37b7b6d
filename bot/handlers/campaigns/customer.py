"""Customers and campaigns: the "no more offers" button on every campaign message (`cmp:stop:<id>`, signed for
the customer), the campaign deep link `/start c_<id>`, which attributes later bookings and RSVPs, and the buttons
of a preview or a test send (`cmp:pv`), which only say so."""

from __future__ import annotations

import datetime as dt

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.core.campaigns import actions
from bot.core.campaigns.message import FEATURE
from bot.handlers.common import keyboards
from bot.handlers.common.context import CareContext, callback_data, customer_locale, refuse_button, send

DEEP_LINK = r"^/start\s+c_(\d{1,9})\s*$"


async def stop_offers(update: Update, context: CareContext) -> None:
    """Turn offers off for the presser; reminders and answers keep coming."""
    data, query = callback_data(update, context), update.callback_query
    if query is None or data is None or data.feature != FEATURE or data.action != "stop":
        await refuse_button(update, context)
        return
    await query.answer()
    locale = await customer_locale(update, context)
    await actions.stop_offers(context.services, query.from_user.id)
    await send(update, context, locale, "campaign_reply", None, event="stopped", id=0, status="", reason="")


async def preview_pressed(update: Update, context: CareContext) -> None:
    """A button of a preview: nothing to record (no campaign yet), and the marketer should know why."""
    data, query = callback_data(update, context), update.callback_query
    if query is None or data is None or data.feature != FEATURE or data.action != "pv":
        await refuse_button(update, context)
        return
    locale = await customer_locale(update, context)
    await query.answer(context.services.messages.label(locale, "cmp_preview_pressed"), show_alert=True)


async def deep_link(update: Update, context: CareContext) -> None:
    """`/start c_<id>`: remember where the customer came from, then the usual welcome menu."""
    locale = await customer_locale(update, context)
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None and message.text is not None
    campaign_id = int(message.text.split("c_", 1)[1].strip())
    await actions.attribute(context.services, user.id, campaign_id, dt.datetime.now(dt.UTC))
    await send(update, context, locale, "campaign_reply", keyboards.main_menu(context.services, locale, user.id),
               event="attributed", id=campaign_id, status="", reason="")  # fmt: skip


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("start", deep_link, filters=private & filters.Regex(DEEP_LINK)),
        CallbackQueryHandler(stop_offers, pattern=rf"^{FEATURE}:stop:"),
        CallbackQueryHandler(preview_pressed, pattern=rf"^{FEATURE}:pv"),
    ]
