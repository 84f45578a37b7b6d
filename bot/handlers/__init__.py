"""Telegram handlers, one module per feature; the order of registration is decided here, once."""

from __future__ import annotations

from telegram.ext import Application

from bot.handlers import (
    advisor,
    appointments,
    errors,
    faq,
    flows,
    followups,
    handoff,
    language,
    membership,
    mycar,
    other,
    privacy,
    reminders,
    roadside,
    staff,
    start,
    warranty,
)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Conversations first (they own their commands, buttons and typed answers), then commands and buttons,
    then typed requests for a human, then free text, then everything else. Before group 0: `flows` (group -2:
    starting a flow ends the others) and the handoff relays (group -1)."""
    modules = (flows, membership, handoff, staff, appointments, roadside, followups, warranty, mycar, start, privacy,
               language, reminders, advisor, faq, other)  # fmt: skip
    for module in modules:
        application.add_handlers(module.handlers())
    application.add_error_handler(errors.on_error)  # type: ignore[arg-type]
