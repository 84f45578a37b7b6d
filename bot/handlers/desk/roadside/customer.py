"""Roadside help, the customer's side: /roadside, `/start roadside`, the menu's and FAQ answers' roadside button.

The safety steps for the dealer's region and the 24-hour rescue line come at once; then four questions
(bot.core.desk.roadside.requests.next_step): the location (a `request_location` button, a venue, or a typed address),
the
problem (buttons), the plate (the customer's cars as buttons, or typed) and a phone to call back (the linked
one offered, a shared contact, or typed). The answers live in user_data, persisted with the conversation's
state, so a restart mid-flow continues. The request is then stored, confirmed with its number, and the
advisors' group is alerted (bot.handlers.desk.roadside.advisors). Trouble typed just before a roadside button
was pressed (the FAQ's answer to 「我的車在高速上爆胎了」 carries one) is kept as the problem. A customer with an
open request is shown it, with a cancel button, instead of starting a duplicate. A customer who asks for a person
mid-flow leaves it; what they had told it goes on the ticket's card (`gathered`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.common.identifiers import format_plate
from bot.core.common.locale import Locale
from bot.core.desk.roadside import repo as roadside_repo
from bot.core.desk.roadside.escalation import FEATURE
from bot.core.desk.roadside.requests import (
    NO_PLATE,
    PROBLEMS,
    RoadsideDraft,
    Step,
    go_back,
    handoff_facts,
    names_place,
    names_trouble,
    next_step,
    note_answered,
    reads_as_problem,
    take_address,
    take_described,
    take_phone,
    take_plate,
    take_point,
    take_problem,
)
from bot.core.outbox.store import enqueue_many
from bot.handlers.common import keyboards
from bot.handlers.common.context import (
    CareContext,
    Markup,
    callback_data,
    customer_locale,
    entered,
    refuse_button,
    send,
)
from bot.handlers.common.flows import PRIVATE, TYPED_ANSWER, flow, ways_in
from bot.handlers.desk.handoff.tickets import TRAIL_KEY
from bot.handlers.desk.roadside import advisors as roadside_desk
from bot.handlers.faq import questions as faq
from bot.handlers.front import start

LOCATION: Step = "location"
PROBLEM: Step = "problem"
PLATE: Step = "plate"
PLATE_BUTTONS = 10  # a fleet's cars beyond these are typed, not tapped
PHONE: Step = "phone"
DRAFT = "roadside"  # the user_data key of the answers so far


def _draft(context: CareContext) -> RoadsideDraft:
    assert context.user_data is not None
    return RoadsideDraft.from_json(context.user_data.get(DRAFT))


async def _known(update: Update, context: CareContext) -> tuple[list[tuple[int, str]], str | None]:
    """The customer's cars with a plate (vehicle id, plate) and their linked phone."""
    assert update.effective_user is not None
    services = context.services
    async with services.sessions() as session:
        customer_id = await roadside_repo.customer_id_of(session, update.effective_user.id)
        if customer_id is None:
            return [], None
        card = await roadside_repo.card(session, customer_id, services.settings.default_locale)
        return await roadside_repo.plates(session, customer_id), card.phone if card else None


def _reply_keyboard(
    label: str, *, location: bool = False, contact: bool = False, back: KeyboardButton | None = None
) -> ReplyKeyboardMarkup:
    button = KeyboardButton(label, request_location=location, request_contact=contact)
    rows = [[button], [back]] if back is not None else [[button]]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)


