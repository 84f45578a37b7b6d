"""One flow at a time per customer: starting a flow ends the one they were in.

Every conversation (booking, roadside help, the warranty check, my car, a follow-up's comment) waits for typed
answers in the same handler group, so without this a customer who leaves a booking at "which day?" and opens
roadside help from the menu would have their next answer read as a booking date by whichever conversation was
registered first. A command or a button that enters another conversation now ends the others first.

python-telegram-bot has no public way to end a conversation from outside it; this uses the same private calls
its own timeout does (`_get_key`, `_update_state`), pinned with the library version in pyproject.toml and
covered by tests/handlers/test_flows.py.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, ConversationHandler, TypeHandler

from bot.handlers.common import CareContext


def _active(handler: ConversationHandler, update: Update) -> bool:  # type: ignore[type-arg]
    return handler._get_key(update) in handler._conversations


async def one_flow_at_a_time(update: Update, context: CareContext) -> None:
    """Before anything else: a command or button that starts a conversation ends the customer's other ones."""
    chat = update.effective_chat
    is_command = update.message is not None and (update.message.text or "").startswith("/")
    if chat is None or chat.type != "private" or not (is_command or update.callback_query is not None):
        return
    conversations = [h for h in context.application.handlers.get(0, []) if isinstance(h, ConversationHandler)]
    entering = [h for h in conversations if not _active(h, update) and h.check_update(update) is not None]
    if not entering:
        return
    for handler in conversations:
        if handler not in entering and _active(handler, update):
            handler._update_state(ConversationHandler.END, handler._get_key(update))


def handlers() -> dict[int, list[BaseHandler[Update, CareContext, None]]]:
    return {-2: [TypeHandler(Update, one_flow_at_a_time)]}
