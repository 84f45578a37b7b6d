"""The front door: /start (with deep links), /help, /cancel and the main menu's buttons."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.handlers.common import keyboards
from bot.handlers.common.context import CareContext, callback_data, customer_locale, refuse_button, send
from bot.handlers.desk.booking import manage as appointments
from bot.handlers.desk.group import in_desk_group, staff_member
from bot.handlers.desk.handoff import advisor
from bot.handlers.desk.handoff import tickets as handoff
from bot.handlers.front.commands import CUSTOMER_COMMANDS
from bot.handlers.garage import view as mycar_view

# `/start warranty` and the menu's warranty button open the check in bot.handlers.warranty.check, `/start mycar` and
# the menu's "my car" open bot.handlers.garage.mycar, `/start book` and the menu's "book" open the booking flow in
# bot.handlers.desk.booking.entry (all registered first); "mycar" here serves other callers.
DEEP_LINKS = {"book", "roadside", "advisor", "mycar"}


async def start(update: Update, context: CareContext) -> None:
    """Greet and show the main menu; `/start book` and friends jump straight to a capability."""
    locale = await customer_locale(update, context)
    user = update.effective_user
    assert user is not None
    link = context.args[0] if context.args else ""
    if link in DEEP_LINKS:
        await open_menu_item(update, context, link)
        return
    menu = keyboards.main_menu(context.services, locale, user.id)
    await send(update, context, locale, "welcome", menu, name=user.first_name or "")


async def help_command(update: Update, context: CareContext) -> None:
    """Explain what the bot does and list the commands: a customer's in private, and a staff member's own."""
    user = update.effective_user
    assert user is not None
    member = await staff_member(context, user.id)
    in_group = in_desk_group(update, context)
    if in_group and member is None:
        return  # the advisors' group: only staff get an answer there
    locale = context.services.settings.default_locale if in_group else await customer_locale(update, context)
    label = context.services.messages.label
    commands = [] if in_group else [(c, label(locale, f"command_{c}")) for c in CUSTOMER_COMMANDS]
    staff_commands = [(c, label(locale, f"command_{c}")) for c in member.commands] if member else []
    if in_group and update.effective_message is not None:  # in the topic it was asked in
        text = context.services.messages.render(locale, "help", commands=commands, staff_commands=staff_commands)
        await update.effective_message.reply_text(text)
        return
    markup = keyboards.main_menu(context.services, locale, user.id)
    await send(update, context, locale, "help", markup, commands=commands, staff_commands=staff_commands)


async def cancel(update: Update, context: CareContext) -> None:
    """Leave whatever was going on and go back to the menu."""
    locale = await customer_locale(update, context)
    user = update.effective_user
    assert user is not None
    menu = keyboards.main_menu(context.services, locale, user.id)
    await send(update, context, locale, "cancelled", menu, advisor=await handoff.talking_to_staff(context, user.id))


async def left_flow(
    update: Update, context: CareContext, flow: str, *, appointment: int | None = None, keyboard_down: bool = False
) -> None:
    """/cancel or /menu inside a flow: which flow was left and what stays as it was (「已取消」 alone read as the
    appointment cancelled), then the menu; a reply keyboard (share my location, my phone) is taken down by a
    message of its own, as one message cannot carry both."""
    locale = await customer_locale(update, context)
    user = update.effective_user
    assert user is not None
    menu = keyboards.main_menu(context.services, locale, user.id)
    facts = {"flow": flow, "appointment": appointment, "advisor": await handoff.talking_to_staff(context, user.id)}
    if keyboard_down:
        await send(update, context, locale, "flow_left", ReplyKeyboardRemove(), menu=False, **facts)
        await send(update, context, locale, "menu", menu)
    else:
        await send(update, context, locale, "flow_left", menu, menu=True, **facts)


async def menu_button(update: Update, context: CareContext) -> None:
    """A main-menu button (or an answer's action button) was pressed."""
    query = update.callback_query
    assert query is not None
    data = callback_data(update, context)
    if data is None or data.feature != "menu":
        await refuse_button(update, context)
        return
    await query.answer()
    await open_menu_item(update, context, data.action)


async def open_menu_item(update: Update, context: CareContext, item: str) -> None:
    """Open one menu item for the customer of this update."""
    locale = await customer_locale(update, context)
    user = update.effective_user
    assert user is not None
    services = context.services
    if item == "home":
        await send(update, context, locale, "menu", keyboards.main_menu(services, locale, user.id))
    elif item == "ask" and await handoff.talking_to_staff(context, user.id):  # their words go to the advisor
        end = handoff.end_button(context, locale, user.id)
        await send(update, context, locale, "handoff_update", end, event="busy")
    elif item == "ask":
        await send(update, context, locale, "ask_hint")
    elif item == "language":
        await send(update, context, locale, "language_choose", keyboards.languages(services, user.id))
    # menu:roadside and `/start roadside` open bot.handlers.desk.roadside.customer's flow first
    elif item == "roadside":
        await send(update, context, locale, "roadside_safety", region=services.dealer.region)
    elif item == "advisor":
        await advisor.request_human(update, context, locale, trigger="menu")
    elif item == "mycar":
        await mycar_view.show_garage(update, context, locale)
    elif item == "appointments":  # an answer's "My appointments" (moving or cancelling one): each with its buttons
        await appointments.list_appointments(update, context)
    else:
        await send(update, context, locale, "menu", keyboards.main_menu(services, locale, user.id))


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("start", start, filters=private),
        CommandHandler("help", help_command, filters=private | filters.ChatType.SUPERGROUP),
        CommandHandler("cancel", cancel, filters=private),
        CommandHandler("menu", cancel, filters=private),
        CallbackQueryHandler(menu_button, pattern=r"^menu:"),
    ]
