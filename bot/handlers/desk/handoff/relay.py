"""What a customer sends during a handoff, shown in the ticket's topic as the customer's, never as the bot's.

A plain copyMessage would post the customer's text as the bot's own message, links and formatting kept: a
customer could write "客戶已封鎖機器人" or a fake desk note and the advisors would read it as the bot's. So
text is sent again as a new message: a header naming the customer and the ticket, then their words escaped
(no links, no formatting kept). Media that take a caption are copied with the caption replaced by the same
header and the customer's caption escaped; anything else (a sticker, a location, a contact) is announced by
the header and then copied.
"""

from __future__ import annotations

from telegram import Message
from telegram.constants import ParseMode

from bot.core.common.fit import MAX_CAPTION, MAX_TEXT, split_html, visible_length
from bot.core.desk.handoff.tickets import TicketView
from bot.handlers.common.context import CareContext

CAPTIONED = frozenset({"photo", "video", "audio", "voice", "document", "animation"})


def sender_name(message: Message) -> str:
    user = message.from_user
    return (user.full_name if user else "") or "?"


async def into_topic(context: CareContext, message: Message, ticket: TicketView, kind: str) -> None:
    """Post the customer's message in the ticket's topic, visibly theirs (raises telegram.error)."""
    services = context.services
    group, thread = services.settings.advisor_group_id, ticket.topic_id
    assert group is not None

    def header(body: str, what: str = kind) -> str:
        name = sender_name(message)
        return services.messages.render(
            services.settings.default_locale, "handoff_relayed", name=name, ticket_id=ticket.id, kind=what, body=body
        )

    async def words(text: str) -> None:  # a long text arrives whole, every part under the header
        room = MAX_TEXT - visible_length(header("", "text")) - 2
        for part in split_html(text, room, markup=False):
            await context.bot.send_message(group, header(part, "text"), message_thread_id=thread)

    if message.text is not None:
        await words(message.text)
        return
    if kind in CAPTIONED:
        caption = header(message.caption or "")
        long_caption = visible_length(caption) > MAX_CAPTION  # the header pushed it over: it follows as text
        await message.copy(group, message_thread_id=thread, caption=header("") if long_caption else caption,
                           parse_mode=ParseMode.HTML)  # fmt: skip
        if long_caption and message.caption:
            await words(message.caption)
        return
    await context.bot.send_message(group, header(""), message_thread_id=thread)
    await message.copy(group, message_thread_id=thread)
