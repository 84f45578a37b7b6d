"""What a customer sends during a handoff, shown in the ticket's topic as the customer's, never as the bot's.

A plain copyMessage would post the customer's text as the bot's own message, links and formatting kept: a
customer could write "客戶已封鎖機器人" or a fake desk note and the advisors would read it as the bot's. So
text is sent again as a new message: a header naming the customer and the ticket, then their words escaped
(no links, no formatting kept). Media that take a caption are copied with the caption replaced by the same
header and the customer's caption escaped; anything else (a sticker, a location, a contact) is announced by
the header and then copied.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import Message, ReplyParameters
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

    def header(body: str, what: str) -> str:
        return services.messages.render(services.settings.default_locale, "handoff_relayed", name=sender_name(message),
                                        ticket_id=ticket.id, kind=what, body=body)  # fmt: skip

    await into_desk(context, message, kind, header, thread=ticket.topic_id)


Header = Callable[[str, str], str]  # (the customer's words, escaped; what they sent) → the staff's message


async def into_desk(
    context: CareContext, message: Message, kind: str, header: Header, *, thread: int | None = None,
    reply_to: int | None = None,
) -> list[int]:  # fmt: skip
    """Post the customer's message in the advisors' group under `header`, in a topic (`thread`) or as a reply to
    a message of theirs (`reply_to`: a roadside alert), visibly the customer's (raises telegram.error); the ids of
    the messages posted."""
    group = context.services.settings.advisor_group_id
    assert group is not None
    where: dict[str, Any] = {"message_thread_id": thread}
    if reply_to is not None:  # the alert deleted meanwhile: the words still arrive
        where["reply_parameters"] = ReplyParameters(reply_to, allow_sending_without_reply=True)

    posted: list[int] = []

    async def words(text: str) -> None:  # a long text arrives whole, every part under the header
        room = MAX_TEXT - visible_length(header("", "text")) - 2
        for part in split_html(text, room, markup=False):
            posted.append((await context.bot.send_message(group, header(part, "text"), **where)).message_id)

    if message.text is not None:
        await words(message.text)
        return posted
    if kind in CAPTIONED:
        caption = header(message.caption or "", kind)
        long_caption = visible_length(caption) > MAX_CAPTION  # the header pushed it over: it follows as text
        copied = await message.copy(group, caption=header("", kind) if long_caption else caption,
                                    parse_mode=ParseMode.HTML, **where)  # fmt: skip
        posted.append(copied.message_id)
        if long_caption and message.caption:
            await words(message.caption)
        return posted
    posted.append((await context.bot.send_message(group, header("", kind), **where)).message_id)
    posted.append((await message.copy(group, **where)).message_id)
    return posted
