"""/mycar: the customer's cars and due dates, consent, linking by phone, "no longer my car", and the entry
points of the typed flows in bot.handlers.garage.steps (registering a car, updating the odometer).

Ways in: /mycar, `/start mycar`, the main menu's button, the /mycar buttons (`mycar:<action>[:<vehicle>]`),
a shared contact, and the reminders' "update odometer" button (`rem:odo:<vehicle>`, sent by
bot.core.reminders.sweep). Every vehicle id from a button is checked against the customer who pressed it.
"""

from __future__ import annotations

import logging

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.common.choices import typed_choice
from bot.core.common.locale import LOCALES, Locale
from bot.core.garage import cars as garage
from bot.core.garage import records
from bot.core.privacy.consent import Consent, typed_consent
from bot.handlers.common import keyboards
from bot.handlers.common.context import CareContext, callback_data, customer_locale, entered, refuse_button, send
from bot.handlers.common.flows import PRIVATE, TYPED_ANSWER, flow, ways_in
from bot.handlers.desk.booking import manage
from bot.handlers.faq import questions as faq
from bot.handlers.front import start
from bot.handlers.garage import steps as mycar_flows
from bot.handlers.garage.steps import (
    DELIVERY_DATE,
    LINK,
    MAKE,
    MODEL,
    ODOMETER,
    PLATE,
    UPDATE_ODOMETER,
    start_odometer_update,
)
from bot.handlers.garage.view import CONSENT, FEATURE, ask_consent, due_rules, notice_on_screen, show_garage, today

__all__ = ["handlers", "open_garage", "start_odometer_update"]
log = logging.getLogger(__name__)
SHOWN = {"linked", "already_linked", "no_record"}  # link outcomes followed by the garage


async def open_garage(update: Update, context: CareContext) -> object:
    """/mycar, `/start mycar` and the menu's button: show the cars (or the privacy notice first)."""
    if not await entered(update, context):
        return None
    mycar_flows.forget_answers(context)
    return await show_garage(update, context, await customer_locale(update, context))


async def button(update: Update, context: CareContext) -> object:
    """A /mycar button: consent, decline, link, add, show, odo, gone, gone_yes (the last three with a car)."""
    query, data, user = update.callback_query, callback_data(update, context), update.effective_user
    assert query is not None and user is not None
    if data is None or data.feature != FEATURE:
        await refuse_button(update, context)
        return None
    if data.action == "odo" and data.arg.isdigit():
        return await start_odometer_update(update, context, int(data.arg))
    if data.action in ("gone", "gone_yes") and data.arg.isdigit():
        return await _no_longer_mine(update, context, int(data.arg), confirmed=data.action == "gone_yes")
    await query.answer()
    locale = await customer_locale(update, context)
    if data.action in ("consent", "decline"):
        return await _answer_notice(update, context, locale, "agree" if data.action == "consent" else "decline")
    if data.action == "link":
        async with context.services.sessions() as session:
            agreed = await garage.consented(session, user.id)
        if agreed:
            return await mycar_flows.start_linking(update, context, locale)
        return await ask_consent(update, context, locale)
    if data.action == "add":
        return await mycar_flows.start_registration(update, context, locale)
    return await show_garage(update, context, locale)


async def _answer_notice(update: Update, context: CareContext, locale: Locale, answer: Consent) -> object:
    """The privacy notice agreed (record it, then link by phone) or declined (the menu: the FAQ stays open)."""
    assert update.effective_user is not None
    user_id = update.effective_user.id
    if answer == "agree":
        async with context.services.sessions.begin() as session:
            await records.record_consent(session, user_id)
        return await mycar_flows.start_linking(update, context, locale)
    await send(update, context, locale, "privacy_declined", keyboards.main_menu(context.services, locale, user_id))
    return ConversationHandler.END


async def consent_typed(update: Update, context: CareContext) -> object:
    """Text while the privacy notice waits: a plain yes or no (「同意」, "I agree", 「不要」, or a button's label)
    answers it; anything else (a question), or anything once the customer moved on by pressing another button,
    leaves the notice unanswered and goes to the FAQ."""
    message = update.effective_message
    assert message is not None and message.text is not None
    locale = await customer_locale(update, context, message.text)
    label = context.services.messages.label
    buttons = [(label(loc, f"mycar_consent_{key}"), answer) for key, answer in (("yes", "agree"), ("no", "decline"))
               for loc in LOCALES]  # fmt: skip
    answer = typed_consent(message.text) or typed_choice(message.text, buttons)
    if answer is None or not notice_on_screen(context):
        await faq.question(update, context)
        return ConversationHandler.END
    return await _answer_notice(update, context, locale, answer)