def _markup(
    context: CareContext, locale: Locale, user_id: int, draft: RoadsideDraft, cars: list[tuple[int, str]],
    phone: str | None,
) -> Markup:  # fmt: skip
    """The question's buttons: a location or contact reply keyboard, or inline choices; "↩️ Back" on every
    question after the first (on a reply keyboard it comes back as text)."""
    services, step, back = context.services, next_step(draft), bool(draft.asked)
    label = services.messages.label
    if step == LOCATION:
        return _reply_keyboard(label(locale, "rsd_share_location"), location=True)
    if step == PROBLEM:
        buttons = [(f"rsd_problem_{p}", FEATURE, "problem", p) for p in PROBLEMS]
        markup = keyboards.grid(services, locale, user_id, buttons, 2)
    elif step == PLATE:
        shown = cars[:PLATE_BUTTONS]  # the rest are typed (the question says so): 100 cars would be refused
        made = [(label(locale, "rsd_plate_car", plate=format_plate(p)), FEATURE, "plate", str(v)) for v, p in shown]
        made.append((label(locale, "rsd_plate_unknown"), FEATURE, "plate", "none"))
        markup = keyboards.labelled(services, user_id, made)
    elif phone:
        linked = [(label(locale, "rsd_phone_linked", phone=phone), FEATURE, "phone", "linked")]
        markup = keyboards.labelled(services, user_id, linked)
    else:
        back_key = keyboards.back_key(services, locale) if back else None
        return _reply_keyboard(label(locale, "rsd_share_phone"), contact=True, back=back_key)
    return keyboards.with_back(services, locale, user_id, FEATURE, markup) if back else markup


async def _ask(
    update: Update, context: CareContext, locale: Locale, draft: RoadsideDraft, reminder: bool, noted: bool = False
) -> Step:
    """Ask for the first missing answer, with its buttons (`noted`: the problem typed early was kept); returns
    its state."""
    assert update.effective_user is not None
    step = next_step(draft)
    cars, phone = await _known(update, context) if step in (PLATE, PHONE) else ([], None)
    markup = _markup(context, locale, update.effective_user.id, draft, cars, phone)
    hidden = max(len(cars) - PLATE_BUTTONS, 0) if step == PLATE else 0
    data = {"step": step, "reminder": reminder, "cars": bool(cars), "phone": phone, "hidden": hidden, "noted": noted}
    await send(update, context, locale, "roadside_ask", markup, **data)
    return step


async def _advance(update: Update, context: CareContext, locale: Locale, draft: RoadsideDraft) -> object:
    """Keep the answers, then ask the next question or store and confirm the request."""
    assert context.user_data is not None and update.effective_user is not None
    note_answered(draft)
    context.user_data[DRAFT] = draft.to_json()
    if next_step(draft) != "done":
        return await _ask(update, context, locale, draft, reminder=False)
    services = context.services
    if draft.key is None:  # a draft begun before drafts had keys
        draft.key = uuid.uuid4().hex
        context.user_data[DRAFT] = draft.to_json()
    async with services.sessions() as session:
        customer_id = await roadside_repo.customer_id_of(session, update.effective_user.id)
    assert customer_id is not None  # customer_locale() recorded the customer
    alert = await roadside_desk.alert_item(context, customer_id)
    async with services.sessions.begin() as session:  # the request and its alert, together or not at all
        now, minutes = dt.datetime.now(dt.UTC), services.settings.roadside_claim_minutes
        view, new = await roadside_repo.create(session, customer_id, draft, now, minutes)
        if new and (item := alert(view)) is not None:
            await enqueue_many(session, [item])
    context.user_data.pop(DRAFT, None)
    if new:
        await roadside_desk.alert(context, view)
    plate = format_plate(view.plate) if view.plate else None
    desk = services.settings.advisor_group_id is not None
    await send(update, context, locale, "roadside_confirmed", ReplyKeyboardRemove(), r=view, plate=plate, desk=desk)
    return ConversationHandler.END


async def begin(update: Update, context: CareContext) -> object:
    """Safety steps and the rescue line at once, then the first question (or the open request, if any)."""
    if not await entered(update, context):
        return None
    locale = await customer_locale(update, context)
    assert context.user_data is not None
    if await roadside_desk.show_open(update, context, locale):
        return ConversationHandler.END
    await send(update, context, locale, "roadside_safety", region=context.services.dealer.region)
    draft = RoadsideDraft(key=uuid.uuid4().hex)  # the request stored from it carries the key
    told = _trouble_told(update, context)
    if told is not None:  # kept as the problem; "↩️ Back" from the plate question changes it
        take_described(draft, told)
    context.user_data[DRAFT] = draft.to_json()
    return await _ask(update, context, locale, draft, reminder=False, noted=told is not None)


