"""A scheduled campaign's new send time, from /campaigns: its 🕘 button (`cmpa:when:<id>`, signed for the
marketer, bot.handlers.campaigns.staff) asks for the time, the marketer types it in private, and the campaign moves
(bot.core.campaigns.service.reschedule). The wizard's rules: a time read as the wizard reads it, none that has
passed, no invitation at or after its event's start, quiet hours moved out of, and someone in the audience on the
new day (a date filter reads that day, as at the wizard's confirm). Once sending has begun (also while
the marketer was typing) it is refused, saying why. `cmpa:keep:<id>` or /cancel leaves the time as it is.
Role marketing (admins too), checked at the button and at the typed time; replies in the dealer's default locale.
The campaign being changed waits in user_data (persisted with the conversation, so a restart keeps it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler

from bot.core.campaigns import actions
from bot.core.campaigns import wizard as steps
from bot.core.campaigns.service import Progress, ScheduleError
from bot.handlers.common.context import CareContext, callback_data, double_tap
from bot.handlers.common.flows import PRIVATE, TYPED_ANSWER, flow
from bot.handlers.desk.group import require_staff

FEATURE, KEY, TYPING = "cmpa", "campaign_reschedule", "campaign_reschedule"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _say(update: Update, context: CareContext, markup: InlineKeyboardMarkup | None = None, **data: Any) -> None:
    services, chat = context.services, update.effective_chat
    assert chat is not None
    shown = {"step": None, "reason": None, "problem": None, "example": (_now() + dt.timedelta(days=14)).date(), **data}
    await chat.send_message(services.messages.render(services.settings.default_locale, "campaign_reschedule", **shown),
                            reply_markup=markup)  # fmt: skip


def _keep(context: CareContext, user_id: int, campaign_id: int) -> InlineKeyboardMarkup:
    """Under the question and under a time refused: leave the time as it is."""
    services = context.services
    keep = services.callbacks.pack(user_id, FEATURE, "keep", str(campaign_id))
    label = services.messages.label(services.settings.default_locale, "cmpr_keep")
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=keep)]])


def _when(context: CareContext, figures: Progress) -> str:
    return figures.send_at.astimezone(context.services.settings.tz).strftime("%Y-%m-%d %H:%M")


async def begin(update: Update, context: CareContext) -> object:
    """A scheduled campaign's 🕘 button: ask for its new send time."""
    query, services = update.callback_query, context.services
    assert query is not None and context.user_data is not None
    if await require_staff(update, context, "marketing") is None:
        return ConversationHandler.END
    if double_tap(update, context):  # the first press asked already
        await query.answer()
        return TYPING if context.user_data.get(KEY) else ConversationHandler.END
    data, locale = callback_data(update, context), services.settings.default_locale
    if data is None or data.action != "when" or not data.arg.isdigit():
        await query.answer(services.messages.label(locale, "button_expired"), show_alert=True)
        return ConversationHandler.END
    if update.effective_chat is None or update.effective_chat.type != "private":  # typed there, never in the desk
        await query.answer(services.messages.label(locale, "cmpr_private"), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    campaign_id = int(data.arg)
    try:
        figures = await actions.reschedulable(services, campaign_id)
    except ScheduleError as exc:
        context.user_data.pop(KEY, None)
        await _say(update, context, reason=exc.reason, id=campaign_id)
        return ConversationHandler.END
    context.user_data[KEY] = campaign_id
    await _say(update, context, _keep(context, query.from_user.id, campaign_id), step="ask", id=campaign_id,
               name=figures.name, when=_when(context, figures), event=figures.kind == "event")  # fmt: skip
    return TYPING


async def typed(update: Update, context: CareContext) -> object:
    """The new send time, typed: moved, or refused with the reason (asked again when another time may do)."""
    message, user, services = update.effective_message, update.effective_user, context.services
    assert message is not None and message.text is not None and user is not None and context.user_data is not None
    if await require_staff(update, context, "marketing") is None:
        context.user_data.pop(KEY, None)
        return ConversationHandler.END
    campaign_id = context.user_data.get(KEY)
    if campaign_id is None:
        return ConversationHandler.END
    asked_again = _keep(context, user.id, int(campaign_id))
    when = steps.parse_when(message.text, services.settings.tz, _now())
    if when is None:
        await _say(update, context, asked_again, reason="when", problem=message.text, id=campaign_id)
        return TYPING
    try:
        figures, shifted = await actions.reschedule(services, int(campaign_id), when, _now())
    except ScheduleError as exc:
        if exc.reason in ("when_past", "when_late", "empty"):  # another time may do
            await _say(update, context, asked_again, reason=exc.reason, problem=message.text, id=campaign_id)
            return TYPING
        context.user_data.pop(KEY, None)
        await _say(update, context, reason=exc.reason, id=campaign_id)
        return ConversationHandler.END
    context.user_data.pop(KEY, None)
    await _say(update, context, step="done", id=campaign_id, when=_when(context, figures), shifted=shifted)
    return ConversationHandler.END


async def keep(update: Update, context: CareContext) -> object:
    """"Keep the time" (or /cancel): nothing changes."""
    assert context.user_data is not None
    if update.callback_query is not None:
        data = callback_data(update, context)
        await update.callback_query.answer()
        if data is None:  # someone else's or forged: the marketer's own question stays open
            return TYPING
    campaign_id = context.user_data.pop(KEY, None)
    if campaign_id is not None:
        await _say(update, context, step="kept", id=campaign_id)
    return ConversationHandler.END


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    return [flow(
        "campaign_reschedule",
        entry_points=[CallbackQueryHandler(begin, pattern=rf"^{FEATURE}:when:")],
        states={TYPING: [CallbackQueryHandler(keep, pattern=rf"^{FEATURE}:keep:"),
                         MessageHandler(TYPED_ANSWER, typed)]},
        fallbacks=[CommandHandler("cancel", keep, filters=PRIVATE)],
    )]  # fmt: skip
