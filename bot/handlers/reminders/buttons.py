"""A reminder's buttons: remind me later, not my car anymore (asked twice), book now (which opens booking).

"Update odometer" (`rem:odo:`) belongs to the odometer flow in bot.handlers.garage.mycar. Callback data is made by
bot.core.reminders.message; a button that was not made for the presser, or for a car that is no longer
theirs, is refused and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.core.common.locale import Locale
from bot.core.garage.due import DueKind
from bot.core.reminders import actions as reminder_actions
from bot.core.reminders.message import CODE_KINDS, FEATURE
from bot.handlers.common import keyboards
from bot.handlers.common.context import CareContext, callback_data, customer_locale, refuse_button, send
from bot.handlers.desk.booking import manage
from bot.handlers.desk.booking.steps import begin_for_car
from bot.handlers.desk.handoff import tickets as handoff

# The service a reminder's "book now" books (insurance is not workshop work: a renewal request instead).
BOOKED_SERVICE: dict[str, str] = {"service": "maintenance", "inspection": "inspection", "warranty_repair": "warranty",
                                  "warranty_three_guarantees": "warranty"}  # fmt: skip


@dataclass(frozen=True)
class Pressed:
    """A reminder button's data: which action, on which car, about which kind (book and snooze only)."""

    user_id: int
    action: str
    vehicle_id: int
    kind: DueKind | None


def _pressed(update: Update, context: CareContext) -> Pressed | None:
    """The verified data of the pressed button, or None for anything forged, stale or malformed."""
    data = callback_data(update, context)
    query = update.callback_query
    if data is None or query is None or data.feature != FEATURE or not data.args or not data.args[0].isdigit():
        return None
    wants_kind = data.action in ("book", "snooze")
    if len(data.args) != (2 if wants_kind else 1) or (wants_kind and data.args[1] not in CODE_KINDS):
        return None
    kind = CODE_KINDS[data.args[1]] if wants_kind else None
    return Pressed(query.from_user.id, data.action, int(data.args[0]), kind)


def _today(context: CareContext) -> dt.date:
    return dt.datetime.now(context.services.settings.tz).date()


async def _answered(update: Update, context: CareContext) -> Locale:
    """Stop the button's spinner; the customer's locale for the reply."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    return await customer_locale(update, context)


async def snooze(update: Update, context: CareContext) -> None:
    """"Remind me later": hold this kind for this car for reminder_snooze_days days, and say until when."""
    pressed, services = _pressed(update, context), context.services
    until = _today(context) + dt.timedelta(days=services.settings.reminder_snooze_days)
    car = None
    if pressed is not None and pressed.kind is not None:
        car = await reminder_actions.snooze(services.sessions, pressed.user_id, pressed.vehicle_id, pressed.kind, until)
    if pressed is None or car is None:
        return await refuse_button(update, context)
    locale = await _answered(update, context)
    await send(update, context, locale, "reminder_reply", None, step="snoozed", vehicle=car, kind=pressed.kind,
               until=until)


async def gone(update: Update, context: CareContext) -> None:
    """"Not my car anymore": ask before taking it off the customer's record."""
    pressed, services = _pressed(update, context), context.services
    car = None if pressed is None else await reminder_actions.car_view(
        services.sessions, pressed.user_id, pressed.vehicle_id
    )
    if pressed is None or car is None:
        return await refuse_button(update, context)
    locale = await _answered(update, context)
    buttons = [("rem_gone_yes", FEATURE, "goneyes", str(car.id)), ("rem_gone_no", FEATURE, "goneno", str(car.id))]
    markup = keyboards.grid(services, locale, pressed.user_id, buttons, columns=2)
    await send(update, context, locale, "reminder_reply", markup, step="gone_ask", vehicle=car)


async def gone_answer(update: Update, context: CareContext) -> None:
    """The answer to "is it no longer yours?": release the car (its reminders stop) or keep it."""
    pressed, sessions = _pressed(update, context), context.services.sessions
    car = None
    if pressed is not None and pressed.action == "goneyes":
        car = await reminder_actions.release(sessions, pressed.user_id, pressed.vehicle_id)
    elif pressed is not None:
        car = await reminder_actions.car_view(sessions, pressed.user_id, pressed.vehicle_id)
    if pressed is None or car is None:
        return await refuse_button(update, context)
    locale = await _answered(update, context)
    step = "gone_done" if pressed.action == "goneyes" else "gone_kept"
    await send(update, context, locale, "reminder_reply", None, step=step, vehicle=car)
    if pressed.action == "goneyes":
        await manage.offer_to_cancel_for_car(update, context, locale, car.id, car.plate)


async def book(update: Update, context: CareContext) -> object:
    """"Book now": open the booking flow (bot.handlers.desk.booking.entry, whose entry point this is) for this car,
    with the service the reminder was about already chosen."""
    pressed, services = _pressed(update, context), context.services
    car = None
    if pressed is not None and pressed.kind is not None:
        car = await reminder_actions.car_view(services.sessions, pressed.user_id, pressed.vehicle_id)
    if pressed is None or pressed.kind is None or car is None:
        await refuse_button(update, context)
        return None
    locale = await _answered(update, context)
    name = car.plate_display or f"{car.make} {car.model}"
    if pressed.kind == "insurance":  # not workshop work: a renewal request for the desk
        return await _insurance_renewal(update, context, locale, pressed.vehicle_id)
    service = BOOKED_SERVICE.get(pressed.kind)
    return await begin_for_car(update, context, locale, car.id, car.plate, name, service)


async def _insurance_renewal(update: Update, context: CareContext, locale: Locale, vehicle_id: int) -> int:
    """"Book now" on an insurance reminder: the advisors get a renewal request for this car (a ticket whose card
    names the car and the expiry); the customer hears who calls back, or the hotline without an advisors' group."""
    user = update.effective_user
    assert user is not None
    found = await reminder_actions.renewal_request(context.services.sessions, user.id, vehicle_id)
    if found is None:
        await refuse_button(update, context)
        return ConversationHandler.END
    car, expiry = found
    # ISO text through the ticket's JSON; the card shows it in the desk's date format (desk/handoff/_handoff.j2)
    car_name = f"{car.plate_display or '—'} {car.make} {car.model}"
    facts = {"insurance": {"car": car_name, "expires": expiry.isoformat() if expiry else None}}
    opened = await handoff.open_ticket(
        context, user.id, kind="handoff", trigger="insurance_renewal", locale=locale, facts=facts,
        notify_customer=False,
    )  # fmt: skip
    await send(update, context, locale, "reminder_reply", None, step="insurance_requested", vehicle=car,
               desk=opened is not None)  # fmt: skip
    return ConversationHandler.END


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    return [
        CallbackQueryHandler(snooze, pattern=r"^rem:snooze:"),
        CallbackQueryHandler(gone, pattern=r"^rem:gone:"),
        CallbackQueryHandler(gone_answer, pattern=r"^rem:gone(yes|no):"),
    ]
