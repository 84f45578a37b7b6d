"""/language: the customer picks the reply language; the choice wins over detection.

A language's name typed instead of pressed (「繁體中文」) is that button. Inside a flow the choice is confirmed without
the menu and the flow's question is asked again in the new language (bot.handlers.common.flows.ask_in_locale); a
flow that cannot ask its question again (the odometer update) is left, and the customer told so with the menu.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.core.common import customers
from bot.core.common.locale import LANGUAGE_NAMES, LOCALES, TYPED_LANGUAGE
from bot.handlers.common import flows, keyboards
from bot.handlers.common.context import CareContext, callback_data, customer_locale, refuse_button, send
from bot.handlers.desk.handoff import tickets as handoff


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
    """The picker's button: store the choice, confirm in the new language."""
    query = update.callback_query
    data = callback_data(update, context)
    assert query is not None
    if data is None or data.arg not in LOCALES:
        await refuse_button(update, context)
        return
    await query.answer()
    await _set(update, context, data.arg)


async def typed(update: Update, context: CareContext) -> None:
    """A language's name typed alone (「繁體中文」, "English"): that language, as if its button were pressed."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await _set(update, context, LANGUAGE_NAMES[message.text.strip().lower()])


async def _set(update: Update, context: CareContext, choice: str) -> None:
    """Store the choice and confirm it; in a flow, its question again in the new language."""
    user = update.effective_user
    assert user is not None
    async with context.services.sessions.begin() as session:
        await customers.set_locale_choice(session, user.id, choice)
    locale = await customer_locale(update, context)
    menu = keyboards.main_menu(context.services, locale, user.id)
    in_flow = flows.in_any_flow(update, context)
    await send(update, context, locale, "language_set", None if in_flow else menu)
    asked = await flows.ask_in_locale(update, context, locale) if in_flow else None
    if asked is not None and not asked[1]:  # the flow could not ask again: it was left, and that is said
        advisor = await handoff.talking_to_staff(context, user.id)
        await send(update, context, locale, "flow_left", menu, flow=asked[0], appointment=None, menu=True,
                   advisor=advisor)  # fmt: skip


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    return [
        CommandHandler("language", choose, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(chosen, pattern=r"^lang:set:"),
        MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.Regex(TYPED_LANGUAGE), typed),
    ]
