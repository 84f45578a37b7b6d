"""Free text goes to the FAQ matcher; suggestion and follow-up buttons show an entry."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.core.common.locale import Locale
from bot.core.common.text import fold
from bot.core.common.wordless import emoji_mood, media_placeholder
from bot.core.faq.intents import EMERGENCY_ENTRY, HUMAN_ENTRY, is_emergency
from bot.handlers.common import flows, keyboards
from bot.handlers.common.context import CareContext, callback_data, customer_locale, refuse_button, send
from bot.handlers.desk.handoff import advisor
from bot.handlers.desk.handoff import tickets as handoff
from bot.handlers.front import other

EMERGENCY_GROUP = -3  # before the flows (-2) and the handoff relays (-1): danger comes before anything else


async def emergency(update: Update, context: CareContext) -> None:
    """Danger or injury, whatever the customer was doing: the emergency numbers and the rescue line at once."""
    message, user = update.effective_message, update.effective_user
    if message is None or not message.text or user is None or EMERGENCY_ENTRY not in context.services.kb.by_id:
        return
    if not is_emergency(message.text):
        return
    locale = await customer_locale(update, context, message.text)
    await send_entry(update, context, locale, EMERGENCY_ENTRY)
    if _roadside_wants(update, context):  # 「車頭冒煙」 at "what is wrong?": the roadside request goes on
        return
    await flows.ask_again(update, context)  # in another flow: its question once more, not taken as its answer
    if not await handoff.talking_to_staff(context, user.id):
        raise ApplicationHandlerStop  # in a handoff the relay still copies it to the advisor


def _roadside_wants(update: Update, context: CareContext) -> bool:
    """Whether the roadside flow is the one that will take this message (as an answer, or to start)."""
    found = flows.taker(update, context)
    return found is not None and found.name == "roadside"


async def question(update: Update, context: CareContext) -> None:
    """Answer, suggest up to three entries, or offer an advisor."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None and message.text is not None and user is not None
    text = message.text
    if media_placeholder(text):  # "[Sticker]" pasted: the media's reply, not a "did you mean" nor a miss
        await other.non_text(update, context)
        return
    locale = await customer_locale(update, context, text)
    services = context.services
    if mood := emoji_mood(text):  # 「😡😡😡」: an apology and a person, not "type your question"
        await other.mood_reply(update, context, locale, mood)
        return
    if not fold(text):
        await send(update, context, locale, "ask_hint", keyboards.main_menu(services, locale, user.id))
        return
    if is_emergency(text) and EMERGENCY_ENTRY in services.kb.by_id:
        return  # `emergency` (group -3) has answered it already; a flow or a handoff let it through
    reply = await services.faq.ask_and_record(text, locale, user.id)
    advisor.remember_question(context, text, reply.decision)  # the FAQ trail on a handoff's card
    if reply.decision == "answer" and reply.entry_id == HUMAN_ENTRY:  # 「我要找真人」: a person, not an FAQ
        await advisor.request_human(update, context, locale, trigger="typed")
        return
    markup = keyboards.faq_reply(services, locale, user.id, reply)
    if reply.decision == "answer":
        await send(update, context, locale, "faq_answer", markup, answer=reply.answer_html)
    else:
        await send(update, context, locale, f"faq_{reply.decision}", markup)


async def send_entry(update: Update, context: CareContext, locale: Locale, entry_id: str) -> None:
    """Show one entry's answer with its follow-up buttons."""
    assert update.effective_user is not None
    services = context.services
    reply = services.faq.entry_reply(entry_id, locale)
    markup = keyboards.faq_reply(services, locale, update.effective_user.id, reply)
    await send(update, context, locale, "faq_answer", markup, answer=reply.answer_html)


def last_suggested(context: CareContext) -> str | None:
    """The customer's latest question that got a "did you mean" (the FAQ trail, bot.handlers.advisor)."""
    trail = context.chat_data.get(handoff.TRAIL_KEY) if context.chat_data is not None else None
    items = [item for item in trail if isinstance(item, dict)] if isinstance(trail, list) else []
    return next((item.get("q") for item in reversed(items) if item.get("d") == "suggest"), None)


async def button(update: Update, context: CareContext) -> None:
    """A suggestion, a follow-up question, or "none of these"."""
    query = update.callback_query
    data = callback_data(update, context)
    assert query is not None
    if data is None:
        await refuse_button(update, context)
        return
    await query.answer()
    locale = await customer_locale(update, context)
    if data.action in ("show", "pick") and data.arg in context.services.kb.by_id:
        if data.action == "pick" and (asked := last_suggested(context)):
            await context.services.faq.record_pick(asked, locale, data.arg, query.from_user.id)
        await send_entry(update, context, locale, data.arg)
    else:  # "none of these": the customer needs a person
        await advisor.request_human(update, context, locale, trigger="faq_none")


def handlers() -> dict[int, list[BaseHandler[Update, CareContext, None]]]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return {
        EMERGENCY_GROUP: [MessageHandler(private & filters.TEXT & ~filters.COMMAND, emergency)],
        0: [
            MessageHandler(private & filters.TEXT & ~filters.COMMAND, question),
            CallbackQueryHandler(button, pattern=r"^faq:"),
        ],
    }
