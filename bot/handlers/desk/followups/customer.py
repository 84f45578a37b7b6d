"""Follow-ups after a visit (the rating buttons and the optional comment) and complaints typed by customers.

A follow-up message comes from the outbox (bot.core.desk.followups.service) with five rating buttons `fu:rate:<id>:<n>`
signed for the customer. A press counts once, only from the customer whose car it asks about. Then:
- a rating at or below settings.follow_up_alert_rating opens a complaint ticket (bot.handlers.desk.handoff.tickets
  .open_ticket, trigger "follow_up", the visit and its advisor on the card) and mentions the supervisors in
  its topic; the customer is told that what they write now goes to the advisors (handoff's relay does that);
- otherwise the customer is thanked and asked for an optional comment (typed, or `fu:skip:<id>`); a comment
  that reads as a complaint opens the ticket the same way. Waiting for the comment is a persistent
  conversation state, so it survives a restart; text more than COMMENT_HOURS later is a new question.
- the comment question has "↩️ Back" (`fu:back:<id>`, or "back" typed): the rating question again (state
  RATING), where a rating button of that follow-up changes the rating given (only then: a rating button
  otherwise counts once) and what follows is what follows a first rating: a low one opens the complaint, a good
  one asks for the comment again. Text typed there is still the comment (a lone digit too: no flow takes a
  button's label typed at a question that does not show that button).

"我要投訴", "complaint" and the like (bot.core.desk.complaints.service.is_complaint_request) open a complaint ticket
that
escalates after settings.complaint_escalation_hours, acknowledged at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.common.locale import Locale
from bot.core.desk.complaints import service as complaints
from bot.core.desk.followups import service as followups
from bot.core.desk.followups.service import FEATURE, FollowUpView
from bot.db.common.base import utcnow
from bot.handlers.common import keyboards
from bot.handlers.common.context import CareContext, callback_data, customer_locale, refuse_button, send
from bot.handlers.common.flows import PRIVATE, TYPED_ANSWER, flow
from bot.handlers.desk.group import post_to_desk
from bot.handlers.desk.handoff import tickets as handoff
from bot.handlers.faq import questions as faq
from bot.handlers.front import start

COMMENT = "comment"  # a comment is awaited
RATING = "rating"  # "back" from the comment question: the rating question again, the comment still awaited
# user_data: {"id": follow-up id, "at": ISO time the comment was asked, "back": true once "back" was pressed}
WAITING = "followup_comment"
COMMENT_HOURS = 2


class ComplaintRequest(filters.MessageFilter):
    """Text that asks to complain, in any of the three languages (matched on the folded text)."""

    def filter(self, message: Message) -> bool:
        return complaints.is_complaint_request(message.text)


def _pressed(update: Update, context: CareContext, action: str) -> tuple[int, int] | None:
    """(follow-up id, rating or 0) of a genuine `fu:<action>:<id>[:<n>]` press, else None."""
    data = callback_data(update, context)
    wanted = 2 if action == "rate" else 1  # fu:skip:<id>, fu:back:<id>
    if data is None or data.feature != FEATURE or data.action != action or len(data.args) != wanted:
        return None
    if not all(arg.isdigit() for arg in data.args):
        return None
    return int(data.args[0]), int(data.args[1]) if action == "rate" else 0


async def open_complaint(
    update: Update, context: CareContext, locale: Locale, view: FollowUpView, rating: int | None, comment: str | None
) -> int | None:
    """A complaint ticket for a follow-up, its id linked to the follow-up, and the supervisors mentioned."""
    services, user = context.services, update.effective_user
    assert user is not None
    ticket = await handoff.open_ticket(
        context, user.id, kind="complaint", trigger="follow_up", locale=locale,
        facts=followups.card_facts(view, rating, comment),
        escalate_at=complaints.escalate_at(utcnow(), services.settings), notify_customer=False,
    )  # fmt: skip
    if ticket is None:
        return None
    topic = await followups.link_ticket(services, view.id, ticket, rating)
    car = followups.car_name(view)
    supervisors = complaints.mentions(await complaints.supervisors(services))
    text = services.messages.render(
        services.settings.default_locale, "followup_alert", rating=rating, comment=comment, car=car,
        visit_no=view.visit_no, advisor=view.advisor, supervisors=supervisors,
    )  # fmt: skip
    await post_to_desk(context, services, text, thread_id=topic)
    return ticket


async def rated(update: Update, context: CareContext) -> object:
    """A rating button: record it once (or change it, after "back"), thank, then open a complaint (low) or ask
    for a comment."""
    query, pressed = update.callback_query, _pressed(update, context, "rate")
    assert query is not None and context.user_data is not None
    waiting = _awaited(context)
    change = pressed is not None and waiting is not None and waiting["back"] and waiting["id"] == pressed[0]
    if change:  # taken now: a second press of the new rating finds the rating question gone
        context.user_data.pop(WAITING, None)
    result = (
        None if pressed is None
        else await followups.rate(context.services, query.from_user.id, *pressed, utcnow(), change=change)
    )  # fmt: skip
    if pressed is None or result is None or result.follow_up is None:
        await refuse_button(update, context)
        return None
    locale = await customer_locale(update, context)
    if result.outcome == "already":
        await query.answer(context.services.messages.label(locale, "followup_already"))
        return None
    await query.answer()
    ticket = await open_complaint(update, context, locale, result.follow_up, pressed[1], None) if result.alert else None
    ask = ticket is None and not result.in_chat
    markup = _skip_button(context, locale, query.from_user.id, pressed[0], back=not result.alert) if ask else None
    await send(update, context, locale, "followup_thanks", markup, rating=pressed[1], alert=result.alert,
               ticket=ticket, ask_comment=ask)  # fmt: skip
    if not ask:
        return ConversationHandler.END
    context.user_data[WAITING] = {"id": pressed[0], "at": utcnow().isoformat(), "back": False}
    return COMMENT


def _skip_button(
    context: CareContext, locale: Locale, user_id: int, follow_up_id: int, back: bool
) -> InlineKeyboardMarkup:
    """ "Skip", and "↩️ Back" to the rating after a good one (a low one is already with the advisors)."""
    services, label = context.services, context.services.messages.label(locale, "followup_skip")
    markup = keyboards.labelled(services, user_id, [(label, FEATURE, "skip", str(follow_up_id))])
    return keyboards.with_back(services, locale, user_id, FEATURE, markup, str(follow_up_id)) if back else markup


def _awaited(context: CareContext) -> dict[str, Any] | None:
    """{"id", "back"} of the follow-up whose comment is awaited, if it was asked for recently enough."""
    assert context.user_data is not None
    waiting = context.user_data.get(WAITING)
    if not isinstance(waiting, dict):
        return None
    asked = dt.datetime.fromisoformat(str(waiting.get("at")))
    if utcnow() - asked > dt.timedelta(hours=COMMENT_HOURS):
        return None
    return {"id": int(waiting["id"]), "back": bool(waiting.get("back"))}


def _waiting_for(context: CareContext) -> int | None:
    """The follow-up whose comment is awaited, if it was asked for recently enough (no longer awaited after)."""
    assert context.user_data is not None
    waiting = _awaited(context)
    context.user_data.pop(WAITING, None)
    return None if waiting is None else int(waiting["id"])


async def back(update: Update, context: CareContext) -> object:
    """ "↩️ Back" at the comment question: the rating question again, to change the rating given."""
    query, pressed, waiting = update.callback_query, _pressed(update, context, keyboards.BACK), _awaited(context)
    assert query is not None
    if pressed is None or waiting is None or waiting["back"] or waiting["id"] != pressed[0]:
        await refuse_button(update, context)  # a double tap, an old question's button, a forged one
        return None
    view = await _changeable(update, context, pressed[0])
    if view is None:
        await refuse_button(update, context)
        return None
    await query.answer()
    return await _rating_again(update, context, await customer_locale(update, context), view)


async def _changeable(update: Update, context: CareContext, follow_up_id: int) -> FollowUpView | None:
    """The customer's follow-up if its rating may still change: a good one, nothing following it yet."""
    assert update.effective_user is not None
    view = await followups.owned(context.services, update.effective_user.id, follow_up_id)
    good = view is not None and (view.rating or 0) > context.services.settings.follow_up_alert_rating
    return view if good and view is not None and view.comment is None and view.ticket_id is None else None