def _trouble_told(update: Update, context: CareContext) -> str | None:
    """The trouble the customer typed just before pressing a roadside button (「我的車在高速上爆胎了」, answered by
    the FAQ with that button): their newest FAQ question, when it names trouble with the car."""
    trail = (context.chat_data or {}).get(TRAIL_KEY) if update.callback_query is not None else None
    newest = trail[-1] if isinstance(trail, list) and trail and isinstance(trail[-1], dict) else {}
    question = newest.get("q")
    return question if isinstance(question, str) and names_trouble(question) else None


async def located(update: Update, context: CareContext) -> object:
    """A shared location or venue (a venue's name and address are kept too)."""
    message = update.effective_message
    assert message is not None and message.location is not None
    locale = await customer_locale(update, context)
    draft, venue = _draft(context), message.venue
    where = f"{venue.title}, {venue.address}" if venue else None
    if not take_point(draft, message.location.latitude, message.location.longitude, where):
        await send(update, context, locale, "roadside_retry", problem="address")
        return None
    await send(update, context, locale, "roadside_located", ReplyKeyboardRemove(), point=True, address=draft.address)
    return await _advance(update, context, locale, draft)


async def typed(update: Update, context: CareContext) -> object:
    """Text at a typed question: an address, a plate or a phone; re-asked with what was not understood."""
    message = update.effective_message
    assert message is not None and message.text is not None
    draft = _draft(context)
    step = next_step(draft)
    described = step == LOCATION and reads_as_problem(message.text)  # 「車頭冒煙」 at "where are you?"
    # An address, a plate (粤B…) or a phone says nothing about the customer's language; other text does.
    locale = await customer_locale(update, context, message.text if step == PROBLEM or described else None)
    if step != LOCATION and keyboards.typed_back(context.services, message.text):  # the reply keyboard's "back"
        return await _back(update, context, locale, draft)
    region = context.services.settings.phone_region
    not_phone = step == PHONE and take_phone(RoadsideDraft(), message.text, region) is not None
    if not_phone and take_plate(RoadsideDraft(), message.text) is None:  # a plate at "phone?": the plate changes
        take_plate(draft, message.text)
        return await _advance(update, context, locale, draft)
    if described:  # the problem, told before the place: kept (its question is skipped), the place asked again
        assert context.user_data is not None
        take_described(draft, message.text)
        context.user_data[DRAFT] = draft.to_json()
        return await _ask(update, context, locale, draft, reminder=False, noted=True)
    if step == LOCATION and _asks(context, message.text, locale):  # a question, not a place: answered as the
        await faq.question(update, context)  # booking flow answers one, then the place asked again
        return await _ask(update, context, await customer_locale(update, context, message.text), draft, False)
    if step == LOCATION:
        problem = None if take_address(draft, message.text) else "address"
    elif step == PLATE:
        problem = "plate" if take_plate(draft, message.text) else None
    elif step == PHONE:
        problem = "phone" if take_phone(draft, message.text, context.services.settings.phone_region) else None
    else:  # the problem typed instead of pressed: its words go to the advisors
        problem = None if take_described(draft, message.text) else "problem"
    if problem is not None:
        await send(update, context, locale, "roadside_retry", problem=problem)
        return None
    if step == LOCATION:  # the location keyboard goes down before the problem's buttons come up
        await send(
            update, context, locale, "roadside_located", ReplyKeyboardRemove(), point=False, address=draft.address
        )
    return await _advance(update, context, locale, draft)


def _asks(context: CareContext, text: str, locale: Locale) -> bool:
    """Whether text typed at "where are you?" is a question rather than a place: it ends with a question mark,
    or it names no place and the FAQ answers it outright (「國道一號南下 37K 爆胎」 is answered, and a place)."""
    if text.rstrip().endswith(("?", "？")):
        return True
    return not names_place(text) and context.services.faq.ask(text, locale).decision == "answer"


