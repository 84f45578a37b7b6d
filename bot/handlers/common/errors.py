"""The one error handler: the log gets the context, the customer gets an apology, never a stack trace.

An update whose handler failed goes no further: the later handler groups would fail the same way (the
database is down) and apologise again, or answer a message meant for an advisor as a question.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.core.common.locale import DEFAULT_LOCALE, from_language_code
from bot.handlers.common.context import CareContext

log = logging.getLogger("bot.errors")


async def on_error(update: object, context: CareContext) -> None:
    """Log with context (update kind, chat id, handler error) and tell the customer something went wrong."""
    error = context.error
    if isinstance(update, Update):
        chat_id = update.effective_chat.id if update.effective_chat else None
        kind = next((k for k in ("message", "callback_query", "edited_message") if getattr(update, k)), "other")
        log.error("update %s (%s, chat %s) failed", update.update_id, kind, chat_id, exc_info=error)
    else:
        log.error("error outside an update", exc_info=error)
    if not isinstance(update, Update):
        return
    if update.effective_chat is not None and not isinstance(error, Forbidden):
        await _apologise(update, context)
    raise ApplicationHandlerStop  # one apology per update: the other groups do not run


async def _apologise(update: Update, context: CareContext) -> None:
    assert update.effective_chat is not None
    code = update.effective_user.language_code if update.effective_user else None
    locale = from_language_code(code) or DEFAULT_LOCALE
    text = context.services.messages.render(locale, "error")
    # Two independent sends: the button may have been answered already (Telegram then refuses a second
    # answer), which must not cost the customer the apology.
    if update.callback_query:
        try:
            await update.callback_query.answer()
        except TelegramError as exc:
            log.info("callback of update %s not answered: %s", update.update_id, exc)
    try:
        await update.effective_chat.send_message(text)
    except TelegramError:
        log.warning("could not tell chat %s about the error", update.effective_chat.id)
