"""/appointments: the customer's upcoming appointments, each with reschedule and cancel; and the day-before
reminder's "I'll be there".

`bk:resched:<id>` and `bk:cancel:<id>` are signed for the customer they were sent to, and the appointment is
looked up with that customer's id (bot.core.desk.booking.repo.owned), so nobody reaches another's booking. The
same buttons typed (「取消預約 #1」, "reschedule #2": bot.core.desk.booking.typed) do the same for the customer's own
open appointment of that number; another number is said to be none of theirs, with their list.
Rescheduling goes back to the day and time questions with the rest kept; the old place is given back only
when the new one is taken. Cancelling asks a reason (buttons, or typed; "another reason" asks it typed).
"↩️ Back" on the first question of either comes back here (bot.handlers.desk.booking.earlier.go_back). A second
tap on the same button while its question waits for an answer (a double tap, or the list's button again) is answered
with a short note, not with the question a second time.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import ConversationHandler, filters

from bot.core.common.locale import Locale
from bot.core.desk.booking.service import AppointmentView, describe
from bot.core.desk.booking.slots import ASKED, next_step
from bot.core.desk.booking.typed import typed_action
from bot.handlers.common import flows, keyboards
from bot.handlers.common.context import CareContext, callback_data, customer_locale, refuse_button, send
from bot.handlers.desk.booking import advisors as appointments_desk
from bot.handlers.desk.booking.steps import FEATURE, Answers, answers_of, ask, booking_desk, keep, now_local, retry

FIRST_QUESTION = {"resched": "day", "cancel": "reason"}  # what a move and a cancellation ask first


def _list_markup(
    context: CareContext, locale: Locale, user_id: int, items: list[AppointmentView]
) -> InlineKeyboardMarkup:
    label = context.services.messages.label
    buttons: list[tuple[str, str, str, str]] = []
    for found in items:
        buttons.append((f"{label(locale, 'bk_reschedule')} #{found.id}", FEATURE, "resched", str(found.id)))
        buttons.append((f"{label(locale, 'bk_cancel')} #{found.id}", FEATURE, "cancel", str(found.id)))
    buttons.append((label(locale, "bk_book"), "menu", "book", ""))
    return keyboards.labelled(context.services, user_id, buttons, columns=2)


async def list_appointments(update: Update, context: CareContext) -> None:
    """/appointments: what is booked from today on, with its buttons."""
    await _list(update, context, await customer_locale(update, context))


async def _list(update: Update, context: CareContext, locale: Locale, missing: int | None = None) -> None:
    """The customer's appointments from today on, with their buttons; `missing`: the number they typed that is none
    of their open appointments, said above the list."""
    assert update.effective_user is not None
    user_id = update.effective_user.id
    items = await booking_desk(context).upcoming(user_id, now_local(context).date())
    shown = [describe(found, context.services.dealer, locale) for found in items]
    await send(update, context, locale, "appointment_list", _list_markup(context, locale, user_id, items), items=shown,
               missing=missing)  # fmt: skip


async def offer_to_cancel_for_car(
    update: Update, context: CareContext, locale: Locale, vehicle_id: int, plate: str | None
) -> None:
    """After "no longer my car": the customer's upcoming bookings for that car, each with its cancel button (the
    same as in /appointments); nothing when there are none."""
    assert update.effective_user is not None
    user_id = update.effective_user.id
    items = await booking_desk(context).upcoming(user_id, now_local(context).date())
    for_car = [a for a in items if a.vehicle_id == vehicle_id or (plate is not None and a.plate == plate)]
    if not for_car:
        return
    label = context.services.messages.label
    buttons = [(f"{label(locale, 'bk_cancel')} #{a.id}", FEATURE, "cancel", str(a.id)) for a in for_car]
    markup = keyboards.labelled(context.services, user_id, buttons, columns=2)
    shown = [describe(found, context.services.dealer, locale) for found in for_car]
    await send(update, context, locale, "appointment_list", markup, items=shown, car_gone=True)


async def _pressed(update: Update, context: CareContext) -> AppointmentView | None:
    """The presser's own active appointment named by the button, else None (refused)."""
    data = callback_data(update, context)
    if data is None or not data.arg.isdigit() or update.effective_user is None:
        return None
    return await booking_desk(context).mine(update.effective_user.id, int(data.arg))


