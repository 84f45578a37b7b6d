"""Whether people at the desk wait for a customer's messages: an active handoff ticket, an open roadside request.

Asked of every private message while an advisors' group is set (bot.handlers.desk.relays), and nearly always
neither: one Core query answers both, built once, on a bare connection, so a customer with nothing open costs one
cached SELECT instead of one ORM query per relay. Nothing is remembered between messages: another replica, an
advisor or the scheduler may have opened or closed either since the last one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.desk.handoff.tickets import ACTIVE_STATUSES
from bot.core.desk.roadside.requests import OPEN_STATUSES
from bot.db.common.dialect import engine_of
from bot.db.desk.handoff.models import Ticket
from bot.db.desk.roadside.models import RoadsideRequest
from bot.db.garage.models import Customer


@dataclass(frozen=True)
class DeskWaits:
    """What is open for the customer now."""

    ticket: bool  # an open or claimed handoff ticket: their messages go to its topic
    roadside: bool  # an open roadside request: their messages go under its alert

    def __bool__(self) -> bool:
        return self.ticket or self.roadside


_customer = (
    select(Customer.id).where(Customer.telegram_user_id == bindparam("telegram_user_id")).scalar_subquery()
)
_WAITS = select(
    exists().where(Ticket.customer_id == _customer, Ticket.status.in_(ACTIVE_STATUSES)).label("ticket"),
    exists()
    .where(RoadsideRequest.customer_id == _customer, RoadsideRequest.status.in_(OPEN_STATUSES))
    .label("roadside"),
)


async def desk_waits(sessions: async_sessionmaker[AsyncSession], telegram_user_id: int) -> DeskWaits:
    """The customer's active ticket and open roadside request, as of now, in one query."""
    async with engine_of(sessions).connect() as connection:
        ticket, roadside = (await connection.execute(_WAITS, {"telegram_user_id": telegram_user_id})).one()
    return DeskWaits(bool(ticket), bool(roadside))
