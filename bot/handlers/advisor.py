"""Talking to a person. Until the advisors' supergroup handoff lands, the customer gets the hotline."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.core.locale import Locale
from bot.core.warranty_chat import WarrantyOutcome
from bot.handlers.common import CareContext, customer_locale, send

# "talk to a human" typed in any language goes straight here instead of through the FAQ matcher.
HUMAN_REQUEST = (
    r"(?i)^\s*(轉人工|转人工|人工客服|人工服務|人工服务|真人|找人|找客服|找顧問|找顾问|我要人工|"
    r"talk to (a )?(human|person|real person|agent|advisor|adviser)|human( please)?|real person|agent)"
    r"\s*[.!?。！？]*\s*$"
)


async def request_human(
    update: Update, context: CareContext, locale: Locale, trigger: str, case: WarrantyOutcome | None = None
) -> None:
    """The customer wants a person: give them the ways to reach one now.

    `case` is what a flow gathered (the warranty check's outcome). Until the advisors' supergroup handoff
    exists, the customer gets it as a short summary to quote on the phone; the handoff will post it to the
    customer's topic instead.
    """
    await send(update, context, locale, "advisor_interim", trigger=trigger, case=case)


async def typed_request(update: Update, context: CareContext) -> None:
    """ "轉人工", "human please" and the like."""
    message = update.effective_message
    assert message is not None
    locale = await customer_locale(update, context, message.text)
    await request_human(update, context, locale, trigger="typed")


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [MessageHandler(private & filters.Regex(HUMAN_REQUEST), typed_request)]