def _waiting(update: Update, context: CareContext, key: str, appointment_id: int) -> bool:
    """Whether the first question of this appointment's move ("resched") or cancellation ("cancel") is the one the
    booking flow waits an answer to."""
    answers = answers_of(context)
    return (answers.get(key) == appointment_id and not answers.get(ASKED)
            and next_step(answers) == FIRST_QUESTION[key] and flows.in_flow(update, context, "booking"))  # fmt: skip


async def _asked_already(update: Update, context: CareContext, key: str, appointment_id: int) -> bool:
    """A second tap while the question is waiting: a toast that it was asked above, and nothing sent."""
    query = update.callback_query
    if query is None or not _waiting(update, context, key, appointment_id):
        return False
    locale = await customer_locale(update, context)
    await query.answer(context.services.messages.label(locale, "bk_asked_already"))
    return True


async def reschedule(update: Update, context: CareContext) -> object:
    """ "Reschedule" (from the list or the reminder): ask the day and time again, keeping the rest."""
    found = await _pressed(update, context)
    if found is None:
        await refuse_button(update, context)
        return None
    if await _asked_already(update, context, "resched", found.id):
        return None
    assert update.callback_query is not None
    await update.callback_query.answer()
    return await _ask_move(update, context, await customer_locale(update, context), found)


async def _ask_move(update: Update, context: CareContext, locale: Locale, found: AppointmentView) -> object:
    """The move's first question (the day), the rest of the booking kept."""
    keep(context, {
        "resched": found.id, "source": found.source, "service": found.service_type, "branch": found.branch,
        "car": found.vehicle_id, "plate": found.plate, "car_name": found.plate or "", "mode": found.mode,
        "notes": found.notes or "", "phone": found.phone or "", "moved_from": [found.day.isoformat(), found.slot],
    })  # fmt: skip
    return await ask(update, context, locale)


async def ask_reason(update: Update, context: CareContext) -> object:
    """ "Cancel": ask why (the booking is cancelled once a reason is given)."""
    found = await _pressed(update, context)
    if found is None:
        await refuse_button(update, context)
        return None
    if await _asked_already(update, context, "cancel", found.id):
        return None
    assert update.callback_query is not None
    await update.callback_query.answer()
    return await _ask_reason(update, context, await customer_locale(update, context), found)


async def _ask_reason(update: Update, context: CareContext, locale: Locale, found: AppointmentView) -> object:
    """The cancellation's question: why (the booking is cancelled once a reason is given)."""
    keep(context, {"cancel": found.id})
    return await ask(update, context, locale)


class TypedAction(filters.MessageFilter):
    """「取消預約 #1」, "reschedule #2": an appointment's button typed with its number (bot.core.desk.booking.typed)."""

    def filter(self, message: Message) -> bool:
        return message.text is not None and typed_action(message.text) is not None


async def typed(update: Update, context: CareContext) -> object:
    """「取消預約 #1」 typed: the customer's own open appointment #1 gets the question its button asks; a number that
    is none of theirs is said, with their list."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.text is not None and user is not None
    action_number = typed_action(message.text)
    assert action_number is not None  # TypedAction let it through
    action, number = action_number
    locale = await customer_locale(update, context, message.text)
    found = await booking_desk(context).mine(user.id, number)
    if found is None:
        await _list(update, context, locale, missing=number)
        return None
    return await (_ask_move if action == "resched" else _ask_reason)(update, context, locale, found)


async def cancel_with(update: Update, context: CareContext, locale: Locale, answers: Answers, reason: str) -> object:
    """Cancel the appointment asked about with this reason, tell the customer and the desk."""
    assert update.effective_user is not None
    keep(context, None)
    found = await booking_desk(context).cancel(update.effective_user.id, int(answers["cancel"]), reason)
    if found is None:
        await retry(update, context, locale, "gone")
        return ConversationHandler.END
    a = describe(found, context.services.dealer, locale)
    await send(update, context, locale, "appointment_notice", None, event="cancelled", a=a)
    await appointments_desk.post_card(context, found, "cancelled")
    return ConversationHandler.END


async def coming(update: Update, context: CareContext) -> None:
    """The reminder's "I'll be there": thank the customer and tell the desk."""
    found = await _pressed(update, context)
    if found is None:
        return await refuse_button(update, context)
    assert update.callback_query is not None
    await update.callback_query.answer()
    locale = await customer_locale(update, context)
    a = describe(found, context.services.dealer, locale)
    await send(update, context, locale, "appointment_notice", None, event="coming", a=a)
    await appointments_desk.post_card(context, found, "coming")
