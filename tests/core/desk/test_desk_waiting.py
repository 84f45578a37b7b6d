"""The relays' one query (bot.core.desk.waiting) agrees with the two lookups it stands in for, whatever the
ticket's and the roadside request's status, and sees every change at once (nothing is remembered)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.desk.handoff import repo as ticket_repo
from bot.core.desk.roadside import repo as roadside_repo
from bot.core.desk.waiting import DeskWaits, desk_waits
from bot.db.desk.handoff.models import Ticket
from bot.db.desk.roadside.models import ROADSIDE_STATUSES, RoadsideRequest
from bot.db.garage.models import Customer

USER, OTHER, STRANGER = 701, 702, 703
TICKET_STATUSES = ("open", "claimed", "closed")


async def _lookups(sessions: async_sessionmaker[AsyncSession], user: int) -> DeskWaits:
    """What the relays' own lookups say (bot.handlers.desk.handoff.tickets, bot.handlers.desk.roadside.relay)."""
    async with sessions() as session:
        ticket = await ticket_repo.active_for_user(session, user, "zh-Hant")
        roadside = await roadside_repo.open_for_user(session, user)
    return DeskWaits(ticket is not None, roadside is not None)


async def _customer(session: AsyncSession, user: int) -> Customer:
    customer = Customer(telegram_user_id=user, chat_id=user, first_name="Mei")
    session.add(customer)
    await session.flush()
    return customer


async def test_nothing_open_and_no_such_customer(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await _customer(session, USER)
    assert await desk_waits(sessions, USER) == DeskWaits(False, False)
    assert not await desk_waits(sessions, STRANGER)


async def test_agrees_with_the_lookups_for_every_status_as_it_changes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        mine, other = await _customer(session, USER), await _customer(session, OTHER)
        ticket = Ticket(customer_id=mine.id, kind="handoff", trigger="typed", status="closed")
        request = RoadsideRequest(customer_id=mine.id, problem="flat_tyre", status="done")
        # another customer's open ticket and request are not this one's
        session.add_all([ticket, request, Ticket(customer_id=other.id, kind="handoff", trigger="typed", status="open"),
                         RoadsideRequest(customer_id=other.id, problem="battery", status="new")])  # fmt: skip
    seen = set()
    for ticket_status in TICKET_STATUSES:
        for roadside_status in ROADSIDE_STATUSES:
            async with sessions.begin() as session:
                await session.execute(update(Ticket).where(Ticket.id == ticket.id).values(status=ticket_status))
                await session.execute(
                    update(RoadsideRequest).where(RoadsideRequest.id == request.id).values(status=roadside_status)
                )
            waits = await desk_waits(sessions, USER)
            assert waits == await _lookups(sessions, USER), (ticket_status, roadside_status)
            seen.add((waits.ticket, waits.roadside))
    assert seen == {(False, False), (False, True), (True, False), (True, True)}
