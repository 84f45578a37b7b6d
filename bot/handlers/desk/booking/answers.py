"""Answers to the booking flow's questions, pressed or typed; the summary's confirm stores the booking.

Each answer is checked against what is offered now (a day button from yesterday's list, a slot taken since),
so stale buttons never book a closed day or a full slot. The place itself is taken in the database
(bot.core.desk.booking.repo): losing the race for the last place says so and offers the slots still free.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import ConversationHandler

from bot.core.common.identifiers import RecordError, format_plate, lacks_province, normalise_phone, normalise_plate
from bot.core.common.locale import Locale
from bot.core.desk.booking.dates import no_such_day, read_day, read_time
from bot.core.desk.booking.service import NewBooking, SlotFull, TooManyBookings, Unmoved, describe
from bot.core.desk.booking.slots import (
    MODES,
    REASON_STEPS,
    SERVICE_TYPES,
    answered,
    next_step,
)
from bot.handlers.common import flows, keyboards
from bot.handlers.common.context import CareContext, callback_data, customer_locale, refuse_button, send
from bot.handlers.desk.booking import advisors as appointments_desk
from bot.handlers.desk.booking import manage as appointments_manage
from bot.handlers.desk.booking.earlier import Problem, earlier_answer, go_back, last_day, typed_day
from bot.handlers.desk.booking.steps import (
    Answers,
    answers_of,
    ask,
    booking_desk,
    day_of,
    has_back,
    keep,
    now_local,
    retry,
    step_markup,
    typed_choice,
)
from bot.handlers.desk.group import deliver_now
from bot.handlers.desk.handoff import tickets as handoff
from bot.handlers.faq import questions as faq

STEP_OF_ACTION = {"svc": "service", "br": "branch", "car": "vehicle", "day": "day", "slot": "slot", "mode": "mode",
                  "skip": "notes", "phone": "phone", "yes": "confirm", "again": "confirm", "why": "reason"}  # fmt: skip
NOTES_MAX = 500
TYPED_STEPS = ("vehicle", "day", "slot", "notes", "phone")  # the questions a typed answer may answer
RETYPED = ("plate_unclear", "plate_province", "phone_unclear", "notes_too_long")  # said with the question's own buttons
Taker = Callable[[CareContext, int, Answers, str], Awaitable[bool]]


async def _service(context: CareContext, user_id: int, answers: Answers, arg: str) -> bool:
    answers["service"] = arg
    return arg in SERVICE_TYPES


async def _branch(context: CareContext, user_id: int, answers: Answers, arg: str) -> bool:
    answers["branch"] = arg
    return any(b.id == arg for b in context.services.dealer.branches)


async def _car(context: CareContext, user_id: int, answers: Answers, arg: str) -> bool:
    _, cars = await booking_desk(context).customer_cars(user_id)
    car = next((c for c in cars if str(c.id) == arg), None)  # only the presser's own cars
    if car is not None:
        answers.update(car=car.id, plate=car.plate, car_name=car.plate_display or f"{car.make} {car.model}")
    return car is not None


async def _day(context: CareContext, user_id: int, answers: Answers, arg: str) -> bool:
    try:
        day = dt.datetime.strptime(arg, "%Y%m%d").date()
    except ValueError:
        return False
    now = now_local(context)
    days = await booking_desk(context).days_with_room(answers["branch"], now, answers.get("mode"))
    answers["day"], answers["part"] = day.isoformat(), None
    answers.pop("slot", None)
    return day in days


def _chosen_day(answers: Answers) -> dt.date:
    day = day_of(answers)
    assert day is not None  # the day is asked before the time and the mode
    return day


def unmoved(answers: Answers) -> bool:
    """Whether a move's chosen day and time are the appointment's own (nothing would move)."""
    return bool(answers.get("resched")) and answers.get("moved_from") == [answers.get("day"), answers.get("slot")]


async def _slot(context: CareContext, user_id: int, answers: Answers, arg: str) -> bool:
    slot = f"{arg[:2]}:{arg[2:]}"
    mode = answers.get("mode")
    offers = await booking_desk(context).offers(answers["branch"], _chosen_day(answers), now_local(context), mode)
    answers["slot"] = slot
    return any(o.slot == slot for o in offers)


async def _mode(context: CareContext, user_id: int, answers: Answers, arg: str) -> bool:
    answers["mode"] = arg
    left = await booking_desk(context).modes_left(answers["branch"], _chosen_day(answers), answers["slot"])
    return arg in MODES and arg in left


async def _skip(context: CareContext, user_id: int, answers: Answers, arg: str) -> bool:
    answers["notes"] = ""
    return True


async def _phone(context: CareContext, user_id: int, answers: Answers, arg: str) -> bool:
    phone, _ = await booking_desk(context).customer_cars(user_id)
    answers["phone"] = phone
    return phone is not None


TAKERS: dict[str, Taker] = {"svc": _service, "br": _branch, "car": _car, "day": _day, "slot": _slot,
                            "mode": _mode, "skip": _skip, "phone": _phone}  # fmt: skip


async def chosen(update: Update, context: CareContext) -> object:
    """A button of the question being asked (or a day button while choosing the time): take it and go on."""
    query, data, answers = update.callback_query, callback_data(update, context), answers_of(context)
    assert query is not None and update.effective_user is not None
    step = next_step(answers)
    if data is not None and data.action == "back":  # the question before, again
        await query.answer()
        return await go_back(update, context, await customer_locale(update, context), answers)
    expected = STEP_OF_ACTION.get(data.action) if data else None
    changing_day = expected == "day" and step in ("slot", "mode")  # another day from the list above
    changing_reason = expected == "reason" and step == "reason_text"  # a listed reason after all
    if data is None or (expected != step and not changing_day and not changing_reason):
        return await refuse_button(update, context)
    if data.action in ("yes", "again", "why"):
        await query.answer()
        return await _final(update, context, data.action, data.arg, answers)
    if not await TAKERS[data.action](context, update.effective_user.id, answers, data.arg):
        return await refuse_button(update, context)
    await query.answer()
    if unmoved(answers):  # the appointment's own time tapped while moving it: nothing changes
        return await _same_time(update, context, await customer_locale(update, context), answers)
    if changing_day and "resched" not in answers:  # a new booking asks the mode after the time again
        answers.pop("mode", None)
    answered(answers, expected or step)
    keep(context, answers)
    return await ask(update, context, await customer_locale(update, context))


async def _final(update: Update, context: CareContext, action: str, arg: str, answers: Answers) -> object:
    locale = await customer_locale(update, context)
    if action == "why" and arg == "other":  # ask for the reason itself; the typed text cancels
        keep(context, {**answers, "why": "other"})
        return await ask(update, context, locale)
    if action == "why":
        reason = context.services.messages.label(context.services.settings.default_locale, f"bk_reason_{arg}")
        return await appointments_manage.cancel_with(update, context, locale, answers, reason)
    if action == "again":
        keep(context, {"source": answers.get("source", "chat")})
        return await ask(update, context, locale)
    return await finish(update, context, locale, answers)


async def typed(update: Update, context: CareContext) -> object:
    """A typed answer: a plate, a day, a time, notes, a phone, a reason. Where buttons are expected, the text
    is taken as a question for the FAQ, and the booking's question is asked again; with a ticket open it goes to
    the advisor instead (bot.handlers.desk.handoff.tickets)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    answers, text = answers_of(context), message.text.strip()
    step = next_step(answers)
    # A plate (粤B12345) or a phone says nothing about the language the customer reads.
    locale = await customer_locale(update, context, None if step in ("vehicle", "phone") else message.text)
    if keyboards.typed_back(context.services, text) and has_back(answers, step):  # "back" typed, not pressed
        return await go_back(update, context, locale, answers)
    if step in REASON_STEPS:
        return await appointments_manage.cancel_with(update, context, locale, answers, text[:NOTES_MAX])
    if step not in TYPED_STEPS:
        # A question asked mid-booking is answered when the FAQ is sure, and the booking's question follows; a
        # typed 「保養」 at "which service?" is that answer; anything else needs the buttons (never a "did you
        # mean" or a counted miss).
        choice = await typed_choice(update, context, locale)
        if choice is not None and choice[0] in ("yes", "again"):  # "confirm" typed at the summary
            return await _final(update, context, choice[0], choice[1], answers)
        if choice is not None and choice[0] in TAKERS:  # a button's label typed: that button
            if await TAKERS[choice[0]](context, update.effective_user.id if update.effective_user else 0,
                                       answers, choice[1]):  # fmt: skip
                answered(answers, STEP_OF_ACTION[choice[0]])
                keep(context, answers)
                return await ask(update, context, locale)
            answers = answers_of(context)
        if (taken := await earlier_answer(context, step, text, answers, service=False)) is not None:  # a day
            return await _changed(update, context, locale, answers, taken)
        if await handoff.pass_on(update, context):  # talking to an advisor: the rest is for them
            return None
        if context.services.faq.ask(text, locale).decision == "answer":
            await faq.question(update, context)  # 「我要找真人」 there leaves the booking for the advisor
            if not flows.in_flow(update, context, "booking"):
                return None
            return await ask(update, context, locale, reminder=True)
        if step == "service" and (kind := context.services.faq.service_type(text)):
            answers["service"] = kind
            keep(context, answers)
            return await ask(update, context, locale)
        if (taken := await earlier_answer(context, step, text, answers)) is not None:  # a change of mind
            return await _changed(update, context, locale, answers, taken)
        return await ask(update, context, locale, reminder=True)  # the question again, "tap a button" above it
    if step == "notes" and await typed_choice(update, context, locale) == ("skip", ""):  # "skip" typed
        text = ""
    if step in ("day", "slot") and (taken := await earlier_answer(context, step, text, answers)) is not None:
        return await _changed(update, context, locale, answers, taken)  # the plate corrected
    problem, day = await _take_typed(context, step, text, answers)
    if problem == "phone_unclear" and (taken := await earlier_answer(context, step, text, answers)) is not None:
        return await _changed(update, context, locale, answers, taken)
    if problem in RETYPED:  # the re-prompt keeps the question's buttons (a car, the linked phone, skip)
        await retry(update, context, locale, problem, markup=await step_markup(update, context, locale))
        return None
    if problem is not None:
        await retry(update, context, locale, problem, day)
        return await ask(update, context, locale)
    answered(answers, "day" if step in ("slot", "mode") and "slot" not in answers else step)
    keep(context, answers)
    return await ask(update, context, locale)


