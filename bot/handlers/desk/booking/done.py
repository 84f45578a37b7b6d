"""After "Done" on a maintenance booking: the advisor who pressed it is asked, in the card's topic, for the
odometer reading and the work done (each may be skipped), and the visit is completed with them
(bot.core.desk.booking.visits), so the car's next service counts from it.

The questions wait in that advisor's user_data (persisted, so a restart keeps them); only their reply in the same
chat and topic is taken, and it stops there (the handoff relay never copies it to a customer). A reading lower
than one on file, or an implausible jump, is named with a button to confirm it: confirming a lower one is the
staff correction of the car's odometer (logged, no message text). Buttons: `appt:v<what>:<id>[:<km>]`, signed for
the group; a second press finds the question answered and changes nothing.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, filters

from bot.core.common.callbacks import CallbackData
from bot.core.common.dates import km_problem, parse_km
from bot.core.common.identifiers import format_plate
from bot.core.desk.booking import visits
from bot.core.desk.booking.service import AppointmentView
from bot.core.garage import odometer
from bot.core.staff.roles import StaffMember
from bot.handlers.common.context import CareContext
from bot.handlers.desk.booking.steps import now_local
from bot.handlers.desk.group import desk_keyboard, in_desk_group, staff_member

FEATURE = "appt"
PENDING = "appt_visit"  # the advisor's user_data: {"id", "plate", "step": "km" | "work", "km", "correct", "thread"}
ACTIONS = ("vskip", "vok", "vfix", "vwork")  # no reading · the reading is right · correct to it · no work line


def _keyboard(context: CareContext, pending: dict[str, Any], *extra: tuple[str, str]) -> InlineKeyboardMarkup | None:
    """The question's buttons: `extra` (action, km) first, then its skip."""
    services, locale, id_ = context.services, context.services.settings.default_locale, str(pending["id"])
    label = services.messages.label
    rows = [[(label(locale, f"appt_km_{'ok' if a == 'vok' else 'fix'}", km=f"{int(km):,}"), FEATURE, a, (id_, km))]
            for a, km in extra]  # fmt: skip
    skip = "vskip" if pending["step"] == "km" else "vwork"
    rows.append([(label(locale, "appt_km_skip" if skip == "vskip" else "appt_work_skip"), FEATURE, skip, (id_,))])
    return desk_keyboard(services, rows)


async def _say(
    context: CareContext, chat_id: int, pending: dict[str, Any], markup: InlineKeyboardMarkup | None, **data: Any
) -> None:
    services = context.services
    shown = {"step": None, "problem": None, "km": None, **data}
    text = services.messages.render(services.settings.default_locale, "visit_entry", id=pending["id"],
                                    plate=pending["plate"], **shown)  # fmt: skip
    await context.bot.send_message(chat_id, text, reply_markup=markup, message_thread_id=pending.get("thread"))


async def ask_visit(update: Update, context: CareContext, found: AppointmentView) -> None:
    """Done on a maintenance booking with a car: ask the advisor who pressed it for the odometer reading."""
    query = update.callback_query
    assert query is not None and query.message is not None and context.user_data is not None
    car = await visits.visit_car(context.services.sessions, found.id)
    plate = format_plate(found.plate or (car[1] if car else "")) if (found.plate or car) else ""
    pending = {"id": found.id, "plate": plate, "step": "km", "km": None, "correct": False,
               "thread": getattr(query.message, "message_thread_id", None)}  # fmt: skip
    context.user_data[PENDING] = pending
    await _say(context, query.message.chat.id, pending, _keyboard(context, pending), step="km")


async def typed(update: Update, context: CareContext) -> None:
    """The advisor's reply to the odometer or work question; anything else passes on untouched."""
    message, pending = update.effective_message, (context.user_data or {}).get(PENDING)
    if message is None or message.text is None or not pending or not in_desk_group(update, context):
        return
    if message.message_thread_id != pending.get("thread") and pending.get("thread") is not None:
        return
    member = await staff_member(context, update.effective_user.id if update.effective_user else None)
    if member is None or not member.can("advisor"):
        return
    text, chat_id = message.text.strip(), message.chat.id
    if pending["step"] == "km":
        await _typed_km(context, chat_id, pending, text)
    elif len(text) > visits.WORK_MAX:
        await _say(context, chat_id, pending, _keyboard(context, pending), problem="work_too_long")
    else:
        await _finish(context, chat_id, pending, member, text)
    raise ApplicationHandlerStop  # the answer is the bot's, never relayed to a customer


