"""Marketing staff and campaigns: `/campaigns` lists them with status and figures and a pause / resume / cancel /
watch button for each one still running (`cmpa:<action>:<id>`, signed for the staff member), and change-time and
change-text ones for each one scheduled (`cmpa:when|text:<id>`, taken by bot.handlers.campaigns.edit);
`/campaigns <action> <id>` does the same by typing. "Watch" posts the live progress message the delivery tick keeps
editing.
Role marketing (admins too); replies in the dealer's default locale."""

from __future__ import annotations

import contextlib
import datetime as dt

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core.campaigns import actions
from bot.core.campaigns.service import CampaignError, Progress
from bot.handlers.common.context import CareContext, callback_data, double_tap
from bot.handlers.desk.group import require_staff

FEATURE = "cmpa"
ACTIONS = ("pause", "resume", "cancel", "watch")
# "when", "text": a new send time or text, asked and taken by bot.handlers.campaigns.edit (a conversation: typed)
BUTTONS = {"scheduled": ("when", "text", "pause", "cancel"), "sending": ("pause", "cancel", "watch"),
           "paused": ("resume", "cancel")}  # fmt: skip


def _keyboard(context: CareContext, user_id: int, items: list[Progress]) -> InlineKeyboardMarkup | None:
    services, locale = context.services, context.services.settings.default_locale
    label = {"pause": "cmp_pause", "resume": "cmp_resume", "cancel": "cmp_cancel", "watch": "cmp_watch",
             "when": "cmp_when", "text": "cmp_text"}  # fmt: skip
    rows = [[InlineKeyboardButton(services.messages.label(locale, label[action], id=p.id),
                                  callback_data=services.callbacks.pack(user_id, FEATURE, action, str(p.id)))
             for action in BUTTONS.get(p.status, ())] for p in items if p.status in BUTTONS]  # fmt: skip
    return InlineKeyboardMarkup(rows) if rows else None


async def _act(update: Update, context: CareContext, action: str, campaign_id: int) -> None:
    services, locale = context.services, context.services.settings.default_locale
    message = update.effective_message
    assert message is not None
    now = dt.datetime.now(dt.UTC)
    if action == "watch":
        figures = await actions.current(services, campaign_id)
        if figures is None:
            return
        text = services.messages.render(locale, "campaign_progress", p=figures, final=False, eta=None,
                                        at=figures.send_at.astimezone(services.settings.tz))  # fmt: skip
        sent = await message.reply_text(text)
        await actions.watch(services, campaign_id, sent.chat_id, sent.message_id, now)
        return
    try:
        figures = await actions.change(services, campaign_id, action, now)
        text = services.messages.render(locale, "campaign_reply", event="changed", id=campaign_id,
                                        status=figures.status, reason="")  # fmt: skip
    except CampaignError as exc:
        text = services.messages.render(locale, "campaign_reply", event="refused", id=campaign_id, status="",
                                        reason=str(exc).split(": ", 1)[1])  # fmt: skip
    await message.reply_text(text)


async def campaigns_command(update: Update, context: CareContext) -> None:
    """/campaigns [pause|resume|cancel|watch ID]."""
    member = await require_staff(update, context, "marketing")
    if member is None:
        return
    args, message = context.args or [], update.effective_message
    assert message is not None
    if len(args) == 2 and args[0] in ACTIONS and args[1].isdigit():
        await _act(update, context, args[0], int(args[1]))
        return
    items = await actions.listing(context.services)
    text = context.services.messages.render(context.services.settings.default_locale, "campaign_list", items=items)
    await message.reply_text(text, reply_markup=_keyboard(context, member.telegram_user_id, items))


async def campaign_button(update: Update, context: CareContext) -> None:
    """A campaign's pause / resume / cancel / watch button."""
    member = await require_staff(update, context, "marketing")
    if member is None:
        return
    data, query = callback_data(update, context), update.callback_query
    assert query is not None
    if double_tap(update, context) or (data is not None and data.action in ("keep", "tl")):
        await query.answer()  # the first press did the work; a change's buttons after it was answered: no-op
        return
    if data is None or data.action not in ACTIONS or not data.arg.isdigit():
        await query.answer(context.services.messages.label(context.services.settings.default_locale,
                                                           "button_expired"), show_alert=True)  # fmt: skip
        return
    await query.answer()
    await _act(update, context, data.action, int(data.arg))
    if data.action != "watch":  # the list as it is now: a campaign just cancelled no longer offers Cancel
        items = await actions.listing(context.services)
        text = context.services.messages.render(context.services.settings.default_locale, "campaign_list", items=items)
        with contextlib.suppress(BadRequest):  # unchanged, or too old to edit: the reply above says what happened
            await query.edit_message_text(text, reply_markup=_keyboard(context, member.telegram_user_id, items))


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    return [CommandHandler("campaigns", campaigns_command),
            CallbackQueryHandler(campaign_button, pattern=rf"^{FEATURE}:")]  # fmt: skip
