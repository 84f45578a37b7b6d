"""Roadside requests: the only SQL for the roadside_request table, and the caller's card for the advisors.

Every change of status is one conditional UPDATE (`… WHERE status IN (…)`), so two advisors pressing "claim"
at once, or a claim racing the escalation tick, leave exactly one winner whatever the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.common.customers import display_name
from bot.core.common.identifiers import format_plate
from bot.core.common.locale import Locale, choose_locale
from bot.core.desk.roadside.requests import (
    CLAIMABLE,
    NO_PLATE,
    OPEN_STATUSES,
    CustomerCard,
    RoadsideDraft,
    RoadsideView,
    Status,
    VisitLine,
    allowed_from,
    escalate_at,
)
from bot.core.garage.records import this_owners_visit
from bot.db.common.dialect import upsert_insert
from bot.db.desk.roadside.models import RoadsideMessage, RoadsideRequest
from bot.db.garage.models import Customer, ServiceVisit, Vehicle


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands aware datetimes back naive; they were stored in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _view(row: RoadsideRequest) -> RoadsideView:
    created = _utc(row.created_at)
    assert created is not None
    return RoadsideView(
        id=row.id,
        customer_id=row.customer_id,
        status=row.status,  # type: ignore[arg-type]
        problem=row.problem,  # type: ignore[arg-type]
        latitude=row.latitude,
        longitude=row.longitude,
        address=row.address,
        plate=row.plate,
        phone=row.phone,
        details=row.details,
        claimed_by=row.claimed_by,
        eta_minutes=row.eta_minutes,
        alert_message_id=row.alert_message_id,
        created_at=created,
        escalate_at=_utc(row.escalate_at),
    )


async def customer_id_of(session: AsyncSession, telegram_user_id: int) -> int | None:
    statement = select(Customer.id).where(Customer.telegram_user_id == telegram_user_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def card(session: AsyncSession, customer_id: int, default_locale: Locale) -> CustomerCard | None:
    """The caller as the advisors see them: name, linked phone, cars on record, the last visit."""
    customer = await session.get(Customer, customer_id)
    if customer is None:
        return None
    owned = select(Vehicle).where(Vehicle.customer_id == customer_id, Vehicle.released_at.is_(None))
    vehicles = (await session.scalars(owned.order_by(Vehicle.id))).all()
    cars = tuple(
        " ".join(part for part in (format_plate(v.plate) if v.plate else None, v.make, v.model) if part)
        for v in vehicles
    )
    last = None
    if vehicles:
        visit = (
            await session.execute(
                select(ServiceVisit.visit_date, ServiceVisit.kind, Vehicle.plate)
                .join(Vehicle, Vehicle.id == ServiceVisit.vehicle_id)
                .where(Vehicle.id.in_([v.id for v in vehicles]), this_owners_visit())
                .order_by(ServiceVisit.visit_date.desc(), ServiceVisit.id.desc())
                .limit(1)
            )
        ).first()
        if visit is not None:
            last = VisitLine(visit.visit_date, visit.kind, format_plate(visit.plate) if visit.plate else None)
    written = customer.last_locale if customer.last_locale in ("zh-Hant", "zh-Hans", "en") else None
    locale = choose_locale(customer.locale_choice, written, customer.language_code, default_locale)  # type: ignore[arg-type]
    return CustomerCard(
        customer_id=customer.id,
        chat_id=customer.chat_id,
        name=display_name(customer.name, customer.first_name),
        phone=customer.phone,
        cars=cars,
        last_visit=last,
        locale=locale,
    )


async def plates(session: AsyncSession, customer_id: int) -> list[tuple[int, str]]:
    """(vehicle id, plate) of the customer's cars that have a plate, for the plate buttons."""
    statement = (
        select(Vehicle.id, Vehicle.plate)
        .where(Vehicle.customer_id == customer_id, Vehicle.released_at.is_(None), Vehicle.plate.is_not(None))
        .order_by(Vehicle.id)
    )
    return [(row.id, row.plate) for row in await session.execute(statement)]


async def open_for(session: AsyncSession, customer_id: int) -> RoadsideView | None:
    """The customer's newest open request, if any."""
    statement = (
        select(RoadsideRequest)
        .where(RoadsideRequest.customer_id == customer_id, RoadsideRequest.status.in_(OPEN_STATUSES))
        .order_by(RoadsideRequest.id.desc())
        .limit(1)
    )
    row = (await session.scalars(statement)).first()
    return _view(row) if row is not None else None


async def open_for_user(session: AsyncSession, telegram_user_id: int) -> RoadsideView | None:
    """`open_for` the customer with this Telegram id, in one query (asked of every private message while an
    advisors' group is set: bot.handlers.desk.roadside.relay)."""
    statement = (
        select(RoadsideRequest)
        .join(Customer, Customer.id == RoadsideRequest.customer_id)
        .where(Customer.telegram_user_id == telegram_user_id, RoadsideRequest.status.in_(OPEN_STATUSES))
        .order_by(RoadsideRequest.id.desc())
        .limit(1)
    )
    row = (await session.scalars(statement)).first()
    return _view(row) if row is not None else None


