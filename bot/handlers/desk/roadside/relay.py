"""What a customer sends while their roadside request is open: to the advisors, not to the FAQ.

From the request's creation until it is done or cancelled, a private message that no flow takes (the customer
did not start a booking meanwhile) is posted in the advisors' group as a reply to the request's alert, under a
header naming the customer and the request, visibly the customer's (bot.handlers.desk.handoff.relay), with the
advisor who claimed it mentioned, so they are notified; unclaimed, it sits under the alert for whoever claims it.
The customer is told where it went. The emergency numbers (bot.handlers.faq.questions, group -3) still come
first; an open handoff ticket takes the message instead (bot.handlers.desk.relays tries it first), and asking
for a person (「轉人工」) still opens one.
"""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.core.desk.roadside import repo as roadside_repo
from bot.core.desk.roadside.requests import RoadsideView
from bot.handlers.common.context import CareContext, conversations, customer_locale, send
from bot.handlers.desk.handoff import relay
from bot.handlers.desk.handoff.advisor import HUMAN_REQUEST
from bot.handlers.desk.handoff.tickets import message_kind
from bot.handlers.desk.roadside import advisors as roadside_desk

log = logging.getLogger(__name__)


async def open_request(context: CareContext, user_id: int) -> RoadsideView | None:
    """The customer's open roadside request, if any."""
    async with context.services.sessions() as session:
        return await roadside_repo.open_for_user(session, user_id)


async def relay_customer(update: Update, context: CareContext) -> None:
    """A private message while the customer's roadside request is open: under its alert for the advisors."""
    message, user, services = update.effective_message, update.effective_user, context.services
    if message is None or user is None or services.settings.advisor_group_id is None:
        return  # no desk: the customer was given the rescue line to call
    if any(handler.check_update(update) is not None for handler in conversations(context)):
        return  # a flow the customer is in takes its own answers
    if message.text and re.search(HUMAN_REQUEST, message.text):
        return  # 「轉人工」: a conversation with an advisor opens (bot.handlers.desk.handoff.advisor), relayed then
    view = await open_request(context, user.id)
    if view is None:
        return
    staff = await roadside_desk.staff_name(services, view.claimed_by)
    kind = message_kind(message)

    def header(body: str, what: str) -> str:
        return services.messages.render(services.settings.default_locale, "roadside_relayed", r=view,
                                        name=relay.sender_name(message), staff=staff, kind=what, body=body)  # fmt: skip

    alert = await roadside_desk.alert_message(services, view)
    try:
        await relay.into_desk(context, message, kind, header, reply_to=alert)
    except TelegramError as exc:  # the desk cannot be reached: the bot answers as it would otherwise
        log.warning("roadside #%s: could not pass the customer's message on: %s", view.id, exc)
        return
    locale = await customer_locale(update, context, message.text)
    await send(update, context, locale, "roadside_update", event="relayed", r=view, staff=staff)
    raise ApplicationHandlerStop
