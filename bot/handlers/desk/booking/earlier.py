"""Going back in the booking flow ("↩️ Back", pressed or typed), and typed answers to an earlier question: a
day, a time, a service or a plate typed while a later question is asked (「明天下午」 at "wait or drop off?", "10:30"
at the summary, 「維修」 at the phone question, 「粤B12345」 at "which day?" after a plate without its province).

The customer changed their mind; the answer is taken as if they had gone back to that question, the answers
that depend on it are asked again (a new day → its times; a new time → wait or drop off, which depends on the
places left), and the rest is kept. Text that reads as none of these is left to the question being asked.
"""

from __future__ import annotations

import datetime as dt

from telegram import Update
from telegram.ext import ConversationHandler

from bot.core.common.identifiers import format_plate, is_mainland_plate, normalise_plate
from bot.core.common.locale import Locale
from bot.core.desk.booking.dates import no_such_day, read_day, read_time
from bot.core.desk.booking.slots import answered, day_problem, undo_last, window
from bot.handlers.common.context import CareContext
from bot.handlers.desk.booking import manage as appointments_manage
from bot.handlers.desk.booking.steps import Answers, ask, booking_desk, day_of, keep, now_local

# The questions after the day and time at which a typed day or time is read as a change of them (at "notes"
# any text is the note itself; at "slot" the flow reads days and times already).
AFTER_THE_TIME = ("mode", "phone", "confirm")
# The questions after the plate at which a mainland plate typed (粤B12345: nothing else reads so) corrects it; a
# plate at "notes" is a note.
AFTER_THE_PLATE = ("day", "slot", "mode", "phone", "confirm")
SERVICE_WORDS_MAX = 15  # longer text naming a service is a sentence (a question), not a change of service
Problem = tuple[str | None, dt.date | None]


def last_day(context: CareContext) -> dt.date:
    return window(now_local(context).date(), context.services.dealer.booking_days)[1]


async def typed_day(context: CareContext, text: str, answers: Answers) -> Problem:
    """Read a typed day into `answers` (its part of the day too); (a problem for booking_retry, the day it
    concerns) or (None, None). The time chosen for the day before is dropped."""
    today, dealer = now_local(context).date(), context.services.dealer
    choice = read_day(text, today, last_day(context))
    if choice is None:  # "Feb 30" is said to be no day, not unreadable (booking_retry names it from the text)
        return "no_such_day" if no_such_day(text) else "day_unclear", None
    branch = next(b for b in dealer.branches if b.id == answers["branch"])
    problem = day_problem(branch, choice.day, today, dealer.booking_days, now_local(context))
    if problem is None and not await booking_desk(context).offers(branch.id, choice.day, now_local(context),
                                                                   answers.get("mode")):  # fmt: skip
        problem = "full"
    if problem is not None:
        return problem, choice.day
    answers["day"], answers["part"] = choice.day.isoformat(), choice.part
    answers.pop("slot", None)
    return None, None


async def _time(context: CareContext, wanted: str, answers: Answers) -> bool:
    day = day_of(answers)
    assert day is not None
    offers = await booking_desk(context).offers(answers["branch"], day, now_local(context), answers.get("mode"))
    if not any(o.slot == wanted for o in offers):
        return False
    answers["slot"] = wanted
    return True


def _forget_mode(answers: Answers) -> None:
    """A new booking asks "wait or drop off?" again after a new time (a move keeps the booking's mode)."""
    if "resched" not in answers:
        answers.pop("mode", None)


async def earlier_answer(
    context: CareContext, step: str, text: str, answers: Answers, *, service: bool = True
) -> Problem | None:
    """Take `text` as the answer to an earlier question when it reads as one (a day or a time; a service too
    unless `service` is False: a question naming a service is the FAQ's first): (None, None) when taken, (a
    problem, its day) when it is a day that cannot be booked, ("plate_changed", None) when it is a new plate, None
    when it is no earlier answer."""
    if step in AFTER_THE_PLATE and "resched" not in answers and is_mainland_plate(text):
        plate = normalise_plate(text)
        answers.update(car=None, plate=plate, car_name=format_plate(plate))
        answered(answers, "vehicle")
        return "plate_changed", None
    if step in AFTER_THE_TIME and "slot" in answers:
        wanted = read_time(text)
        if wanted is not None and wanted != answers["slot"] and await _time(context, wanted, answers):
            _forget_mode(answers)
            answered(answers, "slot")
            return None, None
        if wanted is None and read_day(text, now_local(context).date(), last_day(context)) is not None:
            problem = await typed_day(context, text, answers)
            if problem[0] is None:
                _forget_mode(answers)
                answered(answers, "day")
            return problem
    kind = context.services.faq.service_type(text) if service and len(text) <= SERVICE_WORDS_MAX else None
    changes_service = step not in ("service", "vehicle", "notes", "day", "slot") and "resched" not in answers
    if kind is not None and changes_service and kind != answers.get("service"):
        answers["service"] = kind
        answered(answers, "service")
        return None, None
    return None


async def go_back(update: Update, context: CareContext, locale: Locale, answers: Answers) -> object:
    """ "↩️ Back": the question answered before, asked again with the rest kept. Before a move's or a
    cancellation's first question lies /appointments; before a reminder's first question, the service it chose;
    "another reason" goes back to the listed reasons."""
    if answers.get("why") == "other":
        answers.pop("why")
    elif not undo_last(answers):
        if "resched" in answers or "cancel" in answers:
            keep(context, None)
            await appointments_manage.list_appointments(update, context)
            return ConversationHandler.END
        if answers.get("source") == "reminder":
            answers.pop("service", None)
    keep(context, answers)
    return await ask(update, context, locale)
