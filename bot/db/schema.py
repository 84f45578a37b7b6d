"""Every table on `Base.metadata`: Alembic, create_all and the engine import this, so each feature's tables are
registered before the first flush (foreign keys name other features' tables by string)."""

import bot.db.campaigns.models
import bot.db.common.models
import bot.db.desk.booking.models
import bot.db.desk.followups.models
import bot.db.desk.handoff.models
import bot.db.desk.roadside.models
import bot.db.events.models
import bot.db.faq.models
import bot.db.garage.models
import bot.db.outbox.models
import bot.db.reminders.models
import bot.db.staff.models  # noqa: F401
from bot.db.common.base import Base

__all__ = ["Base"]
