"""Everything else a customer can send: stickers, photos, voice, files, locations, unknown commands, and
button data no handler took (forged, garbled, or of a kind the bot no longer makes). A media item's placeholder
pasted as text ("[Sticker]", 「[貼圖]」: bot.core.common.wordless) is answered as that media, never by the FAQ; emoji
alone (「😡😡😡」, and a sticker that stands for one) get a reply that fits their mood."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.core.common.locale import Locale
from bot.core.common.wordless import Mood, emoji_mood, media_placeholder
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
    """Say kindly what the bot can read, and show the menu; an angry sticker (🤬) gets an apology instead."""
    locale = await customer_locale(update, context)  # a pasted placeholder says nothing of the customer's language
    assert update.effective_user is not None
    sticker = update.effective_message.sticker if update.effective_message is not None else None
    if sticker is not None and sticker.emoji and emoji_mood(sticker.emoji) == "negative":
        await mood_reply(update, context, locale, "negative")
        return
    menu = keyboards.main_menu(context.services, locale, update.effective_user.id)
    await send(update, context, locale, "non_text", menu, kind=_kind(update))


async def mood_reply(update: Update, context: CareContext, locale: Locale, mood: Mood) -> None:
    """Emoji alone: for a clearly negative mood an apology and the advisor button (the handoff), else a plain
    prompt with the menu."""
    assert update.effective_user is not None
    services, user_id = context.services, update.effective_user.id
    if mood == "negative":
        buttons = [("menu_advisor", "menu", "advisor", ""), ("back_to_menu", "menu", "home", "")]
        markup = keyboards.grid(services, locale, user_id, buttons)
    else:
        markup = keyboards.main_menu(services, locale, user_id)
    await send(update, context, locale, "mood_reply", markup, mood=mood)


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