async def _same_time(update: Update, context: CareContext, locale: Locale, answers: Answers) -> object:
    """A move to the appointment's own day and time: say so and ask the time again, nothing changed."""
    answers.pop("slot", None)
    keep(context, answers)
    await retry(update, context, locale, "same_time", _chosen_day(answers))
    return await ask(update, context, locale)


async def _changed(update: Update, context: CareContext, locale: Locale, answers: Answers, taken: Problem) -> object:
    """An earlier question answered anew (bot.handlers.desk.booking.earlier): ask what follows from it, or say
    why the day cannot be booked and ask the question of the moment again (nothing changed)."""
    problem, day = taken
    if problem == "plate_changed":  # said, as the question of the moment follows without it
        keep(context, answers)
        await retry(update, context, locale, problem, plate=answers.get("car_name") or "")
    elif problem is not None:
        await retry(update, context, locale, problem, day)
    else:
        keep(context, answers)
    return await ask(update, context, locale)


async def _take_typed(
    context: CareContext, step: str, text: str, answers: Answers
) -> tuple[str | None, dt.date | None]:
    """Read a typed answer into `answers`; (a problem for booking_retry, the day it concerns) or (None, None)."""
    if step == "vehicle":
        region = context.services.dealer.region
        try:
            plate = normalise_plate(text, region)
        except RecordError:
            return "plate_province" if region == "CN" and lacks_province(text) else "plate_unclear", None
        answers.update(car=None, plate=plate, car_name=format_plate(plate))
    elif step == "day":
        return await typed_day(context, text, answers)
    elif step == "slot":
        wanted = read_time(text)
        if wanted is None and (read_day(text, now_local(context).date(), last_day(context)) or no_such_day(text)):
            return await typed_day(context, text, answers)  # another day typed at "which time?"
        if wanted is None or not await _slot(context, 0, answers, wanted.replace(":", "")):
            answers.pop("slot", None)
            return "slot_unclear", None
        if unmoved(answers):
            answers.pop("slot", None)
            return "same_time", _chosen_day(answers)
    elif step == "notes":
        if len(text) > NOTES_MAX:
            return "notes_too_long", None
        answers["notes"] = text
    elif step == "phone":
        try:
            answers["phone"] = normalise_phone(text, context.services.settings.phone_region)
        except RecordError:
            return "phone_unclear", None
    return None, None


