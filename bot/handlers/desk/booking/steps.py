"""The booking flow's questions: each step's message and buttons, and reading the answers given to it.

The answers live in user_data["booking"] (JSON values, persisted with the conversation by
bot.handlers.common.persistence), and bot.core.desk.booking.slots.next_step decides the question from them, so a
customer half-way
through continues after a restart. Callback data: `bk:<action>[:<arg>]`, signed for the customer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.core.common import choices
from bot.core.common.locale import Locale
from bot.core.desk.booking.dates import no_such_day
from bot.core.desk.booking.service import BookingDesk, describe
from bot.core.desk.booking.slots import ASKED, REASON_STEPS, SERVICE_TYPES, in_part, next_step, window
from bot.handlers.common import keyboards
from bot.handlers.common.context import CareContext, send

FEATURE = "bk"
ANSWERS = "booking"
ACTIVE = "booking"  # the conversation's one state: the question asked is derived from the answers
REASONS = ("time", "fixed", "elsewhere", "other")
Answers = dict[str, Any]
EXAMPLE_DAYS_AHEAD = 3


def booking_desk(context: CareContext) -> BookingDesk:
    settings = context.services.settings
    return BookingDesk(context.services.sessions, context.services.dealer, settings.appointment_auto_confirm,
                       settings.booking_max_per_customer, settings.booking_max_per_car)  # fmt: skip


def now_local(context: CareContext) -> dt.datetime:
    return dt.datetime.now(context.services.settings.tz)


def answers_of(context: CareContext) -> Answers:
    assert context.user_data is not None
    return dict(context.user_data.get(ANSWERS) or {})


def keep(context: CareContext, answers: Answers | None) -> None:
    """Keep the answers (None: the flow is over). A new draft gets its key here: the booking stored from it
    carries the key, so confirming one draft twice books once."""
    assert context.user_data is not None
    if answers is None:
        context.user_data.pop(ANSWERS, None)
    else:
        answers.setdefault("draft", uuid.uuid4().hex)
        context.user_data[ANSWERS] = answers


def day_of(answers: Answers) -> dt.date | None:
    return dt.date.fromisoformat(answers["day"]) if answers.get("day") else None


def example_day(context: CareContext) -> dt.date:
    """The day the prompts give as a typed example ("12/7", "7 Dec"): a few days ahead, so it can be booked."""
    return now_local(context).date() + dt.timedelta(days=EXAMPLE_DAYS_AHEAD)


def _user_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def _day_label(context: CareContext, locale: Locale, day: dt.date) -> str:
    label = context.services.messages.label
    weekday = label(locale, f"bk_wd_{day.weekday()}")
    return label(locale, "bk_day", month=day.month, day=day.day, weekday=weekday, mon=f"{day:%b}")


Made = tuple[list[tuple[str, str, str, str]], int, str]  # buttons (label, feature, action, arg), columns, note


async def _choices(update: Update, context: CareContext, locale: Locale, step: str, answers: Answers) -> Made:
    """The step's buttons, how many a row, and a note for the message ("part_none": nothing in the part of the
    day asked, so every time left is shown)."""
    services, user_id, desk = context.services, _user_id(update), booking_desk(context)
    label = services.messages.label
    if step == "service":
        return [(label(locale, f"bk_svc_{s}"), FEATURE, "svc", s) for s in SERVICE_TYPES], 2, ""
    if step == "branch":
        return [(b.name.get(locale), FEATURE, "br", b.id) for b in services.dealer.branches], 1, ""
    if step == "vehicle":
        _, cars = await desk.customer_cars(user_id)
        return [(c.plate_display or f"{c.make} {c.model}", FEATURE, "car", str(c.id)) for c in cars], 1, ""
    if step == "day":
        days = await desk.days_with_room(answers["branch"], now_local(context), answers.get("mode"))
        return [(_day_label(context, locale, d), FEATURE, "day", f"{d:%Y%m%d}") for d in days], 3, ""
    if step == "slot":
        day = day_of(answers)
        assert day is not None
        offers = await desk.offers(answers["branch"], day, now_local(context), answers.get("mode"))
        shown = [o for o in offers if in_part(o.slot, answers.get("part"))]
        note = "" if shown or not offers else "part_none"
        slots = [(label(locale, "bk_slot", slot=o.slot, left=o.left), FEATURE, "slot", o.slot.replace(":", ""))
                 for o in shown or offers]  # fmt: skip
        return slots, 2, note
    if step == "mode":
        day = day_of(answers)
        assert day is not None
        modes = await desk.modes_left(answers["branch"], day, answers["slot"])
        return [(label(locale, f"bk_mode_{m}"), FEATURE, "mode", m) for m in modes], 2, ""
    if step == "phone":
        phone, _ = await desk.customer_cars(user_id)
        return ([(label(locale, "bk_use_phone", phone=phone), FEATURE, "phone", "")] if phone else []), 1, ""
    fixed = {
        "notes": [(label(locale, "bk_skip"), FEATURE, "skip", "")],
        "confirm": [
            (label(locale, "bk_confirm_resched" if answers.get("resched") else "bk_confirm"), FEATURE, "yes", ""),
            (label(locale, "bk_restart"), FEATURE, "again", ""),
        ],
        "reason": [(label(locale, f"bk_reason_{r}"), FEATURE, "why", r) for r in REASONS],
    }
    return fixed.get(step, []), 1, ""


async def typed_choice(update: Update, context: CareContext, locale: Locale) -> tuple[str, str] | None:
    """(action, arg) of the question's button the customer named by typing (bot.core.common.choices): its label
    (「現場等候」), part of it (「南山」 for 「南山服務站」) or its words ("drop off" for "Drop the car off")."""
    message, answers = update.effective_message, answers_of(context)
    if message is None or not message.text:
        return None
    made, _, _ = await _choices(update, context, locale, next_step(answers), answers)
    return choices.typed_choice(message.text, [(label, (action, arg)) for label, _, action, arg in made])


def has_back(answers: Answers, step: str) -> bool:
    """Whether the question has "↩️ Back": every one but a new booking's first. A move's or a cancellation's
    first question goes back to /appointments, a reminder's first question to the service it chose."""
    if answers.get(ASKED) or "resched" in answers or step in REASON_STEPS:
        return True
    return answers.get("source") == "reminder" and "service" in answers and step != "service"


