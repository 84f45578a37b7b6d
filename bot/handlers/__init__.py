"""Telegram handlers, one module per feature; the order of registration is decided here, once."""

from __future__ import annotations

from telegram.ext import Application

from bot.handlers.campaigns import customer as campaign_links
from bot.handlers.campaigns import edit as campaign_edit
from bot.handlers.campaigns import staff as campaigns
from bot.handlers.campaigns import wizard as campaign_wizard
from bot.handlers.common import errors, flows
from bot.handlers.desk import relays
from bot.handlers.desk.booking import done as visit_entry
from bot.handlers.desk.booking import entry as appointments
from bot.handlers.desk.followups import customer as followups
from bot.handlers.desk.handoff import advisor
from bot.handlers.desk.handoff import tickets as handoff
from bot.handlers.desk.roadside import customer as roadside
from bot.handlers.events import customer as events
from bot.handlers.events import staff as checkin
from bot.handlers.faq import questions as faq
from bot.handlers.front import language, membership, other, start
from bot.handlers.garage import mycar
from bot.handlers.garage import staff as odometer
from bot.handlers.kpis import stats
from bot.handlers.kpis import visits as visit_times
from bot.handlers.privacy import commands as privacy
from bot.handlers.reminders import buttons as reminders
from bot.handlers.staff import commands as staff
from bot.handlers.warranty import check as warranty


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Conversations first (they own their commands, buttons and typed answers), then commands and buttons,
    then typed requests for a human, then free text, then everything else. Before group 0: an advisor's answer to
    the "Done" questions (group -3), `flows` (group -2: starting a flow ends the others) and the relays to the
    desk (group -1: a handoff's, an open roadside request's)."""
    modules = (visit_entry, flows, membership, handoff, relays, staff, campaign_wizard, campaign_edit,
               appointments, roadside, followups, warranty, mycar, campaign_links, start, privacy, language, reminders,
               events, checkin, odometer, campaigns, stats, visit_times, advisor, faq, other)  # fmt: skip
    for module in modules:
        application.add_handlers(module.handlers())
    application.add_error_handler(errors.on_error)  # type: ignore[arg-type]
