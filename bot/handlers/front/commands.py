"""The command menus Telegram shows: every customer's in private chats, and each staff member's own (DESIGN.md,
decision 7), in the advisors' group and in their private chat with the bot."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, BotCommandScopeChatMember
from telegram.error import TelegramError

from bot.core.common.locale import Locale
from bot.core.services import Services
from bot.core.staff import repo as staff_repo
from bot.core.staff.roles import StaffMember

log = logging.getLogger(__name__)

CUSTOMER_COMMANDS = (
    "start", "book", "appointments", "roadside", "warranty", "mycar", "events", "settings", "stop", "privacy",
    "forget", "end", "help", "language", "cancel",
)  # fmt: skip
# setMyCommands takes a two-letter language code, so Simplified and Traditional cannot differ there:
# "zh" gets Traditional (the default locale), and the default list is Traditional too.
COMMAND_LANGUAGES: dict[str | None, Locale] = {None: "zh-Hant", "zh": "zh-Hant", "en": "en"}


def _menu(services: Services, locale: Locale, commands: list[str] | tuple[str, ...]) -> list[BotCommand]:
    return [BotCommand(c, services.messages.label(locale, f"command_{c}")) for c in commands]


async def set_customer_commands(bot: Bot, services: Services) -> None:
    """The command menu of every private chat, in each language Telegram can tell apart."""
    for language_code, locale in COMMAND_LANGUAGES.items():
        await bot.set_my_commands(
            _menu(services, locale, CUSTOMER_COMMANDS), scope=BotCommandScopeAllPrivateChats(),
            language_code=language_code,
        )  # fmt: skip


async def set_staff_commands(bot: Bot, services: Services, member: StaffMember) -> None:
    """A staff member's menus: their commands in the advisors' group, and theirs then the customer's in their
    private chat; a member with no roles left gets the customers' menu back (and none in the group)."""
    group = services.settings.advisor_group_id
    staff = member.commands
    for language_code, locale in COMMAND_LANGUAGES.items():
        private = BotCommandScopeChat(member.telegram_user_id)
        if not staff:
            await bot.delete_my_commands(scope=private, language_code=language_code)
        else:
            commands = [*staff, *CUSTOMER_COMMANDS]  # their own work first, as /help lists it
            await bot.set_my_commands(_menu(services, locale, commands), scope=private, language_code=language_code)
        if group is None:
            continue
        in_group = BotCommandScopeChatMember(group, member.telegram_user_id)
        if not member.roles:
            await bot.delete_my_commands(scope=in_group, language_code=language_code)
        else:
            await bot.set_my_commands(_menu(services, locale, [*staff, "help"]), scope=in_group,
                                      language_code=language_code)  # fmt: skip


async def set_all_commands(bot: Bot, services: Services) -> None:
    """At start-up: the customers' menu, then each staff member's (one failure is logged, not fatal)."""
    await set_customer_commands(bot, services)
    async with services.sessions() as session:
        members = await staff_repo.members(session)
    for member in members:
        try:
            await set_staff_commands(bot, services, member)
        except TelegramError as exc:  # e.g. a member who never joined the group
            log.warning("command menu for staff #%s not set: %s", member.telegram_user_id, exc)
