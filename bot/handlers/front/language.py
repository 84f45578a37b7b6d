"""/language: the customer picks the reply language; the choice wins over detection."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.core.common import customers
from bot.core.common.locale import LOCALES
from bot.handlers.common import keyboards
from bot.handlers.common.context import CareContext, callback_data, customer_locale, refuse_button, send


async def choose(update: Update, context: CareContext) -> None:
    """Offer the three languages."""
    locale = await customer_locale(update, context)
    assert update.effective_user is not None
    await send(
        update,
        context,
        locale,
        "language_choose",
        keyboards.languages(context.services, update.effective_user.id),
    )


async def chosen(update: Update, context: CareContext) -> None:
    """Store the choice and confirm in the new language."""
    query = update.callback_query
    data = callback_data(update, context)
    assert query is not None
    if data is None or data.arg not in LOCALES:
        await refuse_button(update, context)
        return
    await query.answer()
    async with context.services.sessions.begin() as session:
        await customers.set_locale_choice(session, query.from_user.id, data.arg)
    locale = await customer_locale(update, context)
    await send(
        update,
        context,
        locale,
        "language_set",
        keyboards.main_menu(context.services, locale, query.from_user.id),
    )


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    return [
        CommandHandler("language", choose, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(chosen, pattern=r"^lang:set:"),
    ]
