"""The guided 三包 check: /warranty, the menu's button, `/start warranty` and the FAQ answers' action button.

One state per question, named as bot.core.warranty.chat names its steps; `next_step` there decides which
question follows which. The answers live in user_data (persisted with the state by bot.handlers.common.persistence),
so a
customer half-way through continues after a restart. The conversation ends at the result; the result's
buttons (usage charge, advisor) read the answers kept in user_data.

A customer with a car on record starts with what the record answers (bot.core.garage.cars.warranty_answers: use,
delivery date, a recent odometer reading); with several cars they pick one first (`wty:car:<id>`), and
"another car" (`wty:car:other`) starts over with nothing filled in.
"""

from __future__ import annotations

from datetime import date, datetime

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
)

from bot.core.common.choices import typed_choice
from bot.core.common.locale import LOCALES, Locale
from bot.core.garage import cars as garage
from bot.core.garage.cars import CarView
from bot.core.warranty.chat import (
    BUTTON_STEPS,
    Step,
    WarrantyAnswers,
    answered,
    choices,
    go_back,
    next_step,
    note_answered,
    take_choice,
    take_earlier,
    take_typed,
    typed_count,
)
from bot.core.warranty.outcome import outcome
from bot.handlers.common import keyboards
from bot.handlers.common.context import (
    CareContext,
    callback_data,
    customer_locale,
    double_tap,
    entered,
    refuse_button,
    send,
)
from bot.handlers.common.flows import PRIVATE, TYPED_ANSWER, flow, ways_in
from bot.handlers.desk.handoff import advisor
from bot.handlers.desk.handoff import tickets as handoff
from bot.handlers.front import start
from bot.handlers.garage.view import due_rules

# Conversation states: one per question.
USE: Step = "use"
START_DATE: Step = "start_date"
ODOMETER: Step = "odometer"
HAPPENED: Step = "happened"
REPAIRS: Step = "repairs"
REPLACED: Step = "replaced"
STILL_THERE: Step = "still_there"
REPAIR_DAYS: Step = "repair_days"
LONG_SINGLE: Step = "long_single"
PRICE: Step = "price"
COEFFICIENT: Step = "coefficient"
CAR = "car"  # several cars on record: which one (its buttons are entry points, so they also work later)
FEATURE = "wty"  # callback data: wty:<step>:<choice>, wty:charge, wty:advisor
ANSWERS = "warranty"  # the user_data key of the answers
COLUMNS = {"happened": 1, "repairs": 3}


def _today(context: CareContext) -> date:
    return datetime.now(context.services.settings.tz).date()


def _answers(context: CareContext) -> WarrantyAnswers:
    assert context.user_data is not None
    return WarrantyAnswers.from_json(context.user_data.get(ANSWERS))


async def _ask(
    update: Update, context: CareContext, locale: Locale, answers: WarrantyAnswers, reminder: bool,
    changed: str | None = None,
) -> Step:  # fmt: skip
    """Ask the next question, with its buttons; returns its state."""
    services, user = context.services, update.effective_user
    assert user is not None
    step = next_step(answers, services.warranty)
    markup = None
    if step in BUTTON_STEPS:
        buttons = [(f"wty_{step}_{value}", FEATURE, step, value) for value in choices(step, answers)]
        markup = keyboards.grid(services, locale, user.id, buttons, COLUMNS.get(step, 2))
    if answers.asked:  # every question after the first the customer answered: "back"
        markup = keyboards.with_back(services, locale, user.id, FEATURE, markup)
    day, rules = answers.day_on(_today(context)), services.warranty
    await send(update, context, locale, "warranty_ask", markup, step=step, a=answers, day=day, rules=rules,
               reminder=reminder, changed=changed)  # fmt: skip
    return step


async def _advance(
    update: Update, context: CareContext, locale: Locale, answers: WarrantyAnswers, changed: str | None = None
) -> object:
    """Keep the answers, then ask the next question (saying which earlier answer `changed`) or show the result
    (which ends the conversation)."""
    assert context.user_data is not None and update.effective_user is not None
    context.user_data[ANSWERS] = answers.to_json()
    if next_step(answers, context.services.warranty) != "result":
        return await _ask(update, context, locale, answers, reminder=False, changed=changed)
    services, user_id = context.services, update.effective_user.id
    found = outcome(answers, _today(context), services.warranty)
    buttons = [("wty_advisor", FEATURE, "advisor", "")] if found.offer_advisor else []
    if found.charged_refund is not None and found.charged_refund.usage_charge is None:
        buttons.append(("wty_charge", FEATURE, "charge", ""))
    buttons += [("wty_again", "menu", "warranty", ""), ("back_to_menu", "menu", "home", "")]
    await send(update, context, locale, "warranty_result", keyboards.grid(services, locale, user_id, buttons), o=found)
    return ConversationHandler.END


