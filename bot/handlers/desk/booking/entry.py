"""Booking a service: /book, `/start book`, the menu's button and a reminder's "book now"; /appointments with
reschedule and cancel (bot.handlers.desk.booking.manage); the advisors' buttons (bot.handlers.desk.booking.advisors).

One persistent conversation state; the question asked follows from the answers kept in user_data
(bot.handlers.desk.booking.steps), so a half-finished booking continues after a restart. Buttons are
`bk:<action>[:<arg>]`, signed for the customer; a button of another question, or forged, is refused.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.core.common.locale import Locale
from bot.handlers.common.context import CareContext, customer_locale, entered, refuse_button
from bot.handlers.common.flows import PRIVATE, TYPED_ANSWER, flow, ways_in
from bot.handlers.desk.booking import advisors as appointments_desk
from bot.handlers.desk.booking import answers as appointments_answers
from bot.handlers.desk.booking import manage as appointments_manage
from bot.handlers.desk.booking.steps import ACTIVE, FEATURE, answers_of, ask, keep
from bot.handlers.front import start
from bot.handlers.reminders import buttons as reminders

__all__ = ["begin", "handlers"]


async def begin(update: Update, context: CareContext) -> object:
    """Start a booking from the command, the deep link or the menu (any half-finished one is dropped)."""
    if not await entered(update, context):
        return None
    locale = await customer_locale(update, context)
    keep(context, {"source": "chat"})
    return await ask(update, context, locale)


async def cancel(update: Update, context: CareContext) -> object:
    """/cancel or /menu: leave the booking, the move or the cancellation (nothing was stored) and show the menu."""
    answers = answers_of(context)
    keep(context, None)
    if answers.get("resched"):
        await start.left_flow(update, context, "reschedule", appointment=int(answers["resched"]))
    elif answers.get("cancel"):
        await start.left_flow(update, context, "cancel_appointment", appointment=int(answers["cancel"]))
    else:
        await start.left_flow(update, context, "booking")
    return ConversationHandler.END


async def ask_in(update: Update, context: CareContext, locale: Locale, state: object) -> bool:
    """After /language: the booking's question (it follows from the answers kept) again, in the new language."""
    await ask(update, context, locale)
    return True


async def stale(update: Update, context: CareContext) -> None:
    """A booking button of an earlier question, or a forged one: refuse it, change nothing."""
    await refuse_button(update, context)


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    steps = r"svc|br|car|day|slot|mode|skip|phone|yes|again|why|back"
    conversation = flow(
        "booking",
        entry_points=[
            *ways_in(begin, "book"),
            CallbackQueryHandler(reminders.book, pattern=r"^rem:book:"),
            CallbackQueryHandler(appointments_manage.reschedule, pattern=rf"^{FEATURE}:resched:"),
            CallbackQueryHandler(appointments_manage.ask_reason, pattern=rf"^{FEATURE}:cancel:"),
            MessageHandler(PRIVATE & filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
                           & appointments_manage.TypedAction(), appointments_manage.typed),  # 「取消預約 #1」
        ],
        states={
            ACTIVE: [
                CallbackQueryHandler(appointments_answers.chosen, pattern=rf"^{FEATURE}:({steps}):"),
                MessageHandler(TYPED_ANSWER, appointments_answers.typed),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel, filters=PRIVATE),
            CallbackQueryHandler(stale, pattern=rf"^{FEATURE}:({steps}):"),
        ],
        ask_in=ask_in,
    )
    return [
        conversation,
        CommandHandler("appointments", appointments_manage.list_appointments, filters=PRIVATE),
        CallbackQueryHandler(appointments_manage.coming, pattern=rf"^{FEATURE}:ok:"),
        CallbackQueryHandler(stale, pattern=rf"^{FEATURE}:"),
        *appointments_desk.handlers(),
    ]
