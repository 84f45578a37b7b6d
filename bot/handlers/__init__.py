"""Telegram handlers, one module per feature; the order of registration is decided here, once."""

from __future__ import annotations

from telegram.ext import Application

from bot.handlers import (
    advisor,
    errors,
    faq,
    language,
    membership,
    mycar,
    other,
    privacy,
    reminders,
    start,
    warranty,
)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Conversations first (they own their commands, buttons and typed answers), then commands and buttons,
    then typed requests for a human, then free text, then everything else."""
    for module in (membership, warranty, mycar, start, privacy, language, reminders, advisor, faq, other):
        application.add_handlers(module.handlers())
    application.add_error_handler(errors.on_error)  # type: ignore[arg-type]