async def create(
    session: AsyncSession, customer_id: int, draft: RoadsideDraft, now: dt.datetime, claim_minutes: float
) -> tuple[RoadsideView, bool]:
    """Store a complete draft as a new request, due to escalate `claim_minutes` from now; (the request, True),
    or (the request already made from this draft, False). The insert is the first statement and skips a
    draft key already stored, so two sends of one draft racing on either database store one row."""
    assert draft.problem is not None
    values = {
        "customer_id": customer_id, "latitude": draft.latitude, "longitude": draft.longitude,
        "address": draft.address, "problem": draft.problem,
        "plate": None if draft.plate in (None, NO_PLATE) else draft.plate, "phone": draft.phone, "status": "new",
        "details": draft.details,
        "created_at": now, "updated_at": now, "escalate_at": escalate_at(now, claim_minutes),
        "draft_key": draft.key,
    }  # fmt: skip
    insert = upsert_insert(session)(RoadsideRequest).values(**values)
    if draft.key is not None:
        insert = insert.on_conflict_do_nothing(index_elements=["draft_key"])
    new_id = (await session.execute(insert.returning(RoadsideRequest.id))).scalar_one_or_none()
    if new_id is None:
        earlier = select(RoadsideRequest).where(RoadsideRequest.draft_key == draft.key)
        return _view((await session.execute(earlier)).scalar_one()), False
    row = await session.get(RoadsideRequest, new_id)
    assert row is not None
    return _view(row), True


async def get(session: AsyncSession, request_id: int) -> RoadsideView | None:
    row = await session.get(RoadsideRequest, request_id)
    return _view(row) if row is not None else None


async def set_alert(session: AsyncSession, request_id: int, message_id: int) -> None:
    """Remember the alert in the advisors' group (its buttons are edited as the request moves on)."""
    await session.execute(
        update(RoadsideRequest).where(RoadsideRequest.id == request_id).values(alert_message_id=message_id)
    )


async def note_messages(session: AsyncSession, request_id: int, chat_id: int, message_ids: Iterable[int]) -> None:
    """Remember messages in the advisors' group as the request's (its alert, the location, what was relayed or
    answered under it): an advisor's reply to one of them goes to the request's customer. Noting one twice is
    harmless."""
    rows = [{"chat_id": chat_id, "message_id": m, "request_id": request_id} for m in message_ids]
    if rows:
        insert = upsert_insert(session)(RoadsideMessage).values(rows)
        await session.execute(insert.on_conflict_do_nothing(index_elements=["chat_id", "message_id"]))


async def by_message(session: AsyncSession, chat_id: int, message_id: int) -> tuple[bool, RoadsideView | None]:
    """Whether a message in the advisors' group is a request's (`note_messages`, or an alert sent before messages
    were noted), and that request: (True, None) when it went with its customer (/forget); (False, None) for
    another feature's message, or nobody's."""
    noted = select(RoadsideMessage.request_id).where(
        RoadsideMessage.chat_id == chat_id, RoadsideMessage.message_id == message_id
    )
    found = (await session.execute(noted)).first()
    if found is not None:
        return True, (await get(session, found.request_id) if found.request_id is not None else None)
    alert = select(RoadsideRequest).where(RoadsideRequest.alert_message_id == message_id)
    row = (await session.scalars(alert.order_by(RoadsideRequest.id.desc()).limit(1))).first()
    return row is not None, (_view(row) if row is not None else None)


async def _conditional(session: AsyncSession, request_id: int, where: Sequence[object], **values: object) -> bool:
    statement = update(RoadsideRequest).where(RoadsideRequest.id == request_id, *where).values(**values)
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim(session: AsyncSession, request_id: int, staff_id: int, now: dt.datetime) -> bool:
    """Take the request if nobody has: True for the one claimer whose UPDATE found it still claimable."""
    return await _conditional(
        session,
        request_id,
        [RoadsideRequest.status.in_(CLAIMABLE)],
        status="claimed",
        claimed_by=staff_id,
        claimed_at=now,
        updated_at=now,
    )


async def move(
    session: AsyncSession,
    request_id: int,
    target: Status,
    actor_id: int,
    is_supervisor: bool,
    now: dt.datetime,
    eta_minutes: int | None = None,
) -> bool:
    """Move a claimed request on (claimer or supervisor only, a valid step only); False when refused."""
    where: list[object] = [RoadsideRequest.status.in_(allowed_from(target))]
    if not is_supervisor:
        where.append(RoadsideRequest.claimed_by == actor_id)
    values: dict[str, object] = {"status": target, "updated_at": now}
    if target == "on_the_way":
        values["eta_minutes"] = eta_minutes
    if target == "done":
        values["done_at"] = now
    return await _conditional(session, request_id, where, **values)


async def cancel(session: AsyncSession, request_id: int, customer_id: int, now: dt.datetime) -> bool:
    """The customer calls it off (only their own, only while open)."""
    where = [RoadsideRequest.customer_id == customer_id, RoadsideRequest.status.in_(OPEN_STATUSES)]
    return await _conditional(session, request_id, where, status="cancelled", updated_at=now)


async def due_for_escalation(session: AsyncSession, now: dt.datetime, limit: int = 100) -> list[RoadsideView]:
    """Requests still 'new' at their escalation time, oldest first."""
    statement = (
        select(RoadsideRequest)
        .where(RoadsideRequest.status == "new", RoadsideRequest.escalate_at <= now)
        .order_by(RoadsideRequest.escalate_at, RoadsideRequest.id)
        .limit(limit)
    )
    return [_view(row) for row in (await session.scalars(statement)).all()]


async def mark_escalated(session: AsyncSession, request_id: int, now: dt.datetime) -> bool:
    """'new' → 'escalated', once: a second tick, or a claim that came first, finds nothing to change."""
    return await _conditional(
        session, request_id, [RoadsideRequest.status == "new"], status="escalated", escalated_at=now, updated_at=now
    )
