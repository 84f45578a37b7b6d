"""The bot's own membership in a chat: a customer blocks or unblocks it, a group removes or re-adds it.

Telegram sends `my_chat_member` for these (bot/app.py asks for them in allowed_updates). The outbox
sender skips chats marked unreachable (DESIGN.md, decision 2), so nothing is sent to someone who blocked
the bot, and sending resumes for messages enqueued after they come back.
"""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import BaseHandler, ChatMemberHandler

from bot.core.outbox import store as outbox
from bot.db.common.base import utcnow
from bot.handlers.common.context import CareContext

GONE = {ChatMember.BANNED, ChatMember.LEFT}


async def my_chat_member(update: Update, context: CareContext) -> None:
    """Mark the chat unreachable when the bot is blocked, kicked or left; reachable when it is back."""
    change = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    reachable = status not in GONE and not (status == ChatMember.RESTRICTED and not change.new_chat_member.is_member)
    private = change.chat.type == change.chat.PRIVATE
    reason = None if reachable else ("blocked the bot" if private else f"the bot was removed from the group ({status})")
    async with context.services.sessions.begin() as session:
        await outbox.set_chat_reachable(session, change.chat.id, reachable, reason, utcnow())


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [ChatMemberHandler(my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)]
