"""Telegram handlers, one module per feature; the order of registration is decided here, once."""

from __future__ import annotations

from telegram.ext import Application

from bot.handlers import advisor, errors, faq, language, other, start


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Commands and buttons first, then typed requests for a human, then free text, then everything else."""
    for module in (start, language, advisor, faq, other):
        application.add_handlers(module.handlers())
    application.add_error_handler(errors.on_error)  # type: ignore[arg-type]
