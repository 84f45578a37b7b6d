"""Talking to a person: open a handoff ticket (bot.handlers.desk.handoff.tickets); with no advisors' group, the
hotline."""

from __future__ import annotations

import html
import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.core.common.locale import Locale
from bot.core.desk.handoff.tickets import add_to_trail
from bot.core.warranty.outcome import WarrantyOutcome
from bot.handlers.common.context import CareContext, customer_locale, send
from bot.handlers.desk.handoff import tickets as handoff

# "talk to a human" typed in any language goes straight here instead of through the FAQ matcher.
HUMAN_REQUEST = (
    r"(?i)^\s*(轉人工|转人工|人工客服|人工服務|人工服务|真人|找人|找客服|找顧問|找顾问|我要人工|"
    r"(我)?(要|想)?找真人|我要真人|我想跟真人說話|我想跟真人说话|"
    r"talk to (a )?(human|person|real person|agent|advisor|adviser)|human( please)?|real person|agent|"
    r"i (need|want) (to talk to |to speak to )?(a )?(real person|human|person)|"
    r"(can|could) i (talk|speak) (to|with) (someone|somebody|a person|a human|a real person))"
    r"\s*[.!?。！？]*\s*$"
)
_TAG = re.compile(r"<[^>]+>")


def remember_question(context: CareContext, question: str, decision: str) -> None:
    """Keep the customer's last few FAQ questions for a handoff's card. In chat_data, which lives in memory only
    (bot.handlers.common.persistence stores user_data alone), so an FAQ question still costs no database write; a
    restart
    forgets the trail, which is fine for a hint to the advisor."""
    if context.chat_data is not None:
        trail = context.chat_data.get(handoff.TRAIL_KEY)
        context.chat_data[handoff.TRAIL_KEY] = add_to_trail(trail, question, decision)


def case_facts(context: CareContext, case: WarrantyOutcome) -> dict[str, Any]:
    """The warranty check's case for the card: its summary in the staff locale, as plain text."""
    services = context.services
    rendered = services.messages.render(services.settings.default_locale, "handoff_case", case=case)
    plain = html.unescape(_TAG.sub("", rendered))
    return {"warranty": plain.partition("\n")[2].strip() or plain}  # without the customer-facing heading


async def request_human(
    update: Update, context: CareContext, locale: Locale, trigger: str, case: WarrantyOutcome | None = None
) -> None:
    """The customer wants a person: open (or reuse) their ticket, or give the hotline when there is no desk.

    `case` is what a flow gathered (the warranty check's outcome): it goes on the advisors' card, or, without
    a desk, to the customer as a short summary to quote on the phone.
    """
    user = update.effective_user
    facts = case_facts(context, case) if case is not None else None
    opened = None
    if user is not None and context.services.settings.advisor_group_id is not None:
        opened = await handoff.open_ticket(
            context, user.id, kind="handoff", trigger=trigger, locale=locale, facts=facts, telegram_name=user.first_name
        )
    if opened is None:
        await send(update, context, locale, "advisor_interim", trigger=trigger, case=case)


async def typed_request(update: Update, context: CareContext) -> None:
    """ "轉人工", "human please" and the like: the request goes on the card's trail as the latest thing they typed
    (after /forget, or a restart, it may be all the card has to show)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    locale = await customer_locale(update, context, message.text)
    remember_question(context, message.text, "human")
    await request_human(update, context, locale, trigger="typed")


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [MessageHandler(private & filters.Regex(HUMAN_REQUEST), typed_request)]
