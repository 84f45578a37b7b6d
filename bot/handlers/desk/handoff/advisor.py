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
from bot.core.faq.intents import HUMAN_REQUEST
from bot.core.warranty.outcome import WarrantyOutcome
from bot.handlers.common import flows
from bot.handlers.common.context import CareContext, customer_locale, send
from bot.handlers.desk.handoff import tickets as handoff

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

    With a desk, the flow the customer was in ends (bot.handlers.common.flows.leave) and the ticket's message
    says so; without one they are given the hotline and the flow goes on.
    `case` is what a flow gathered (the warranty check's outcome): it goes on the advisors' card, or, without
    a desk, to the customer as a short summary to quote on the phone. What the flows being left were told (roadside
    help's location and problem: flows.gathered_facts) goes on the card too.
    """
    user = update.effective_user
    facts = case_facts(context, case) if case is not None else {}
    opened = None
    if user is not None and context.services.settings.advisor_group_id is not None:
        facts = {**flows.gathered_facts(update, context), **facts}  # what the flow was told: on the card
        left = flows.leave(update, context)  # what they type next is for the advisor, not the flow's question
        opened = await handoff.open_ticket(context, user.id, kind="handoff", trigger=trigger, locale=locale,
                                           facts=facts, telegram_name=user.first_name, left=left)  # fmt: skip
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
