"""Staff and events: `/checkin` lists the upcoming events with a button each (`evci:ls:<event>`) that opens its
attendee list, as `/checkin <event>` does: the people going (and waiting) with a button per person not yet checked
in (`evci:<event>:<customer>`). Every button is signed for the staff member who asked.
Advisors and up (bot.core.staff.roles); replies in the dealer's default locale, as the desk's are."""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core.events import actions
from bot.handlers.common.context import CareContext, callback_data
from bot.handlers.desk.group import require_staff

FEATURE = "evci"


async def _attendees(update: Update, context: CareContext, event_id: int, user_id: int, edit: bool) -> None:
    services = context.services
    locale = services.settings.default_locale
    found = await actions.attendee_list(services, event_id, locale)
    message = update.effective_message
    assert message is not None
    if found is None:
        await _upcoming(update, context, user_id)
        return
    event, people = found
    buttons = [[InlineKeyboardButton(services.messages.label(locale, "ev_checkin", name=p.name or f"#{p.customer_id}"),
                                     callback_data=services.callbacks.pack(user_id, FEATURE, str(event_id),
                                                                           str(p.customer_id)))]
               for p in people if not p.checked_in and p.answer == "going"]  # fmt: skip
    checked = ", ".join(p.name or f"#{p.customer_id}" for p in people if p.checked_in) or None
    text = services.messages.render(locale, "event_attendees", e=event, attendees=people, checked=checked)
    markup = InlineKeyboardMarkup(buttons) if buttons else None
    if edit:
        await message.edit_text(text, reply_markup=markup)
    else:
        await message.reply_text(text, reply_markup=markup)


async def _upcoming(update: Update, context: CareContext, user_id: int) -> None:
    """The upcoming events, a button each that opens its attendee list (the text alone when there are none)."""
    services, message = context.services, update.effective_message
    assert message is not None
    locale = services.settings.default_locale
    events = await actions.staff_upcoming(services, locale, dt.datetime.now(dt.UTC))
    day_time = services.messages.day_time
    buttons = [[InlineKeyboardButton(services.messages.label(locale, "ev_open", id=e.id, title=e.title,
                                                             starts=day_time(locale, e.start),
                                                             going=e.going, capacity=e.capacity),
                                     callback_data=services.callbacks.pack(user_id, FEATURE, "ls", str(e.id)))]
               for e in events]  # fmt: skip
    await message.reply_text(services.messages.render(locale, "event_staff_reply", events=events),
                             reply_markup=InlineKeyboardMarkup(buttons) if buttons else None)  # fmt: skip


async def checkin_command(update: Update, context: CareContext) -> None:
    """/checkin [event id]: the attendee list with check-in buttons, or the upcoming events."""
    member = await require_staff(update, context, "advisor")
    if member is None:
        return
    args = context.args or []
    event_id = int(args[0]) if args and args[0].isdigit() else 0
    await _attendees(update, context, event_id, member.telegram_user_id, edit=False)


async def checkin_button(update: Update, context: CareContext) -> None:
    """An event's button (its attendee list, as a new message) or a person's (check them in, refresh the list)."""
    member = await require_staff(update, context, "advisor")
    if member is None:
        return
    data, query = callback_data(update, context), update.callback_query
    assert query is not None
    if data is not None and data.feature == FEATURE and data.action == "ls" and data.arg.isdigit():
        await query.answer()
        await _attendees(update, context, int(data.arg), member.telegram_user_id, edit=False)
        return
    if data is None or data.feature != FEATURE or not data.action.isdigit() or not data.arg.isdigit():
        await query.answer(context.services.messages.label(context.services.settings.default_locale,
                                                           "button_expired"), show_alert=True)  # fmt: skip
        return
    await actions.check_in(context.services, int(data.action), int(data.arg), member.telegram_user_id,
                           dt.datetime.now(dt.UTC))  # fmt: skip
    await query.answer()
    await _attendees(update, context, int(data.action), member.telegram_user_id, edit=True)


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    return [CommandHandler("checkin", checkin_command), CallbackQueryHandler(checkin_button, pattern=rf"^{FEATURE}:")]