async def begin(update: Update, context: CareContext) -> object:
    """Start (or restart) the check from a command, a deep link, the menu or an FAQ answer's button."""
    if not await entered(update, context):
        return None
    locale = await customer_locale(update, context)
    cars = await _cars(update, context)
    if len(cars) > 1:
        return await _which_car(update, context, locale, cars)
    return await _start_with(update, context, locale, cars[0] if cars else None)


async def _cars(update: Update, context: CareContext) -> list[CarView]:
    """The customer's cars on record (none for someone not linked)."""
    assert update.effective_user is not None
    services = context.services
    async with services.sessions() as session:
        found = await garage.load_garage(session, update.effective_user.id, _today(context), due_rules(services))
    return list(found.cars)


async def _which_car(update: Update, context: CareContext, locale: Locale, cars: list[CarView]) -> Step:
    """Several cars on record: which one is it about (or another car, answered by hand)?"""
    assert context.user_data is not None and update.effective_user is not None
    context.user_data[ANSWERS] = {}
    label = context.services.messages.label
    buttons = [(label(locale, "wty_car", car=car.name), FEATURE, "car", str(car.id)) for car in cars]
    buttons.append((label(locale, "wty_car_other"), FEATURE, "car", "other"))
    markup = keyboards.labelled(context.services, update.effective_user.id, buttons)
    await send(update, context, locale, "warranty_car", markup)
    return CAR


async def _start_with(update: Update, context: CareContext, locale: Locale, car: CarView | None) -> object:
    """Ask the first question the car's record does not answer (all of them without a car)."""
    if car is None:
        return await _advance(update, context, locale, WarrantyAnswers())
    answers = garage.warranty_answers(car, _today(context))
    assert update.effective_user is not None
    other = [(context.services.messages.label(locale, "wty_car_other"), FEATURE, "car", "other")]
    markup = keyboards.labelled(context.services, update.effective_user.id, other)
    await send(update, context, locale, "warranty_prefilled", markup, car=car, a=answers)
    return await _advance(update, context, locale, answers)


async def car_chosen(update: Update, context: CareContext) -> object:
    """A car button (or "another car"), at the car question or as a correction later in the check."""
    query, data = update.callback_query, callback_data(update, context)
    assert query is not None
    if data is None or double_tap(update, context):  # a double tap would start the check over twice
        await refuse_button(update, context)
        return None
    cars = {str(car.id): car for car in await _cars(update, context)}
    if data.arg != "other" and data.arg not in cars:
        await refuse_button(update, context)
        return None
    await query.answer()
    return await _start_with(update, context, await customer_locale(update, context), cars.get(data.arg))


async def chosen(update: Update, context: CareContext) -> object:
    """A button of the question being asked: record it and go on; any other button is refused."""
    query, data = update.callback_query, callback_data(update, context)
    assert query is not None
    answers = _answers(context)
    step = next_step(answers, context.services.warranty)
    if data is None or data.action != step or not take_choice(answers, step, data.arg):
        await refuse_button(update, context)
        return None
    await query.answer()
    note_answered(answers, step)
    return await _advance(update, context, await customer_locale(update, context), answers)


async def back(update: Update, context: CareContext) -> object:
    """ "↩️ Back": the question answered before, again."""
    query = update.callback_query
    assert query is not None
    answers = _answers(context)
    if callback_data(update, context) is None or not answers.asked:
        await refuse_button(update, context)
        return None
    await query.answer()
    return await _back(update, context, await customer_locale(update, context), answers)


async def _back(update: Update, context: CareContext, locale: Locale, answers: WarrantyAnswers) -> object:
    assert context.user_data is not None
    answers = go_back(answers)
    context.user_data[ANSWERS] = answers.to_json()
    return await _ask(update, context, locale, answers, reminder=False)


async def typed(update: Update, context: CareContext) -> object:
    """A typed answer (a date, kilometres, days, a price, n): record it, or say what was not understood."""
    message = update.effective_message
    assert message is not None and message.text is not None
    locale = await customer_locale(update, context, message.text)
    answers, rules = _answers(context), context.services.warranty
    if keyboards.typed_back(context.services, message.text) and answers.asked:
        return await _back(update, context, locale, answers)
    step = next_step(answers, rules)
    problem = take_typed(answers, step, message.text, _today(context), rules)
    if problem is not None and (changed := take_earlier(answers, message.text, _today(context))) is not None:
        return await _advance(update, context, locale, answers, changed)  # an earlier answer: this one again
    if problem is not None:
        day = answers.day_on(_today(context))
        await send(update, context, locale, "warranty_retry", problem=problem, day=day, rules=rules)
        return None
    note_answered(answers, step)
    return await _advance(update, context, locale, answers)


