"""The relays between a customer and the desk, both ways, in handler group -1 (PTB runs only the first matching
handler of a group, so each direction is one handler that tries the features in order).

A customer's private message that a person at the desk is waiting for goes to them, not to the FAQ: an open
handoff ticket's topic first (bot.handlers.desk.handoff.tickets), else the alert of the customer's open roadside
request (bot.handlers.desk.roadside.relay). Each stops the update when it relayed it; otherwise the update goes on
to the flows, the commands and the FAQ. One query first asks whether either is open (bot.core.desk.waiting):
nearly always neither, and then neither relay is tried. A flow takes its own answers first; the text it cannot use
at a question that wants a button goes to the advisor from the flow (tickets.pass_on), and asking for a person ends
the flow (the rules are in bot.handlers.desk.handoff.tickets).

An advisor's message in the advisors' group goes back the same way (bot.handlers.desk.group.copy_to_customer): a
message in a ticket's topic to that ticket's customer, a reply in General to a roadside request's alert (or to a
message under it) to that request's customer. Where that conversation is over, or went with its customer (/forget),
the advisor is told so in the group, never left with a message that vanished unsaid. Anything else in the group
(General, topics that never were a ticket's) is left to the other handlers, and so is whatever a bot sends: the
bot's own messages and other bots' are never answered (Telegram delivers neither to a bot, but a test server or a
relay may; a message an anonymous admin sends on behalf of the group is a person's and is treated as today).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.core.desk.waiting import desk_waits
from bot.handlers.common.context import CareContext
from bot.handlers.desk.handoff import tickets as handoff
from bot.handlers.desk.roadside import relay as roadside


async def relay_customer(update: Update, context: CareContext) -> None:
    """The customer's message to the advisor they are talking to, or to those handling their roadside request."""
    user, services = update.effective_user, context.services
    if update.effective_message is None or user is None or services.settings.advisor_group_id is None:
        return  # no desk: neither relay has anywhere to post
    waits = await desk_waits(services.sessions, user.id)
    if waits.ticket:
        await handoff.relay_customer(update, context)  # raises ApplicationHandlerStop when it relayed the message
    if waits.roadside:
        await roadside.relay_customer(update, context)


async def relay_staff(update: Update, context: CareContext) -> None:
    """An advisor's answer, in a ticket's topic or as a reply to a roadside request's message, to its customer."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or (user.is_bot and message.sender_chat is None):
        return  # a bot (this one, or another): nothing to relay, and no notice to answer it with
    await handoff.relay_staff(update, context)  # raises ApplicationHandlerStop when the topic is a ticket's
    await roadside.relay_staff(update, context)


def handlers() -> dict[int, list[BaseHandler[Update, CareContext, None]]]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.COMMAND
    staff = (
        filters.ChatType.SUPERGROUP & filters.UpdateType.MESSAGE & (filters.IS_TOPIC_MESSAGE | filters.REPLY)
        & ~filters.COMMAND & ~filters.StatusUpdate.ALL & ~filters.VIA_BOT
    )  # fmt: skip
    return {-1: [MessageHandler(private, relay_customer), MessageHandler(staff, relay_staff)]}
