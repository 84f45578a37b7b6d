"""/stats [days]: the KPIs of the last `days` days (default 30, today included) in the reader's locale, and the
weekly trends as a chart. Supervisors, admins and marketing staff (bot.core.staff.roles)."""

from __future__ import annotations

import asyncio
import datetime as dt
import html

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CommandHandler

from bot.core.kpis import compute, present
from bot.handlers.common.context import CareContext, customer_locale
from bot.handlers.desk.group import require_staff, staff_member


async def stats_command(update: Update, context: CareContext) -> None:
    """Compute, reply with the figures, then the chart."""
    user, chat = update.effective_user, update.effective_chat
    member = await staff_member(context, user.id if user else None)
    if member is None or not (member.can("supervisor") or member.can("marketing")):
        await require_staff(update, context, "supervisor")  # the polite refusal
        return
    assert chat is not None
    services = context.services
    locale = await customer_locale(update, context)
    args = context.args or []
    days = min(int(args[0]), 366) if args and args[0].isdigit() and int(args[0]) > 0 else 30
    if args and days == 30 and args[0] != "30":  # "/stats week", "/stats 7d": say so rather than answer for 30 days
        typed = html.escape(" ".join(args)[:40])  # the reply is HTML: the staff member's words, escaped
        await chat.send_message(services.messages.label(locale, "kpi_days_unread", typed=typed))
    now = dt.datetime.now(dt.UTC)
    end = now.astimezone(services.settings.tz).date()
    period = present.period(services, end - dt.timedelta(days=days - 1), end, None, now)
    await services.faq.flush_outcomes()  # this replica's latest FAQ outcomes count too
    async with services.sessions() as session:
        report = await compute.report(session, period, now)
        weeks = await compute.weekly(session, period, now)
    await chat.send_message(present.chat_text(services, report, locale))
    png = await asyncio.to_thread(present.chart_png, services, weeks, locale)
    await chat.send_photo(InputFile(png, filename="kpi.png"))


def handlers() -> list[BaseHandler[Update, CareContext, None]]:
    return [CommandHandler("stats", stats_command)]
