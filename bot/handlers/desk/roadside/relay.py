"""What a customer sends while their roadside request is open, to the advisors (not to the FAQ); what an advisor
replies under the request's alert, to the customer.

From the request's creation until it is done or cancelled, a private message that no flow takes (the customer
did not start a booking meanwhile) is posted in the advisors' group as a reply to the request's alert, under a
header naming the customer and the request, visibly the customer's (bot.handlers.desk.handoff.relay), with the
advisor who claimed it mentioned, so they are notified; unclaimed, it sits under the alert for whoever claims it.
The customer is told where it went. The emergency numbers (bot.handlers.faq.questions, group -3) still come
first; an open handoff ticket takes the message instead (bot.handlers.desk.relays tries it first), and asking
for a person (「轉人工」) still opens one. The messages posted are noted as the request's.

The way back is a ticket's (bot.handlers.desk.group.copy_to_customer): an advisor's reply, in the group's General
chat, to the alert, to the location under it, to a message relayed under it or to a colleague's answer, is copied to
the request's customer, and is itself noted so a reply to it goes too. Only an advisor may; a request that is done
or cancelled is not written to, and the advisor is told so under their message, as when the customer blocked the
bot.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from functools import partial

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.core.desk.roadside import repo as roadside_repo
from bot.core.desk.roadside.requests import RoadsideView
from bot.core.outbox import store as outbox
from bot.handlers.common.context import CareContext, conversations, customer_locale, send
from bot.handlers.desk.group import copy_to_customer, in_desk_group
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
        posted = await relay.into_desk(context, message, kind, header, reply_to=alert)
    except TelegramError as exc:  # the desk cannot be reached: the bot answers as it would otherwise
        log.warning("roadside #%s: could not pass the customer's message on: %s", view.id, exc)
        return
    await roadside_desk.note_messages(services, view, posted)  # an advisor's reply to one reaches the customer
    locale = await customer_locale(update, context, message.text)
    await send(update, context, locale, "roadside_update", event="relayed", r=view, staff=staff)
    raise ApplicationHandlerStop


async def relay_staff(update: Update, context: CareContext) -> None:
    """An advisor's reply in the advisors' group to one of a roadside request's messages: to its customer."""
    message, services = update.effective_message, context.services
    replied = message.reply_to_message if message is not None else None
    if message is None or replied is None or message.is_topic_message or not in_desk_group(update, context):
        return  # a topic's message is a ticket's (bot.handlers.desk.handoff.tickets.relay_staff)
    async with services.sessions() as session:
        noted, view = await roadside_repo.by_message(session, message.chat_id, replied.message_id)
    if not noted:
        return  # a reply to something else (a booking's card, a colleague): not for a customer
    card = await roadside_desk.customer_card(services, view) if view is not None else None
    chat_id = card.chat_id if card is not None else None
    member = await copy_to_customer(
        update, context, chat_id, view is not None and view.is_open,
        closed=partial(_tell_advisor, context, message, view, "closed" if view is not None else "gone"),
        blocked=partial(_unreachable, context, message, view, chat_id),
    )  # fmt: skip
    if member is not None and view is not None:
        await roadside_desk.note_messages(services, view, [message.message_id])  # a reply to this answer goes too
    raise ApplicationHandlerStop


async def _tell_advisor(context: CareContext, message: Message, view: RoadsideView | None, event: str) -> None:
    """Why the advisor's reply did not reach the customer, under it (staff locale)."""
    services = context.services
    text = services.messages.render(services.settings.default_locale, "roadside_desk_note", event=event, r=view)
    await message.reply_text(text)


async def _unreachable(
    context: CareContext, message: Message, view: RoadsideView | None, chat_id: int | None
) -> None:
    """Telegram answered 403: the customer blocked the bot. Mark the chat, tell the advisor (the phone is on the
    alert)."""
    if chat_id is not None:
        async with context.services.sessions.begin() as session:
            await outbox.set_chat_reachable(session, chat_id, False, "blocked the bot", dt.datetime.now(dt.UTC))
    await _tell_advisor(context, message, view, "blocked")