async def contact(update: Update, context: CareContext) -> object:
    """A shared contact at the phone question: its number is the one to call back."""
    message = update.effective_message
    assert message is not None and message.contact is not None
    locale = await customer_locale(update, context)
    draft = _draft(context)
    if take_phone(draft, message.contact.phone_number, context.services.settings.phone_region):
        await send(update, context, locale, "roadside_retry", problem="phone")
        return None
    return await _advance(update, context, locale, draft)


async def chosen(update: Update, context: CareContext) -> object:
    """A button of the question being asked (problem, plate, linked phone); any other is refused."""
    query, data = update.callback_query, callback_data(update, context)
    assert query is not None
    draft = _draft(context)
    if data is not None and data.action == keyboards.BACK and draft.asked:
        await query.answer()
        return await _back(update, context, await customer_locale(update, context), draft)
    if data is None or data.action != next_step(draft) or not await _take_choice(update, context, draft, data.arg):
        await refuse_button(update, context)
        return None
    await query.answer()
    return await _advance(update, context, await customer_locale(update, context), draft)


async def _back(update: Update, context: CareContext, locale: Locale, draft: RoadsideDraft) -> object:
    """The question answered before, again (its answer forgotten)."""
    assert context.user_data is not None
    draft = go_back(draft)
    context.user_data[DRAFT] = draft.to_json()
    return await _ask(update, context, locale, draft, reminder=False)


async def _take_choice(update: Update, context: CareContext, draft: RoadsideDraft, arg: str) -> bool:
    step = next_step(draft)
    if step == PROBLEM:
        return take_problem(draft, arg)
    cars, phone = await _known(update, context)
    if step == PLATE:
        plate = NO_PLATE if arg == "none" else dict((str(v), p) for v, p in cars).get(arg)
        draft.plate = plate
        return plate is not None
    if step == PHONE and arg == "linked" and phone:
        draft.phone = phone
        return True
    return False


async def cancel(update: Update, context: CareContext) -> object:
    """/cancel or /menu: forget the answers, take the reply keyboard down, show the menu."""
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)
    await start.left_flow(update, context, "roadside", keyboard_down=True)
    return ConversationHandler.END


async def ask_in(update: Update, context: CareContext, locale: Locale, state: object) -> bool:
    """After /language: the question the draft is at, again in the new language."""
    await _ask(update, context, locale, _draft(context), reminder=False)
    return True


def gathered(context: CareContext) -> dict[str, Any]:
    """What the customer told the flow so far (the place, the problem…), for the card of the ticket they leave it
    for when they ask for a person (bot.handlers.common.flows.gathered_facts)."""
    return handoff_facts(_draft(context), context.services.dealer.region)


async def stale(update: Update, context: CareContext) -> None:
    """A roadside button of an earlier question, or a forged one."""
    await refuse_button(update, context)


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    fresh = PRIVATE & filters.UpdateType.MESSAGE  # a live location's edits are not new answers
    text = filters.UpdateType.MESSAGE & TYPED_ANSWER
    buttons = [CallbackQueryHandler(chosen, pattern=rf"^{FEATURE}:(problem|plate|phone|back):")]
    # A location shared at a later question moves the place (an answer to the earlier question, taken).
    moved = MessageHandler(fresh & filters.LOCATION, located)
    conversation = flow(
        "roadside",
        entry_points=ways_in(begin, "roadside"),
        states={
            LOCATION: [MessageHandler(fresh & filters.LOCATION, located), MessageHandler(text, typed)],
            PROBLEM: [*buttons, moved, MessageHandler(text, typed)],
            PLATE: [*buttons, moved, MessageHandler(text, typed)],
            PHONE: [*buttons, moved, MessageHandler(fresh & filters.CONTACT, contact), MessageHandler(text, typed)],
        },
        fallbacks=[
            CommandHandler("cancel", cancel, filters=PRIVATE),
            CallbackQueryHandler(stale, pattern=rf"^{FEATURE}:(problem|plate|phone|back):"),
        ],
        ask_in=ask_in,
        gathered=gathered,
    )
    return [conversation, *roadside_desk.handlers()]
