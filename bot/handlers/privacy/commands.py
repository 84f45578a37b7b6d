"""Preferences and personal data: /settings (two switches), /stop (no marketing), /privacy (what is stored),
/forget (delete it, after a confirmation). The work is done by bot.core.privacy.service; buttons are `set:<rem|mkt>:
<on|off>`, `set:show`, `priv:forget`, `priv:keep`, each signed for the customer who got it.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler, filters

from bot.core.common.locale import Locale
from bot.core.privacy import service as privacy
from bot.core.privacy.service import Preference, Preferences
from bot.core.services import Services
from bot.handlers.common import keyboards
from bot.handlers.common.context import CareContext, callback_data, customer_locale, refuse_button, send
from bot.handlers.desk.group import post_to_desk

log = logging.getLogger(__name__)
SWITCHES: dict[str, Preference] = {"rem": "reminders", "mkt": "marketing"}


def _settings_keyboard(services: Services, locale: Locale, user_id: int, p: Preferences) -> InlineKeyboardMarkup:
    """One button per switch, saying its state and turning it the other way."""
    buttons = [
        (f"settings_reminders_{'on' if p.reminders else 'off'}", "set", "rem", "off" if p.reminders else "on"),
        (f"settings_marketing_{'on' if p.marketing else 'off'}", "set", "mkt", "off" if p.marketing else "on"),
        ("back_to_menu", "menu", "home", ""),
    ]
    return keyboards.grid(services, locale, user_id, buttons)


async def show_settings(update: Update, context: CareContext) -> None:
    """/settings and the /mycar settings button: both switches."""
    user = update.effective_user
    assert user is not None
    if update.callback_query is not None:
        if callback_data(update, context) is None:
            await refuse_button(update, context)
            return
        await update.callback_query.answer()
    locale = await customer_locale(update, context)
    async with context.services.sessions() as session:
        now = await privacy.preferences(session, user.id)
    await send(update, context, locale, "settings", _settings_keyboard(context.services, locale, user.id, now), p=now)


async def switch(update: Update, context: CareContext) -> None:
    """A switch was pressed: store the new state and show both again, in the same message."""
    query, data, user = update.callback_query, callback_data(update, context), update.effective_user
    assert query is not None and user is not None
    if data is None or data.action not in SWITCHES or data.arg not in ("on", "off"):
        await refuse_button(update, context)
        return
    await query.answer()
    locale = await customer_locale(update, context)
    async with context.services.sessions.begin() as session:
        now = await privacy.set_preference(session, user.id, SWITCHES[data.action], data.arg == "on")
    text = context.services.messages.render(locale, "settings", p=now)
    try:
        await query.edit_message_text(text, reply_markup=_settings_keyboard(context.services, locale, user.id, now))
    except BadRequest as error:  # an old button pressed again: Telegram refuses an edit that changes nothing
        if "not modified" not in error.message.lower():
            raise


async def stop(update: Update, context: CareContext) -> None:
    """/stop: no more marketing; service reminders stay as they are."""
    user = update.effective_user
    assert user is not None
    locale = await customer_locale(update, context)
    async with context.services.sessions.begin() as session:
        now = await privacy.set_preference(session, user.id, "marketing", False)
    await send(update, context, locale, "stopped", p=now)


async def show_privacy(update: Update, context: CareContext) -> None:
    """/privacy: exactly what is stored about this customer."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    locale = await customer_locale(update, context)
    async with context.services.sessions() as session:
        stored = await privacy.stored_about(session, user.id, chat.id, context.services.settings.tz)
    await send(update, context, locale, "privacy", s=stored)


async def ask_forget(update: Update, context: CareContext) -> None:
    """/forget: say what will be deleted (an open roadside request withdrawn, by its number) and ask to confirm."""
    user = update.effective_user
    assert user is not None
    locale = await customer_locale(update, context)
    async with context.services.sessions() as session:
        calls_off = await privacy.pending(session, user.id)  # an open roadside request is withdrawn: said first
    buttons = [("forget_yes", "priv", "forget", ""), ("forget_no", "priv", "keep", "")]
    markup = keyboards.grid(context.services, locale, user.id, buttons)
    await send(update, context, locale, "forget_confirm", markup, p=calls_off)