async def press_a_button(update: Update, context: CareContext) -> object:
    """Text where a button is expected: "back", a button's label typed, an earlier typed answer changed, or the
    question again (without the check's introduction); with a ticket open, text none of these takes goes to the
    advisor instead (bot.handlers.desk.handoff.tickets)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    locale = await customer_locale(update, context, message.text)
    answers = _answers(context)
    if keyboards.typed_back(context.services, message.text) and answers.asked:
        return await _back(update, context, locale, answers)
    step = next_step(answers, context.services.warranty)
    if (value := _typed_button(context, answers, step, message.text)) is not None:
        take_choice(answers, step, value)
        note_answered(answers, step)
        return await _advance(update, context, locale, answers)
    if (changed := take_earlier(answers, message.text, _today(context))) is not None:
        return await _advance(update, context, locale, answers, changed)
    if await handoff.pass_on(update, context):  # talking to an advisor: the text is for them
        return None
    return await _ask(update, context, locale, answers, reminder=True)


def _typed_button(context: CareContext, answers: WarrantyAnswers, step: Step, text: str) -> str | None:
    """The button of the question that the text names: its label in any locale, read as the booking flow reads
    its labels (bot.core.common.choices), or a count at "how many repairs"."""
    if step not in BUTTON_STEPS:
        return None
    label = context.services.messages.label
    buttons = [(label(locale, f"wty_{step}_{value}"), value) for value in choices(step, answers) for locale in LOCALES]
    return typed_count(step, text, answers) or typed_choice(text, buttons)


async def charge(update: Update, context: CareContext) -> object:
    """The result's usage-charge button: ask for the price and n, then show the result again."""
    query, data = update.callback_query, callback_data(update, context)
    assert query is not None
    answers, rules = _answers(context), context.services.warranty
    if data is None or not answered(answers, rules) or outcome(answers, _today(context), rules).charged_refund is None:
        await refuse_button(update, context)
        return None
    await query.answer()
    answers.wants_charge, answers.price, answers.coefficient = True, None, None
    return await _advance(update, context, await customer_locale(update, context), answers)


async def talk_to_advisor(update: Update, context: CareContext) -> None:
    """The result's advisor button: hand the case over with what the check found."""
    query, data = update.callback_query, callback_data(update, context)
    assert query is not None
    answers, rules = _answers(context), context.services.warranty
    if data is None or not answered(answers, rules):
        await refuse_button(update, context)
        return
    await query.answer()
    locale = await customer_locale(update, context)
    case = outcome(answers, _today(context), rules)
    await advisor.request_human(update, context, locale, trigger="warranty", case=case)


async def cancel(update: Update, context: CareContext) -> object:
    """/cancel: leave the check and show the menu; a finished check's answers stay for its result's buttons."""
    assert context.user_data is not None
    answers = _answers(context)
    if answered(answers, context.services.warranty):
        answers.wants_charge = False
        context.user_data[ANSWERS] = answers.to_json()
    else:
        context.user_data.pop(ANSWERS, None)
    await start.left_flow(update, context, "warranty")
    return ConversationHandler.END


async def ask_in(update: Update, context: CareContext, locale: Locale, state: object) -> bool:
    """After /language: the check's question again, in the new language (not at the car choice, whose buttons
    are entry points)."""
    if state == CAR:
        return False
    await _ask(update, context, locale, _answers(context), reminder=False)
    return True


async def stale(update: Update, context: CareContext) -> None:
    """A warranty button of an earlier question, or a forged one: refuse it and stay at the question."""
    await refuse_button(update, context)


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    answer_typed = [MessageHandler(TYPED_ANSWER, typed)]

    def buttons(step: Step) -> list[BaseHandler[Update, CareContext, object]]:
        return [CallbackQueryHandler(chosen, pattern=rf"^{FEATURE}:{step}:")]

    conversation = flow(
        "warranty",
        entry_points=[
            *ways_in(begin, "warranty"),
            CallbackQueryHandler(charge, pattern=rf"^{FEATURE}:charge:"),
            CallbackQueryHandler(car_chosen, pattern=rf"^{FEATURE}:car:"),
        ],
        states={
            CAR: [],  # the car buttons are entry points; typed text answers the questions by hand
            USE: buttons(USE),
            START_DATE: answer_typed,
            ODOMETER: answer_typed,
            HAPPENED: buttons(HAPPENED),
            REPAIRS: buttons(REPAIRS),
            REPLACED: buttons(REPLACED),
            STILL_THERE: buttons(STILL_THERE),
            REPAIR_DAYS: answer_typed,
            LONG_SINGLE: buttons(LONG_SINGLE),
            PRICE: answer_typed,
            COEFFICIENT: answer_typed,
        },
        fallbacks=[
            CommandHandler("cancel", cancel, filters=PRIVATE),
            CallbackQueryHandler(back, pattern=rf"^{FEATURE}:back:"),
            CallbackQueryHandler(stale, pattern=rf"^{FEATURE}:(?!advisor:)"),
            MessageHandler(TYPED_ANSWER, press_a_button),
        ],
        ask_in=ask_in,
    )
    return [conversation, CallbackQueryHandler(talk_to_advisor, pattern=rf"^{FEATURE}:advisor:")]
