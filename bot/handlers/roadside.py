"""roadside (the service desk): not registered with handlers yet."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot.handlers.common import CareContext


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    return []
