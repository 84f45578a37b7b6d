"""What every service-desk feature shares: who is staff, the advisors' group, buttons pressed there.

Staff buttons live in the advisors' supergroup, where any advisor may press them, so their data is signed for
the group's chat id (not for one user) and every press is checked against the presser's role instead.
Customers' buttons stay signed for the customer (bot.handlers.common.context.callback_data).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import Forbidden, TelegramError

from bot.core.common.callbacks import CallbackData
from bot.core.outbox import immediate
from bot.core.outbox.store import OutboxItem, message_payload
from bot.core.services import Services
from bot.core.staff import repo as staff_repo
from bot.core.staff.roles import Role, StaffMember, bootstrap_roles
from bot.handlers.common.context import CareContext, customer_locale
from bot.handlers.outbox.transport import AppBotPayloads, TelegramTransport

log = logging.getLogger(__name__)


async def bootstrap_staff(services: Services) -> int:
    """Give the ids in settings their roles (ADMIN_IDS, SUPERVISOR_IDS, ADVISOR_IDS, MARKETING_IDS)."""
    s = services.settings
    granted = bootstrap_roles(s.admin_ids, s.supervisor_ids, s.advisor_ids, s.marketing_ids)
    if not granted:
        return 0
    async with services.sessions.begin() as session:
        return await staff_repo.bootstrap(session, granted)


async def staff_member(context: CareContext, user_id: int | None) -> StaffMember | None:
    if user_id is None:
        return None
    async with context.services.sessions() as session:
        return await staff_repo.get(session, user_id)


def in_desk_group(update: Update, context: CareContext) -> bool:
    chat = update.effective_chat
    group = context.services.settings.advisor_group_id
    return chat is not None and group is not None and chat.id == group


async def require_staff(
    update: Update, context: CareContext, role: Role, *, in_group: bool = False
) -> StaffMember | None:
    """The presser/sender if they may act as `role` (and, with in_group, only in the advisors' group);
    otherwise a polite refusal (an alert for a button, a reply for a command) and None."""
    user = update.effective_user
    member = await staff_member(context, user.id if user else None)
    allowed = member is not None and member.can(role) and (not in_group or in_desk_group(update, context))
    if allowed:
        return member
    messages = context.services.messages
    if member is None:  # a customer (or anyone): in their own language
        text = messages.label(await customer_locale(update, context), "staff_only")
    else:  # staff read the desk's language
        locale = context.services.settings.default_locale
        if member.can(role):
            text = messages.label(locale, "staff_group_only")
        else:
            text = messages.label(locale, "staff_role_needed", role=messages.label(locale, f"staff_role_{role}"))
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return None


async def copy_to_customer(
    update: Update,
    context: CareContext,
    chat_id: int | None,
    is_open: bool,
    closed: Callable[[], Awaitable[object]],
    blocked: Callable[[], Awaitable[object]],
) -> StaffMember | None:
    """An advisor's message in the advisors' group, to the customer it answers: the one way back of every
    conversation the desk holds (a ticket's topic, a roadside request's alert). Copied as written, any kind (text,
    photo, voice…), as the bot's message: nothing is parsed, so the advisor's words arrive exactly as typed.
    Only an advisor, in the group (anyone else gets require_staff's refusal); a conversation that is over (not
    `is_open`, or no chat to write to) gets `closed` instead, a customer who blocked the bot `blocked`. The
    member when the message went, else None."""
    message = update.effective_message
    assert message is not None
    member = await require_staff(update, context, "advisor", in_group=True)
    if member is None:
        return None
    if not is_open or chat_id is None:
        await closed()
        return None
    try:
        await message.copy(chat_id)
    except Forbidden:
        await blocked()
        return None
    return member


def desk_button(services: Services, label: str, feature: str, action: str, *args: str) -> InlineKeyboardButton:
    """A button for the advisors' group, signed for the group (any staff member may press it)."""
    group = services.settings.advisor_group_id
    if group is None:
        raise RuntimeError("ADVISOR_GROUP_ID is not set")
    return InlineKeyboardButton(label, callback_data=services.callbacks.pack(group, feature, action, *args))


def desk_keyboard(
    services: Services, rows: list[list[tuple[str, str, str, tuple[str, ...]]]]
) -> InlineKeyboardMarkup | None:
    """Rows of (label, feature, action, args) → a keyboard of desk buttons; None without an advisors' group
    (nothing is posted then: see post_to_desk)."""
    if services.settings.advisor_group_id is None:
        return None
    return InlineKeyboardMarkup(
        [[desk_button(services, label, feature, action, *args) for label, feature, action, args in row] for row in rows]
    )


def desk_button_data(update: Update, context: CareContext) -> CallbackData | None:
    """The data of a desk button pressed in the advisors' group, or None (forged, stale, elsewhere)."""
    query = update.callback_query
    if query is None or query.message is None or not in_desk_group(update, context):
        return None
    return context.services.callbacks.unpack(query.message.chat.id, query.data)


async def post_to_desk(
    context: CareContext | Any,
    services: Services,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    thread_id: int | None = None,
) -> Message | None:
    """Send to the advisors' group (a topic when `thread_id` is given). None when no group is configured or
    Telegram refuses (logged): the customer's side of a flow never fails because the desk could not be told."""
    group = services.settings.advisor_group_id
    if group is None:
        return None
    bot = context.bot
    try:
        return await bot.send_message(
            group, text, reply_markup=markup, message_thread_id=thread_id, disable_web_page_preview=True
        )
    except TelegramError as exc:
        log.warning("could not post to the advisors' group: %s", exc)
        return None


DESK_KIND = "desk"  # cards, alerts and notices for the advisors' group (no expiry: the desk must see them)


def desk_item(
    services: Services, key: str, text: str, markup: InlineKeyboardMarkup | None, customer_id: int,
    thread_id: int | None = None,
) -> OutboxItem | None:
    """A message for the advisors' group about a customer, as an outbox row to enqueue with the row it announces
    (None without a group). Sent at once by deliver_now; the outbox sender retries it if that fails. The
    customer's id on it lets /forget find and blank it."""
    group = services.settings.advisor_group_id
    if group is None:
        return None
    payload = message_payload(text, markup.to_dict() if markup is not None else None)
    if thread_id is not None:
        payload["message_thread_id"] = thread_id
    return OutboxItem(key, DESK_KIND, group, payload, customer_id=customer_id)


async def deliver_now(context: CareContext | Any, services: Services, key: str) -> int | None:
    """Send an enqueued desk message at once; its message id, or None (the outbox sender retries it)."""
    transport = TelegramTransport(AppBotPayloads(context.bot))
    return await immediate.deliver(services.sessions, transport, key)
