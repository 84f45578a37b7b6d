"""/mycar's view: the customer's cars with their due dates and a row of buttons per car (bot.core.garage.cars)."""

from __future__ import annotations

from datetime import date, datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.core.common.locale import Locale
from bot.core.garage import cars as garage
from bot.core.garage.cars import DueRules, Garage
from bot.core.services import Services
from bot.handlers.common import keyboards
from bot.handlers.common.context import LAST_PRESS, CareContext, send

FEATURE = "mycar"  # callback data: mycar:<action>[:<vehicle id>]
CONSENT = "consent"  # the flow's state while the privacy notice waits for an answer (typed words: mycar.consent_typed)
# user_data: the privacy notice's message id and the customer's last button press when it was sent (notice_on_screen)
NOTICE = "consent_notice"


def today(context: CareContext) -> date:
    """Today in the dealer's time zone (DESIGN.md, decision 8)."""
    return datetime.now(context.services.settings.tz).date()


def due_rules(services: Services) -> DueRules:
    """The schedules, inspection region and 三包 periods of this deployment."""
    schedule = garage.load_schedule(services.settings.knowledge_dir)
    return DueRules(schedule, services.dealer.region, services.warranty)


def garage_keyboard(services: Services, locale: Locale, user_id: int, found: Garage) -> InlineKeyboardMarkup:
    """Per car: update the odometer, no longer my car; then link by phone (when not linked), add a car, menu."""
    label = services.messages.label
    per_car = [
        button
        for car in found.cars
        for button in (
            (label(locale, "mycar_odo", car=car.name), FEATURE, "odo", str(car.id)),
            (label(locale, "mycar_gone", car=car.name), FEATURE, "gone", str(car.id)),
        )
    ]
    rows = list(keyboards.labelled(services, user_id, per_car, columns=2).inline_keyboard)
    after = [("mycar_link", FEATURE, "link", "")] if not found.phone_linked else []
    after += [("mycar_add", FEATURE, "add", ""), ("mycar_settings", "set", "show", "")]
    after.append(("back_to_menu", "menu", "home", ""))
    rows += keyboards.grid(services, locale, user_id, after, columns=2).inline_keyboard
    return InlineKeyboardMarkup(rows)


async def ask_consent(update: Update, context: CareContext, locale: Locale) -> str:
    """The privacy notice, shown before anything personal is asked: agree, or keep using the FAQ only. Returns
    the state that waits for it, so "I agree" or 「不要」 typed instead of tapped is read as the button."""
    assert update.effective_user is not None
    buttons = [("mycar_consent_yes", FEATURE, "consent", ""), ("mycar_consent_no", FEATURE, "decline", "")]
    sent = await send(update, context, locale, "privacy_notice", keyboards.grid(context.services, locale,
                      update.effective_user.id, buttons, columns=2))  # fmt: skip
    if context.user_data is not None:
        context.user_data[NOTICE] = [sent.message_id, context.user_data.get(LAST_PRESS)]
    return CONSENT


def notice_on_screen(context: CareContext) -> bool:
    """Whether the privacy notice is still what the customer answers: no button of another message was pressed
    since it was sent (a plain menu button moves on: an "ok" typed after it is not consent)."""
    notice = (context.user_data or {}).get(NOTICE)
    if not isinstance(notice, list) or len(notice) != 2:
        return True  # a notice sent before this was kept (a conversation persisted across an upgrade): as before
    message_id, press_then = notice
    press_now = (context.user_data or {}).get(LAST_PRESS)
    return press_now == press_then or (isinstance(press_now, list) and press_now[:1] == [message_id])


async def ask_phone(update: Update, context: CareContext, locale: Locale) -> None:
    """The request_contact keyboard: one tap shares the customer's own number."""
    await send(update, context, locale, "share_phone", keyboards.share_phone(context.services, locale))


async def show_garage(
    update: Update, context: CareContext, locale: Locale, notice: str = "", subject: str = "", km: int = 0
) -> object:
    """/mycar: the privacy notice first if not agreed yet (returns its state), else every car (or how to add one;
    returns the end of the flow).

    `notice` puts a line above the cars: "registered", "released" or "odometer" (with `subject`, `km`).
    """
    user, services = update.effective_user, context.services
    assert user is not None
    async with services.sessions() as session:
        found = await garage.load_garage(session, user.id, today(context), due_rules(services))
    if not found.consented:
        return await ask_consent(update, context, locale)
    markup = garage_keyboard(services, locale, user.id, found)
    await send(update, context, locale, "garage", markup, g=found, notice=notice, subject=subject, km=km)
    return ConversationHandler.END
