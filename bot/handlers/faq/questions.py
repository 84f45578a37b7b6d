"""Free text goes to the FAQ matcher; suggestion and follow-up buttons show an entry."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.core.common.locale import Locale
from bot.core.common.text import fold
from bot.handlers.common import keyboards
from bot.handlers.common.context import CareContext, callback_data, customer_locale, refuse_button, send
from bot.handlers.desk.handoff import advisor


async def question(update: Update, context: CareContext) -> None:
    """Answer, suggest up to three entries, or offer an advisor."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None and message.text is not None and user is not None
    text = message.text
    locale = await customer_locale(update, context, text)
    services = context.services
    if not fold(text):
        await send(update, context, locale, "ask_hint", keyboards.main_menu(services, locale, user.id))
        return
    reply = await services.faq.ask_and_record(text, locale)
    advisor.remember_question(context, text, reply.decision)  # the FAQ trail on a handoff's card
    markup = keyboards.faq_reply(services, locale, user.id, reply)
    if reply.decision == "answer":
        await send(update, context, locale, "faq_answer", markup, answer=reply.answer_html)
    else:
        await send(update, context, locale, f"faq_{reply.decision}", markup)


async def send_entry(update: Update, context: CareContext, locale: Locale, entry_id: str) -> None:
    """Show one entry's answer with its follow-up buttons."""
    assert update.effective_user is not None
    services = context.services
    reply = services.faq.entry_reply(entry_id, locale)
    markup = keyboards.faq_reply(services, locale, update.effective_user.id, reply)
    await send(update, context, locale, "faq_answer", markup, answer=reply.answer_html)


async def button(update: Update, context: CareContext) -> None:
    """A suggestion, a follow-up question, or "none of these"."""
    query = update.callback_query
    data = callback_data(update, context)
    assert query is not None
    if data is None:
        await refuse_button(update, context)
        return
    await query.answer()
    locale = await customer_locale(update, context)
    if data.action == "show" and data.arg in context.services.kb.by_id:
        await send_entry(update, context, locale, data.arg)
    else:  # "none of these": the customer needs a person
        await advisor.request_human(update, context, locale, trigger="faq_none")


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, question),
        CallbackQueryHandler(button, pattern=r"^faq:"),
    ]
