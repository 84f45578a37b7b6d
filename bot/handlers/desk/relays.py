"""A customer's private message that a person at the desk is waiting for: to them, not to the FAQ.

One handler in group -1 (PTB runs only the first matching handler of a group, so the relays are tried here in
order): an open handoff ticket's topic first (bot.handlers.desk.handoff.tickets), else the alert of the
customer's open roadside request (bot.handlers.desk.roadside.relay). Each stops the update when it relayed it;
otherwise the update goes on to the flows, the commands and the FAQ. A flow takes its own answers first; the text it
cannot use at a question that wants a button goes to the advisor from the flow (tickets.pass_on), and asking for a
person ends the flow (the rules are in bot.handlers.desk.handoff.tickets).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.handlers.common.context import CareContext
from bot.handlers.desk.handoff import tickets as handoff
from bot.handlers.desk.roadside import relay as roadside


async def relay_customer(update: Update, context: CareContext) -> None:
    """The customer's message to the advisor they are talking to, or to those handling their roadside request."""
    await handoff.relay_customer(update, context)  # raises ApplicationHandlerStop when it relayed the message
    await roadside.relay_customer(update, context)


def handlers() -> dict[int, list[BaseHandler[Update, CareContext, None]]]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.COMMAND
    return {-1: [MessageHandler(private, relay_customer)]}