async def _no_longer_mine(update: Update, context: CareContext, vehicle_id: int, confirmed: bool) -> object:
    """ "This is no longer my car": ask to confirm, then release it (reminders for it stop)."""
    query, user, services = update.callback_query, update.effective_user, context.services
    assert query is not None and user is not None
    async with services.sessions.begin() as session:
        car = await garage.own_car(session, user.id, vehicle_id, today(context), due_rules(services))
        released = car is not None and confirmed and await garage.release_car(session, user.id, vehicle_id)
    if car is None:
        await refuse_button(update, context)
        return ConversationHandler.END
    await query.answer()
    locale = await customer_locale(update, context)
    if released:
        await show_garage(update, context, locale, notice="released", subject=car.name)
        await manage.offer_to_cancel_for_car(update, context, locale, car.id, car.plate)
    else:
        buttons = [("mycar_gone_yes", FEATURE, "gone_yes", str(car.id)), ("mycar_gone_no", FEATURE, "show", "")]
        markup = keyboards.grid(services, locale, user.id, buttons, columns=2)
        await send(update, context, locale, "car_gone_confirm", markup, car=car)
    return ConversationHandler.END


async def reminder_odometer(update: Update, context: CareContext) -> object:
    """The reminders' "update odometer" button (`rem:odo:<vehicle>`): the same flow as /mycar's button."""
    data = callback_data(update, context)
    if data is None or data.action != "odo" or not data.arg.isdigit():
        await refuse_button(update, context)
        return None
    return await start_odometer_update(update, context, int(data.arg))


async def contact(update: Update, context: CareContext) -> object:
    """A shared contact: link the customer's records by their own phone number (never someone else's)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.contact is not None and user is not None
    locale, services = await customer_locale(update, context), context.services
    if message.contact.user_id != user.id:  # a contact card of another person: not proof of anything
        await send(update, context, locale, "link_result", status="not_own", count=0)
        return ConversationHandler.END
    async with services.sessions.begin() as session:
        status, count = await garage.link_phone(
            session, user.id, message.contact.phone_number, services.settings.phone_region
        )
    if status == "no_consent":
        return await ask_consent(update, context, locale)
    log.info("a customer shared their phone: %s", status)  # never the number
    mycar_flows.forget_answers(context)
    await send(update, context, locale, "link_result", ReplyKeyboardRemove(), status=status, count=count)
    if status in SHOWN:
        await show_garage(update, context, locale)
    return ConversationHandler.END


async def cancel(update: Update, context: CareContext) -> object:
    """/cancel or /menu: leave the flow, drop its answers, show the menu (the share-phone keyboard taken down
    first)."""
    assert context.user_data is not None and update.effective_user is not None
    linking = bool(context.user_data.get(mycar_flows.LINKING))
    mycar_flows.forget_answers(context)
    await start.left_flow(update, context, "mycar", keyboard_down=linking)
    return ConversationHandler.END


async def stale(update: Update, context: CareContext) -> None:
    """A make button outside the make question, or a forged one: refuse it and stay where we are."""
    await refuse_button(update, context)


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    new_message = PRIVATE & filters.UpdateType.MESSAGE  # an edited answer is not taken again
    text = filters.UpdateType.MESSAGE & TYPED_ANSWER
    register_typed = [MessageHandler(text, mycar_flows.registration_typed)]
    conversation = flow(
        "mycar",
        entry_points=[
            *ways_in(open_garage, "mycar"),
            CallbackQueryHandler(button, pattern=rf"^{FEATURE}:(?!make:|back:)"),
            CallbackQueryHandler(reminder_odometer, pattern=r"^rem:odo:"),
            MessageHandler(new_message & filters.CONTACT, contact),
        ],
        states={
            CONSENT: [MessageHandler(text, consent_typed)],
            LINK: [MessageHandler(text, mycar_flows.link_typed)],  # a contact is an entry point
            PLATE: register_typed,
            mycar_flows.VIN6: register_typed,
            MAKE: [*register_typed, CallbackQueryHandler(mycar_flows.make_chosen, pattern=rf"^{FEATURE}:make:")],
            MODEL: register_typed,
            DELIVERY_DATE: register_typed,
            ODOMETER: register_typed,
            UPDATE_ODOMETER: [MessageHandler(text, mycar_flows.odometer_typed)],
        },
        fallbacks=[
            CommandHandler("cancel", cancel, filters=PRIVATE),
            CallbackQueryHandler(mycar_flows.back_pressed, pattern=rf"^{FEATURE}:back:"),
        ],
        ask_in=mycar_flows.ask_in,
    )
    return [conversation, CallbackQueryHandler(stale, pattern=rf"^{FEATURE}:")]
