"""A scheduled campaign changed from /campaigns before it starts sending: its send time (🕘, `cmpa:when:<id>`) or its
text in one locale (✏️, `cmpa:text:<id>`, then the locale `cmpa:tl:<id>:<locale>`), typed by the marketer in
private. Buttons are signed for the marketer (bot.handlers.campaigns.staff puts the first two on the list).

The time follows the wizard's rules (bot.core.campaigns.service.reschedule): read as the wizard reads it, none that
has passed, no invitation at or after its event's start, moved out of quiet hours, and someone in the audience on
the new day. The text: not empty, not over the wizard's length; a new text in the dealer's default locale is also
taken by the locales that had the same (skipped in the wizard); the message is shown as customers will get it.
Once sending has begun (also while the marketer was typing) a change is refused, saying why. `cmpa:keep:<id>` or
/cancel leaves the campaign as it is. Role marketing (admins too), checked at the buttons and at the typed answer;
replies in the dealer's default locale. What is being changed waits in user_data (persisted with the conversation).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler

from bot.core.campaigns import actions
from bot.core.campaigns import wizard as steps
from bot.core.campaigns.service import MAX_TEXT, Progress, ScheduleError
from bot.core.common.locale import LOCALES
from bot.handlers.common.context import CareContext, callback_data, double_tap
from bot.handlers.common.flows import PRIVATE, TYPED_ANSWER, flow
from bot.handlers.desk.group import require_staff

FEATURE, KEY, TYPING = "cmpa", "campaign_edit", "campaign_edit"  # KEY: {"id", "what": "when" | "text", "locale"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _say(update: Update, context: CareContext, markup: InlineKeyboardMarkup | None = None, **data: Any) -> None:
    services, chat = context.services, update.effective_chat
    assert chat is not None
    shown = {"step": None, "reason": None, "problem": None, "example": (_now() + dt.timedelta(days=14)).date(), **data}
    await chat.send_message(services.messages.render(services.settings.default_locale, "campaign_edit", **shown),
                            reply_markup=markup)  # fmt: skip


def _keyboard(context: CareContext, user_id: int, campaign_id: int, *locales: str) -> InlineKeyboardMarkup:
    """A button per locale to pick (the text's), then "keep it as it is"."""
    services = context.services
    label, locale = services.messages.label, services.settings.default_locale
    pack = services.callbacks.pack
    rows = [[InlineKeyboardButton(label(locale, f"cmpw_lang_{loc}"), callback_data=pack(user_id, FEATURE, "tl",
                                                                                        str(campaign_id), loc))]
            for loc in locales]  # fmt: skip
    rows.append([InlineKeyboardButton(label(locale, "cmpr_keep"), callback_data=pack(user_id, FEATURE, "keep",
                                                                                     str(campaign_id)))])  # fmt: skip
    return InlineKeyboardMarkup(rows)


def _when(context: CareContext, figures: Progress) -> str:
    return figures.send_at.astimezone(context.services.settings.tz).strftime("%Y-%m-%d %H:%M")


async def begin(update: Update, context: CareContext) -> object:
    """A scheduled campaign's 🕘 or ✏️ button: ask for the new time, or which locale's text."""
    query, services = update.callback_query, context.services
    assert query is not None and context.user_data is not None
    if await require_staff(update, context, "marketing") is None:
        return ConversationHandler.END
    if double_tap(update, context):  # the first press asked already
        await query.answer()
        return TYPING if context.user_data.get(KEY) else ConversationHandler.END
    data, locale = callback_data(update, context), services.settings.default_locale
    if data is None or data.action not in ("when", "text") or not data.arg.isdigit():
        await query.answer(services.messages.label(locale, "button_expired"), show_alert=True)
        return ConversationHandler.END
    if update.effective_chat is None or update.effective_chat.type != "private":  # typed there, never in the desk
        await query.answer(services.messages.label(locale, "cmpr_private"), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    campaign_id = int(data.arg)
    try:
        figures, _texts = await actions.editable(services, campaign_id)
    except ScheduleError as exc:
        context.user_data.pop(KEY, None)
        await _say(update, context, reason=exc.reason, id=campaign_id)
        return ConversationHandler.END
    context.user_data[KEY] = {"id": campaign_id, "what": data.action, "locale": None}
    if data.action == "text":
        await _say(update, context, _keyboard(context, query.from_user.id, campaign_id, *LOCALES), step="which",
                   id=campaign_id, name=figures.name)  # fmt: skip
    else:
        await _say(update, context, _keyboard(context, query.from_user.id, campaign_id), step="ask", id=campaign_id,
                   name=figures.name, when=_when(context, figures), event=figures.kind == "event")  # fmt: skip
    return TYPING


async def pick_locale(update: Update, context: CareContext) -> object:
    """The locale whose text is typed anew: its text now is shown."""
    query, services = update.callback_query, context.services
    assert query is not None and context.user_data is not None
    data, editing = callback_data(update, context), context.user_data.get(KEY) or {}
    if data is None or len(data.args) != 2 or data.args[1] not in LOCALES or str(editing.get("id")) != data.args[0]:
        await query.answer()  # someone else's, forged, or another campaign's: the question asked stays open
        return TYPING
    await query.answer()
    try:
        figures, texts = await actions.editable(services, int(editing["id"]))
    except ScheduleError as exc:
        context.user_data.pop(KEY, None)
        await _say(update, context, reason=exc.reason, id=editing["id"])
        return ConversationHandler.END
    locale = data.args[1]
    context.user_data[KEY] = {**editing, "what": "text", "locale": locale}
    language = services.messages.label(services.settings.default_locale, f"cmpw_lang_{locale}")
    await _say(update, context, _keyboard(context, query.from_user.id, figures.id), step="text", id=figures.id,
               language=language, current=texts.get(locale) or "")  # fmt: skip
    return TYPING


async def typed(update: Update, context: CareContext) -> object:
    """The new send time or text, typed: changed, or refused with the reason (asked again when another may do)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.text is not None and user is not None and context.user_data is not None
    if await require_staff(update, context, "marketing") is None:
        context.user_data.pop(KEY, None)
        return ConversationHandler.END
    editing = context.user_data.get(KEY)
    if not isinstance(editing, dict):
        return ConversationHandler.END
    asked_again = _keyboard(context, user.id, int(editing["id"]))
    if editing.get("what") == "text":
        return await _retext(update, context, editing, message.text, asked_again)
    return await _reschedule(update, context, editing, message.text, asked_again)


async def _reschedule(update: Update, context: CareContext, editing: dict[str, Any], text: str,
                      asked_again: InlineKeyboardMarkup) -> object:  # fmt: skip
    services, campaign_id = context.services, int(editing["id"])
    assert context.user_data is not None
    when = steps.parse_when(text, services.settings.tz, _now())
    if when is None:
        await _say(update, context, asked_again, reason="when", problem=text, id=campaign_id)
        return TYPING
    try:
        figures, shifted = await actions.reschedule(services, campaign_id, when, _now())
    except ScheduleError as exc:
        if exc.reason in ("when_past", "when_late", "empty"):  # another time may do
            await _say(update, context, asked_again, reason=exc.reason, problem=text, id=campaign_id)
            return TYPING
        context.user_data.pop(KEY, None)
        await _say(update, context, reason=exc.reason, id=campaign_id)
        return ConversationHandler.END
    context.user_data.pop(KEY, None)
    await _say(update, context, step="done", id=campaign_id, when=_when(context, figures), shifted=shifted)
    return ConversationHandler.END


async def _retext(update: Update, context: CareContext, editing: dict[str, Any], text: str,
                  asked_again: InlineKeyboardMarkup) -> object:  # fmt: skip
    services, chat, user, campaign_id = context.services, update.effective_chat, update.effective_user, editing["id"]
    assert context.user_data is not None and chat is not None and user is not None
    if editing.get("locale") not in LOCALES:  # typed before a locale was picked
        await _say(update, context, _keyboard(context, user.id, campaign_id, *LOCALES), step="which", id=campaign_id,
                   name="")  # fmt: skip
        return TYPING
    try:
        shown = await actions.retext(services, int(campaign_id), editing["locale"], text, user.id)
    except ScheduleError as exc:
        if exc.reason in ("empty_text", "too_long"):
            await _say(update, context, asked_again, reason=exc.reason, id=campaign_id, length=len(text.strip()),
                       most=MAX_TEXT)  # fmt: skip
            return TYPING
        context.user_data.pop(KEY, None)
        await _say(update, context, reason=exc.reason, id=campaign_id)
        return ConversationHandler.END
    context.user_data.pop(KEY, None)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(b["text"], callback_data=b.get("callback_data"),
                                                         url=b.get("url")) for b in row]
                                   for row in shown["reply_markup"]["inline_keyboard"]])  # fmt: skip
    await chat.send_message(shown["text"], reply_markup=markup)  # as that locale's customers will get it
    language = services.messages.label(services.settings.default_locale, f"cmpw_lang_{editing['locale']}")
    await _say(update, context, step="retexted", id=campaign_id, language=language)
    return ConversationHandler.END


async def keep(update: Update, context: CareContext) -> object:
    """"Keep it as it is" (or /cancel): nothing changes."""
    assert context.user_data is not None
    if update.callback_query is not None:
        data = callback_data(update, context)
        await update.callback_query.answer()
        if data is None:  # someone else's or forged: the marketer's own question stays open
            return TYPING
    editing = context.user_data.pop(KEY, None)
    if isinstance(editing, dict):
        await _say(update, context, step="kept", id=editing["id"])
    return ConversationHandler.END


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    return [flow(
        "campaign_edit",
        entry_points=[CallbackQueryHandler(begin, pattern=rf"^{FEATURE}:(when|text):")],
        states={TYPING: [CallbackQueryHandler(keep, pattern=rf"^{FEATURE}:keep:"),
                         CallbackQueryHandler(pick_locale, pattern=rf"^{FEATURE}:tl:"),
                         MessageHandler(TYPED_ANSWER, typed)]},
        fallbacks=[CommandHandler("cancel", keep, filters=PRIVATE)],
    )]  # fmt: skip
