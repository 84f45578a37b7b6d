"""Advisors record what two KPIs need on a visit (by its repair-order number): `/promised RO-1 2026-12-05 17:00`
(when the car was promised at check-in), `/ready RO-1 [time]` (ready now, or at that time), `/comeback RO-1`
(back for the same concern as an earlier visit; again to undo). Dealer time; replies in the dealer's locale."""

from __future__ import annotations

import datetime as dt

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.core.campaigns.wizard import parse_when
from bot.core.kpis import visits
from bot.handlers.common.context import CareContext
from bot.handlers.desk.group import require_staff


async def record(update: Update, context: CareContext) -> None:
    """/promised, /ready, /comeback."""
    if await require_staff(update, context, "advisor") is None:
        return
    services, message = context.services, update.effective_message
    assert message is not None and message.text is not None
    what = message.text.split()[0].lstrip("/").split("@")[0]
    args = context.args or []
    tz, locale = services.settings.tz, services.settings.default_locale
    when = parse_when(" ".join(args[1:]), tz) if len(args) > 1 else None
    if not args or (what == "promised" and when is None) or (len(args) > 1 and when is None):
        await message.reply_text(services.messages.render(locale, "visit_reply", event="usage", what=what))
        return
    if what == "ready" and when is None:
        when = dt.datetime.now(dt.UTC)
    async with services.sessions.begin() as session:
        found = await visits.record(session, args[0], what, when)
    shown = None if found is None else {
        "visit_no": found.visit_no, "comeback": found.comeback,
        "promised": found.promised_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if found.promised_at else None,
        "ready": found.ready_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if found.ready_at else None,
    }  # fmt: skip
    await message.reply_text(services.messages.render(locale, "visit_reply", event="recorded" if found else "unknown",
                                                      what=what, v=shown, visit_no=args[0]))  # fmt: skip


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    return [CommandHandler(["promised", "ready", "comeback"], record)]