async def forget_button(update: Update, context: CareContext) -> None:
    """The confirmation: delete the customer's data (or keep it) and say what was kept."""
    query, data = update.callback_query, callback_data(update, context)
    user, chat = update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    if data is None or data.action not in ("forget", "keep"):
        await refuse_button(update, context)
        return
    await query.answer()
    try:  # the question is answered: its two buttons go, so a second tap cannot confirm it again
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return  # the buttons were already gone: a double tap, and the first press did the work
    except TelegramError:
        pass  # too old to edit: nothing to take away
    locale = await customer_locale(update, context)  # before the customer row goes
    menu = keyboards.main_menu(context.services, locale, user.id)
    if data.action == "keep":
        await send(update, context, locale, "cancelled", menu)
        return
    async with context.services.sessions.begin() as session:
        report = await privacy.forget(session, user.id, chat.id)
    _forget_in_memory(context, user.id, chat.id)
    await _blank_the_desk(context, report)
    log.info("a customer was forgotten: %s cars unlinked, %s messages dropped", report.vehicles_unlinked,
             report.messages_dropped)  # fmt: skip
    await send(update, context, locale, "forget_done", menu, r=report)


async def _blank_the_desk(context: CareContext, report: privacy.ForgetReport) -> None:
    """What the advisors' group shows of the customer: cards and alerts edited to "customer data removed"
    (buttons gone), their topics renamed so and closed, and one note saying which bookings and roadside requests
    were withdrawn (an advisor on the way to a rescue must learn it was called off).
    Telegram may refuse one (a message too old to edit, a topic deleted): the rest still go."""
    services = context.services
    group, locale = services.settings.advisor_group_id, services.settings.default_locale
    if group is None or not report.customer_deleted:
        return
    removed = services.messages.render(locale, "forgotten_card")
    for chat_id, message_id in report.desk_messages:
        try:
            await context.bot.edit_message_text(removed, chat_id, message_id, reply_markup=None)
        except TelegramError as exc:
            log.info("forgotten customer's desk message %s not edited: %s", message_id, exc)
    for topic in report.topics:
        try:
            await context.bot.edit_forum_topic(group, topic, name=removed[:128])
            if topic in report.open_topics:  # a closed ticket's topic is closed already
                await context.bot.close_forum_topic(group, topic)
        except TelegramError as exc:
            log.info("forgotten customer's topic %s not closed: %s", topic, exc)
    note = services.messages.render(locale, "forgotten_desk_note", withdrawn=report.withdrawn, rescues=report.rescues)
    await post_to_desk(context, services, note)


def _forget_in_memory(context: CareContext, user_id: int, chat_id: int) -> None:
    """Drop the user's flow answers, the chat's memory (the FAQ trail a ticket's card would show) and end
    their conversations in this process too; the persistence then deletes the same rows again (harmless)
    instead of writing them back."""
    application = context.application
    application.drop_user_data(user_id)
    application.drop_chat_data(chat_id)
    for group in application.handlers.values():
        for handler in group:
            if isinstance(handler, ConversationHandler):
                # PTB has no public way to end one key's conversation from outside its handler; popping from
                # its tracked dict is what ConversationHandler does itself, and marks the key for persistence.
                handler._conversations.pop((chat_id, user_id), None)


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("settings", show_settings, filters=private),
        CommandHandler("stop", stop, filters=private),
        CommandHandler("privacy", show_privacy, filters=private),
        CommandHandler("forget", ask_forget, filters=private),
        CallbackQueryHandler(show_settings, pattern=r"^set:show:"),
        CallbackQueryHandler(switch, pattern=r"^set:"),
        CallbackQueryHandler(forget_button, pattern=r"^priv:"),
    ]
