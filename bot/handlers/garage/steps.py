"""The typed steps of /mycar: registering a car (plate → make → model → delivery date → odometer) and
updating a car's odometer. States are the step names; answers live in user_data (persisted), so a customer
half-way through continues after a restart. The ConversationHandler itself is built in bot.handlers.garage.mycar.

Typed answers here are data (粤B·12345, 豐田, 凱美瑞, 1.2萬), not a choice of language, so they do not switch
the reply locale the way a typed question does (DESIGN.md, decision 5).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ConversationHandler

from bot.core.common.dates import km_problem, parse_km
from bot.core.common.identifiers import OTHER_MAKE
from bot.core.common.locale import Locale
from bot.core.garage import cars as garage
from bot.core.garage import registration
from bot.core.garage.registration import CarDraft, RegisterStep
from bot.handlers.common import keyboards
from bot.handlers.common.context import CareContext, callback_data, customer_locale, refuse_button, send
from bot.handlers.desk.handoff import tickets as handoff
from bot.handlers.faq import questions as faq
from bot.handlers.garage.view import FEATURE, ask_consent, ask_phone, due_rules, show_garage, today

# Conversation states: one per question.
PLATE: RegisterStep = "plate"
MAKE: RegisterStep = "make"
VIN6: RegisterStep = "vin6"
MODEL: RegisterStep = "model"
DELIVERY_DATE: RegisterStep = "delivery_date"
ODOMETER: RegisterStep = "odometer"
UPDATE_ODOMETER = "update_odometer"
LINK = "link"  # the share-phone keyboard is up; /cancel (which takes it down), a contact, or text (link_typed)
_PHONE_DIGITS = 7  # this many digits typed at the share-phone step: a phone number, not a question
DRAFT = "mycar_draft"  # user_data key of the registration answers
VEHICLE = "mycar_vehicle"  # user_data key of the car whose odometer is being updated
UNLIKELY_KM = "mycar_unlikely_km"  # user_data key: a reading far above the last, waiting to be typed again
LINKING = "mycar_linking"  # user_data key: the share-phone keyboard was sent


def _draft(context: CareContext) -> CarDraft:
    assert context.user_data is not None
    return CarDraft.from_json(context.user_data.get(DRAFT))


def forget_answers(context: CareContext) -> None:
    """Drop whatever a flow of this module kept (on /cancel and when a flow ends)."""
    assert context.user_data is not None
    for key in (DRAFT, VEHICLE, LINKING):
        context.user_data.pop(key, None)


async def start_linking(update: Update, context: CareContext, locale: Locale) -> object:
    """Put up the share-phone keyboard (consent given); /cancel takes it down again."""
    assert context.user_data is not None
    forget_answers(context)
    context.user_data[LINKING] = True
    await ask_phone(update, context, locale)
    return LINK


async def link_typed(update: Update, context: CareContext) -> object:
    """Text while the share-phone keyboard is up. A typed number proves nothing (anyone can type anyone's), so
    it gets the button again; a question goes on to the FAQ and the keyboard stays."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if sum(char.isdigit() for char in message.text) >= _PHONE_DIGITS:
        await ask_phone(update, context, await customer_locale(update, context))
        return None
    if not await handoff.pass_on(update, context):  # with a ticket open, the text is for the advisor
        await faq.question(update, context)
    return None


async def _ask(update: Update, context: CareContext, locale: Locale, draft: CarDraft, problem: str = "") -> object:
    """Ask the next registration question (make: with the dealer's brands as buttons); returns its state."""
    services, user = context.services, update.effective_user
    assert user is not None
    step = registration.next_step(draft)
    markup = None
    if step == MAKE:  # the dealer's brands and "other": a typed make is taken only when it is a known one
        brands = [(brand, FEATURE, "make", brand) for brand in services.dealer.brands]
        brands.append((services.messages.label(locale, "mycar_make_other"), FEATURE, "make", OTHER_MAKE))
        markup = keyboards.labelled(services, user.id, brands, columns=3)
    if draft.asked:  # every question after the first: "back"
        markup = keyboards.with_back(services, locale, user.id, FEATURE, markup)
    await send(update, context, locale, "register_ask", markup, step=step, d=draft, problem=problem)
    return step


async def ask_in(update: Update, context: CareContext, locale: Locale, state: object) -> bool:
    """After /language: the share-phone request or the registration's question again, in the new language; the
    odometer update is left (False)."""
    if state == LINK:
        await ask_phone(update, context, locale)
        return True
    if state in (PLATE, VIN6, MAKE, MODEL, DELIVERY_DATE, ODOMETER):
        await _ask(update, context, locale, _draft(context))
        return True
    return False


async def start_registration(update: Update, context: CareContext, locale: Locale) -> object:
    """ "Add a car": the privacy notice first if not agreed yet, else the first question."""
    assert context.user_data is not None and update.effective_user is not None
    async with context.services.sessions() as session:
        agreed = await garage.consented(session, update.effective_user.id)
    if not agreed:
        return await ask_consent(update, context, locale)
    forget_answers(context)
    return await _ask(update, context, locale, CarDraft())


async def _advance(update: Update, context: CareContext, locale: Locale, draft: CarDraft) -> object:
    """Keep the answers; ask the next question, or store the car and show the garage."""
    assert context.user_data is not None and update.effective_user is not None
    context.user_data[DRAFT] = draft.to_json()
    if registration.next_step(draft) != "done":
        return await _ask(update, context, locale, draft)
    async with context.services.sessions.begin() as session:
        done = await registration.register(session, update.effective_user.id, draft, today(context))
    if done.problem == "km_conflict":  # the car was on file with a higher reading: ask the odometer again
        draft.odometer_km = None
        context.user_data[DRAFT] = draft.to_json()
        return await _ask(update, context, locale, draft, problem=done.problem)
    forget_answers(context)
    if done.car is None:
        await send(update, context, locale, "register_refused", problem=done.problem, plate=draft.plate_display)
        return ConversationHandler.END
    name = done.car.plate_display or f"{done.car.make} {done.car.model}"
    await show_garage(update, context, locale, notice="registered", subject=name)
    return ConversationHandler.END


async def registration_typed(update: Update, context: CareContext) -> object:
    """A typed answer to the registration question being asked; a clear re-prompt when it cannot be read."""
    message = update.effective_message
    assert message is not None and message.text is not None
    locale = await customer_locale(update, context)  # an answer is data, not a choice of language
    draft, step = _draft(context), registration.next_step(_draft(context))
    if draft.asked and keyboards.typed_back(context.services, message.text):
        return await back_to(update, context, locale, draft)
    if step == VIN6:
        return await _claim_checked(update, context, locale, draft, message.text)
    brands = tuple(context.services.dealer.brands)
    if registration.take_earlier(draft, step, message.text, today(context)):  # the delivery date, changed
        return await _advance(update, context, locale, draft)
    region = context.services.dealer.region
    problem = registration.take_typed(draft, step, message.text, today(context), brands, region)
    if problem is not None:
        return await _ask(update, context, locale, draft, problem=problem)
    registration.note_answered(draft, step)
    if step == PLATE and draft.plate is not None:  # a plate on file is refused now, not after five questions
        assert update.effective_user is not None
        async with context.services.sessions() as session:
            taken = await registration.plate_problem(session, update.effective_user.id, draft.plate)
        if taken == "claim_vin":  # on file without an owner: the VIN's last six, or the desk
            draft.claim = True
        elif taken is not None:
            forget_answers(context)
            await send(update, context, locale, "register_refused", problem=taken, plate=draft.plate_display)
            return ConversationHandler.END
    return await _advance(update, context, locale, draft)


async def _claim_checked(update: Update, context: CareContext, locale: Locale, draft: CarDraft, text: str) -> object:
    """The VIN's last six for a car on file without an owner: right, the car's facts come from the file and
    only the odometer is asked; wrong, the desk decides (nothing of the car is shown)."""
    assert draft.plate is not None
    async with context.services.sessions() as session:
        claimed = await registration.check_claim(session, draft.plate, text, draft)
    if not claimed:
        forget_answers(context)
        await send(update, context, locale, "register_refused", problem="claim_desk", plate=draft.plate_display)
        return ConversationHandler.END
    registration.note_answered(draft, VIN6)
    return await _advance(update, context, locale, draft)


async def make_chosen(update: Update, context: CareContext) -> object:
    """A make button of the make question."""
    query, data = update.callback_query, callback_data(update, context)
    assert query is not None
    draft = _draft(context)
    brands = tuple(context.services.dealer.brands)
    if data is None or registration.next_step(draft) != MAKE or not registration.take_make(draft, data.arg, brands):
        await refuse_button(update, context)
        return None
    await query.answer()
    registration.note_answered(draft, MAKE)
    return await _advance(update, context, await customer_locale(update, context), draft)


async def back_to(update: Update, context: CareContext, locale: Locale, draft: CarDraft) -> object:
    """The registration question answered before, again (its answer forgotten)."""
    return await _advance(update, context, locale, registration.go_back(draft))


async def back_pressed(update: Update, context: CareContext) -> object:
    """ "↩️ Back" under a registration question."""
    query, draft = update.callback_query, _draft(context)
    assert query is not None
    if callback_data(update, context) is None or not draft.asked:
        await refuse_button(update, context)
        return None
    await query.answer()
    return await back_to(update, context, await customer_locale(update, context), draft)


async def start_odometer_update(update: Update, context: CareContext, vehicle_id: int) -> object:
    """Ask for the km of one of the customer's cars (the /mycar button and the reminders' button).

    A car that is not the pressing customer's (or no longer theirs) is refused like a forged button.
    """
    assert context.user_data is not None and update.effective_user is not None
    services = context.services
    async with services.sessions() as session:
        car = await garage.own_car(session, update.effective_user.id, vehicle_id, today(context), due_rules(services))
    if car is None:
        await refuse_button(update, context)
        return ConversationHandler.END
    if update.callback_query is not None:
        await update.callback_query.answer()
    forget_answers(context)
    context.user_data[VEHICLE] = vehicle_id
    await send(update, context, await customer_locale(update, context), "odometer_ask", car=car)
    return UPDATE_ODOMETER


async def odometer_typed(update: Update, context: CareContext) -> object:
    """The typed km: recorded, or refused (unreadable, lower than the last reading) with a re-prompt."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.text is not None and user is not None and context.user_data is not None
    locale, services = await customer_locale(update, context), context.services
    vehicle_id = context.user_data.get(VEHICLE)
    km = parse_km(message.text)
    if not isinstance(vehicle_id, int):
        return ConversationHandler.END
    if km is None:
        await send(update, context, locale, "odometer_retry", problem=km_problem(message.text), o=None)
        return None
    confirmed = context.user_data.pop(UNLIKELY_KM, None) == km  # the same number typed again confirms it
    daily = services.settings.odometer_max_daily_km
    async with services.sessions.begin() as session:
        outcome = await garage.record_odometer(session, user.id, vehicle_id, km, today(context), due_rules(services),
                                               confirmed=confirmed, max_daily_km=daily)  # fmt: skip
    if outcome.status == "implausible":  # asked to type it again: a typo is not recorded for good
        context.user_data[UNLIKELY_KM] = km
    if outcome.status in ("lower", "higher", "implausible"):
        await send(update, context, locale, "odometer_retry", problem=outcome.status, o=outcome)
        return None
    forget_answers(context)
    if outcome.car is None:  # released meanwhile, or not theirs
        await show_garage(update, context, locale)
    else:
        await show_garage(update, context, locale, notice="odometer", subject=outcome.car.name, km=km)
    return ConversationHandler.END