async def _rating_again(update: Update, context: CareContext, locale: Locale, view: FollowUpView) -> object:
    """The five rating buttons again, with the rating given; a press of one changes it (`rated`)."""
    services, user = context.services, update.effective_user
    assert context.user_data is not None and user is not None
    context.user_data[WAITING] = {"id": view.id, "at": utcnow().isoformat(), "back": True}
    markup = InlineKeyboardMarkup.de_json(followups.keyboard(services, locale, user.id, view.id), None)
    await send(update, context, locale, "followup_again", markup, rating=view.rating)
    return RATING


async def commented(update: Update, context: CareContext) -> object:
    """Text after a rating: the comment (a complaint opens a ticket); much later, a question for the FAQ."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.text is not None and user is not None
    waiting = _awaited(context)
    if waiting is not None and keyboards.typed_back(context.services, message.text):  # "back" typed, not pressed
        view = await _changeable(update, context, waiting["id"])
        if view is not None:
            return await _rating_again(update, context, await customer_locale(update, context, message.text), view)
    follow_up_id = _waiting_for(context)
    view = (
        None if follow_up_id is None else await followups.comment(context.services, user.id, follow_up_id, message.text)
    )
    if view is None:  # asked too long ago: a new request, not a comment
        await (complaint if complaints.is_complaint_request(message.text) else faq.question)(update, context)
        return ConversationHandler.END
    locale = await customer_locale(update, context, message.text)
    complains = complaints.reads_as_complaint(message.text)
    ticket = await open_complaint(update, context, locale, view, view.rating, message.text) if complains else None
    await send(update, context, locale, "followup_comment", skipped=False, complaint=complains, ticket=ticket)
    return ConversationHandler.END


async def skipped(update: Update, context: CareContext) -> object:
    """ "Skip": no comment; thank the customer."""
    query, pressed = update.callback_query, _pressed(update, context, "skip")
    assert query is not None and context.user_data is not None
    if pressed is None or await followups.owned(context.services, query.from_user.id, pressed[0]) is None:
        await refuse_button(update, context)
        return None
    await query.answer()
    context.user_data.pop(WAITING, None)
    locale = await customer_locale(update, context)
    await send(update, context, locale, "followup_comment", skipped=True, complaint=False, ticket=None)
    return ConversationHandler.END


async def cancel(update: Update, context: CareContext) -> object:
    """/cancel while a comment is awaited: no comment, the menu."""
    assert context.user_data is not None
    context.user_data.pop(WAITING, None)
    await start.left_flow(update, context, "followups")
    return ConversationHandler.END


async def complaint(update: Update, context: CareContext) -> None:
    """ "我要投訴", "I want to complain…": a complaint ticket, acknowledged at once."""
    message, user, settings = update.effective_message, update.effective_user, context.services.settings
    assert message is not None and message.text is not None and user is not None
    locale = await customer_locale(update, context, message.text)
    ticket = await handoff.open_ticket(
        context, user.id, kind="complaint", trigger="complaint", locale=locale, facts={"comment": message.text[:1000]},
        escalate_at=complaints.escalate_at(utcnow(), settings), notify_customer=False,
    )  # fmt: skip
    await send(
        update, context, locale, "complaint_ack", ticket=ticket, hours=round(settings.complaint_escalation_hours)
    )


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    conversation = flow(
        "followups",
        entry_points=[CallbackQueryHandler(rated, pattern=rf"^{FEATURE}:rate:")],
        states={
            state: [
                MessageHandler(TYPED_ANSWER, commented),
                CallbackQueryHandler(skipped, pattern=rf"^{FEATURE}:skip:"),
                CallbackQueryHandler(back, pattern=rf"^{FEATURE}:{keyboards.BACK}:"),
            ]
            for state in (COMMENT, RATING)
        },
        fallbacks=[CommandHandler("cancel", cancel, filters=PRIVATE)],
    )
    request = PRIVATE & filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND & ComplaintRequest()
    return [
        conversation,
        CallbackQueryHandler(skipped, pattern=rf"^{FEATURE}:skip:"),
        MessageHandler(request, complaint),
    ]