async def _typed_km(context: CareContext, chat_id: int, pending: dict[str, Any], text: str) -> None:
    km = parse_km(text)
    if km is None:
        await _say(context, chat_id, pending, _keyboard(context, pending), problem=km_problem(text))
        return
    found = await visits.visit_car(context.services.sessions, pending["id"])
    if found is None:  # the visit went (the customer's data was forgotten): nothing to record
        context.user_data.pop(PENDING, None)  # type: ignore[union-attr]
        return
    async with context.services.sessions() as session:
        check = await odometer.check_km(session, found[0], km, now_local(context).date(),
                                        context.services.settings.odometer_max_daily_km,
                                        f"visit:{visits.visit_no(pending['id'])}")  # fmt: skip
    if check.status == "ok":
        await _ask_work(context, chat_id, pending, km, correct=False)
        return
    confirm = ("vfix" if check.status == "lower" else "vok", str(km))
    await _say(context, chat_id, pending, _keyboard(context, pending, confirm), problem=check.status, km=km,
               on_file_km=check.on_file_km, on_file_day=check.on_file_day)  # fmt: skip


async def _ask_work(context: CareContext, chat_id: int, pending: dict[str, Any], km: int | None, correct: bool) -> None:
    pending.update(step="work", km=km, correct=correct)
    context.user_data[PENDING] = pending  # type: ignore[index]
    await _say(context, chat_id, pending, _keyboard(context, pending), step="work", km=km)


async def _finish(
    context: CareContext, chat_id: int, pending: dict[str, Any], member: StaffMember, work: str | None
) -> None:
    entry = visits.VisitEntry(pending["id"], pending["km"], work, pending["correct"])
    done = await visits.complete_visit(context.services.sessions, entry, member.telegram_user_id,
                                       now_local(context).date())  # fmt: skip
    if done is not None and done[1] is not None:  # a repair order on file says more: ask the reading again
        refused = done[1]
        pending.update(step="km", km=None, correct=False)
        context.user_data[PENDING] = pending  # type: ignore[index]
        await _say(context, chat_id, pending, _keyboard(context, pending), problem=refused.status,
                   km=refused.km, on_file_km=refused.on_file_km, on_file_day=refused.on_file_day)  # fmt: skip
        return
    context.user_data.pop(PENDING, None)  # type: ignore[union-attr]
    await _say(context, chat_id, pending, None, step="recorded", km=pending["km"], work=work)


async def pressed(update: Update, context: CareContext, data: CallbackData, member: StaffMember) -> None:
    """No reading / it's right / correct to it / no work line: only for the question still open."""
    query, pending = update.callback_query, (context.user_data or {}).get(PENDING)
    assert query is not None and query.message is not None
    step = {"vskip": "km", "vok": "km", "vfix": "km", "vwork": "work"}[data.action]
    if not pending or str(pending["id"]) != data.arg or pending["step"] != step:
        services = context.services
        await query.answer(services.messages.label(services.settings.default_locale, "button_expired"))
        return
    await query.answer()
    chat_id = query.message.chat.id
    if data.action == "vwork":
        await _finish(context, chat_id, pending, member, None)
    elif data.action == "vskip":
        await _ask_work(context, chat_id, pending, None, correct=False)
    elif len(data.args) > 1 and data.args[1].isdigit():
        await _ask_work(context, chat_id, pending, int(data.args[1]), correct=data.action == "vfix")


def handlers() -> dict[int, list[BaseHandler[Update, CareContext, None]]]:
    """Before the handoff relays (group -1) and the flows (-2): an advisor's answer must not reach a customer."""
    group_text = filters.ChatType.SUPERGROUP & filters.TEXT & ~filters.COMMAND
    return {-3: [MessageHandler(group_text, typed)]}
