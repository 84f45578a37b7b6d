"""Everything else a customer can send: stickers, photos, voice, files, locations, unknown commands, and
button data no handler took (forged, garbled, or of a kind the bot no longer makes). A media item's placeholder
pasted as text ("[Sticker]", 「[貼圖]」: bot.core.common.wordless) is answered as that media, never by the FAQ."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.core.common.wordless import media_placeholder
from bot.handlers.common import keyboards
from bot.handlers.common.context import CareContext, customer_locale, refuse_button, send


def _kind(update: Update) -> str:
    message = update.effective_message
    assert message is not None
    if message.text:  # a pasted placeholder
        return media_placeholder(message.text) or "other"
    for kind in (
        "sticker",
        "photo",
        "voice",
        "video",
        "video_note",
        "audio",
        "document",
        "location",
        "contact",
    ):
        if getattr(message, kind):
            return kind
    return "other"


async def non_text(update: Update, context: CareContext) -> None:
    """Say kindly what the bot can read, and show the menu."""
    locale = await customer_locale(update, context)  # a pasted placeholder says nothing of the customer's language
    assert update.effective_user is not None
    menu = keyboards.main_menu(context.services, locale, update.effective_user.id)
    await send(update, context, locale, "non_text", menu, kind=_kind(update))


async def unknown_command(update: Update, context: CareContext) -> None:
    """A command the bot does not know."""
    locale = await customer_locale(update, context)
    assert update.effective_user is not None
    await send(
        update,
        context,
        locale,
        "unknown_command",
        keyboards.main_menu(context.services, locale, update.effective_user.id),
    )


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE  # an edited message is not asked again
    return [
        MessageHandler(private & filters.COMMAND, unknown_command),
        MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, non_text),
        CallbackQueryHandler(refuse_button),  # last: answered with "expired, here is what to do", never spinning
    ]
