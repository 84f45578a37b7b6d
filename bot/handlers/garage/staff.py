"""/odometer for staff: read or correct any car's odometer without a booking (advisors and up, in the advisors'
group or in private). Replies are in the dealer's default locale, as the desk's are.

    /odometer                 how to use it
    /odometer 粤B12345        the car's latest readings
    /odometer 粤B12345 45000  record 45,000 km as read today

A reading is checked as at a visit's "Done" (bot.core.garage.odometer): one lower than a reading on file, or an
implausible jump, is named with a button to confirm it (`odo:fix|ok:<car>:<km>`, signed for the staff member who
asked); confirming a lower one corrects the readings on file (logged, no message text). A second press finds the
reading recorded and says so; nothing is done twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core.common.dates import km_problem, parse_km
from bot.core.common.identifiers import RecordError, format_plate
from bot.core.garage import odometer
from bot.handlers.common.context import CareContext, callback_data
from bot.handlers.desk.group import require_staff

FEATURE = "odo"
TEMPLATE = "odometer_staff"


def splits(args: list[str]) -> list[tuple[str, str]]:
    """Ways to read the words after /odometer as (plate, km text), most words in the plate first: a plate may
    hold spaces (`AB 1234`) and a reading a unit (`45,000 km`), so the car on file decides (see _find)."""
    return [(" ".join(args[:cut]), " ".join(args[cut:])) for cut in range(len(args), 0, -1)]


async def _find(context: CareContext, args: list[str]) -> tuple[odometer.CarReadings | None, str, str, str | None]:
    """(the car, the plate as typed, the km text, why the plate is not one): the first split whose plate is on
    file; else the likeliest split (a readable km, else all words) with no car."""
    problem, guess = None, None
    for plate, km_text in splits(args):
        try:
            car = await odometer.find_car(context.services.sessions, plate)
        except RecordError as exc:
            problem = problem or str(exc)
            continue
        if car is not None:
            return car, plate, km_text, None
        if guess is None or (not guess[1] and parse_km(km_text) is not None):
            guess = (plate, km_text)
    if guess is None:
        return None, "", "", problem
    return None, guess[0], guess[1], None


async def odometer_command(update: Update, context: CareContext) -> None:
    """/odometer [PLATE [KM]]."""
    member = await require_staff(update, context, "advisor")
    if member is None:
        return
    args = list(context.args or [])
    if not args:
        return await _reply(update, context, "usage")
    car, plate_text, km_text, problem = await _find(context, args)
    if problem is not None:
        return await _reply(update, context, "usage", error=problem)
    if car is None:
        return await _reply(update, context, "unknown_plate", plate=plate_text)
    plate = format_plate(car.plate)
    if not km_text:
        return await _reply(update, context, "readings", plate=plate, readings=car.readings)
    km = parse_km(km_text)
    if km is None:
        return await _reply(update, context, km_problem(km_text), plate=plate)
    await _record(update, context, member.telegram_user_id, car.vehicle_id, plate, km, "")


async def _record(
    update: Update,
    context: CareContext,
    staff_id: int,
    vehicle_id: int,
    plate: str,
    km: int,
    confirmed: odometer.Confirmed,
) -> None:
    settings = context.services.settings
    check = await odometer.staff_reading(context.services.sessions, vehicle_id, km, dt.datetime.now(settings.tz).date(),
                                         settings.odometer_max_daily_km, staff_id, confirmed)  # fmt: skip
    markup = None
    if check.status in ("lower", "implausible"):
        action = "fix" if check.status == "lower" else "ok"
        label = context.services.messages.label(settings.default_locale, f"odo_{action}", km=f"{km:,}")
        data = context.services.callbacks.pack(staff_id, FEATURE, action, str(vehicle_id), str(km))
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])
    if confirmed and check.status == "on_file":
        return  # a second press of the same confirmation: the first one recorded it
    event = "recorded" if check.status == "ok" else check.status
    await _reply(update, context, event, plate=plate, km=km, on_file_km=check.on_file_km,
                 on_file_day=check.on_file_day, markup=markup, corrected=confirmed == "fix")  # fmt: skip


async def confirm_button(update: Update, context: CareContext) -> None:
    """ "Correct to N km" / "It's right, N km": record the reading as confirmed and take the button away."""
    query = update.callback_query
    assert query is not None
    member = await require_staff(update, context, "advisor")
    if member is None:
        return
    data = callback_data(update, context)
    args = data.args if data is not None else ()
    if data is None or data.action not in ("fix", "ok") or len(args) != 2 or not all(a.isdigit() for a in args):
        services = context.services
        await query.answer(services.messages.label(services.settings.default_locale, "button_expired"),
                           show_alert=True)  # fmt: skip
        return
    await query.answer()
    try:  # the question is answered: its button goes, so a second tap cannot confirm it again
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return  # the button was already gone: a double tap, and the first press did the work
    except TelegramError:
        pass  # too old to edit: the reading is checked again all the same
    plate = await odometer.plate_of(context.services.sessions, int(args[0]))
    if plate is None:  # the car went (its owner was forgotten) since the question
        return await _reply(update, context, "unknown_plate", plate="")
    await _record(update, context, member.telegram_user_id, int(args[0]), format_plate(plate), int(args[1]),
                  "fix" if data.action == "fix" else "ok")  # fmt: skip


async def _reply(update: Update, context: CareContext, event: str, markup: Any = None, **data: Any) -> None:
    services, message = context.services, update.effective_message
    assert message is not None
    shown = {"plate": None, "km": None, "error": None, "readings": [], "on_file_km": None, "on_file_day": None,
             "corrected": False, **data}  # fmt: skip
    text = services.messages.render(services.settings.default_locale, TEMPLATE, event=event, **shown)
    await message.reply_text(text, reply_markup=markup)


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    return [CommandHandler("odometer", odometer_command),
            CallbackQueryHandler(confirm_button, pattern=rf"^{FEATURE}:")]  # fmt: skip