async def step_markup(update: Update, context: CareContext, locale: Locale) -> InlineKeyboardMarkup | None:
    """The buttons of the question being asked, for a re-prompt that asks it again in its own words."""
    answers = answers_of(context)
    made, columns, _ = await _choices(update, context, locale, next_step(answers), answers)
    markup = keyboards.labelled(context.services, _user_id(update), made, columns) if made else None
    if has_back(answers, next_step(answers)):  # "back" stays under a re-prompt
        markup = keyboards.with_back(context.services, locale, _user_id(update), FEATURE, markup)
    return markup


async def ask(update: Update, context: CareContext, locale: Locale, *, reminder: bool = False) -> str:
    """Ask the question the answers call for (the summary once all are in); returns the conversation state."""
    answers = answers_of(context)
    step = next_step(answers)
    if step == "branch" and len(context.services.dealer.branches) == 1:
        answers["branch"] = context.services.dealer.branches[0].id
        keep(context, answers)
        return await ask(update, context, locale, reminder=reminder)
    made, columns, note = await _choices(update, context, locale, step, answers)
    markup = keyboards.labelled(context.services, _user_id(update), made, columns) if made else None
    if markup is None and step in ("slot", "mode"):  # taken meanwhile: back to the question before
        if step == "slot":
            await retry(update, context, locale, "full", day_of(answers))
        answers.pop("day" if step == "slot" else "slot", None)
        keep(context, answers)
        return await ask(update, context, locale)
    if has_back(answers, step):
        markup = keyboards.with_back(context.services, locale, _user_id(update), FEATURE, markup)
    a = describe(answers, context.services.dealer, locale)
    a["id"] = answers.get("resched")
    if step == "phone":  # the linked phone the button offers
        a["phone"] = (await booking_desk(context).customer_cars(_user_id(update)))[0]
    if step == "confirm":  # a second booking of the same car is pointed out (a move is of that car already)
        today = now_local(context).date()
        others = [] if answers.get("resched") else await booking_desk(context).other_days_of_car(answers.get("plate"),
                                                                                                 today)  # fmt: skip
        await send(update, context, locale, "booking_summary", markup, a=a, others=others)
    else:
        await send(update, context, locale, "booking_ask", markup, step=step, a=a, reminder=reminder, note=note,
                   example=example_day(context), choices=bool(made))  # fmt: skip
    return ACTIVE


async def retry(
    update: Update, context: CareContext, locale: Locale, problem: str, day: dt.date | None = None,
    markup: InlineKeyboardMarkup | None = None, limit: int = 0, plate: str = "",
) -> None:  # fmt: skip
    """Say what was wrong with the answer (the question is asked again by the caller when it needs buttons), or
    that an earlier answer was changed ("plate_changed"); "no_such_day" names the day from the text typed."""
    today = now_local(context).date()
    last = window(today, context.services.dealer.booking_days)[1]
    typed = update.effective_message.text if update.effective_message is not None else None
    month_day = no_such_day(typed or "") if problem == "no_such_day" else None  # (2, 30) for "Feb 30"
    await send(update, context, locale, "booking_retry", markup, problem=problem, day=day, last_day=last,
               this_year=today.year, limit=limit, example=example_day(context), plate=plate,
               month_day=month_day or (0, 0))  # fmt: skip


async def begin_for_car(
    update: Update, context: CareContext, locale: Locale, car_id: int, plate: str | None, name: str,
    service: str | None,
) -> str:  # fmt: skip
    """Start a booking for a car already known to be the customer's (a reminder's "book now")."""
    answers: Answers = {"source": "reminder", "car": car_id, "plate": plate, "car_name": name}
    if service is not None:
        answers["service"] = service
    keep(context, answers)
    return await ask(update, context, locale)