async def finish(update: Update, context: CareContext, locale: Locale, answers: Answers) -> object:
    """Store the booking (or the move) with the advisors' card in one transaction, then send the card and the
    confirmation; a place lost in the race goes back to the slot question. A second confirm of the same
    draft (a double tap) books nothing more and repeats the confirmation."""
    desk, user_id = booking_desk(context), update.effective_user.id if update.effective_user else 0
    event = "rescheduled" if answers.get("resched") else "new"
    new = True
    advisors = await appointments_desk.branch_mentions(context, answers["branch"])
    try:
        if answers.get("resched"):
            found = await desk.reschedule(user_id, int(answers["resched"]), _chosen_day(answers), answers["slot"])
            if found is not None:
                await appointments_desk.post_card(context, found, event, once=answers.get("draft", ""))
        else:
            found, new = await desk.book_draft(user_id, _new_booking(answers),
                                               appointments_desk.card_items(context, event, advisors),
                                               now_local(context).date())  # fmt: skip
    except TooManyBookings as limit:  # the flow ends: /appointments shows what they hold
        keep(context, None)
        await retry(update, context, locale, f"limit_{limit.reason}", _chosen_day(answers), limit=limit.limit)
        return ConversationHandler.END
    except SlotFull:
        answers.pop("slot", None)
        keep(context, answers)
        await retry(update, context, locale, "slot_taken")
        return await ask(update, context, locale)
    except Unmoved:  # the move's own day and time (a move begun before moved_from was kept): another time
        return await _same_time(update, context, locale, answers)
    keep(context, None)
    if found is None:
        await retry(update, context, locale, "gone")
        return ConversationHandler.END
    if not answers.get("resched") and new:
        await deliver_now(context, context.services, appointments_desk.card_key(found, event))
    await send(update, context, locale, "booking_done", None, a=describe(found, context.services.dealer, locale))
    return ConversationHandler.END


def _new_booking(answers: Answers) -> NewBooking:
    return NewBooking(
        branch=answers["branch"], service_type=answers["service"], day=dt.date.fromisoformat(answers["day"]),
        slot=answers["slot"], mode=answers["mode"], vehicle_id=answers.get("car"), plate=answers.get("plate"),
        notes=answers.get("notes") or None, phone=answers.get("phone") or None, source=answers.get("source", "chat"),
        draft_key=answers.get("draft"),
    )  # fmt: skip
