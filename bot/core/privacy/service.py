"""What the bot stores about a customer, their two message preferences, and forgetting them (no telegram).

- `stored_about`: every field and count /privacy lists, for one Telegram user.
- `set_preference`: service reminders and marketing are switched separately (Customer.reminders_opt_out,
  Customer.marketing_opt_out); /stop is marketing off.
- `forget`: deletes what the customer gave the bot and their Telegram identity, and keeps the dealer's own records:
  the customer row goes (name, phone, Telegram ids, dealer id, language, consent) and a bare one takes its place
  holding only the Telegram id, the opt-outs and `forgotten_at`, so a /stop still holds and nothing (not even
  the Telegram name) is stored again until they accept the privacy notice again; the readings they typed go;
  the advisors' cards about them are listed for the caller to blank, and their tickets' topics. When the row
  holds the dealer's record (a name or dealer id, which only the import writes, or cars the import linked to
  the phone: Vehicle.owner_imported), that record is split off first as the import would leave it: phone,
  name, dealer id, opt-outs and the dealer's cars with their visits, linked to no Telegram account, so sharing
  the same phone in /mycar finds the cars again. Cars claimed or registered in the chat stay as service
  records linked to no one, with their visits and the dealer's readings (counts);
  the chat's unsent outbox messages are dropped and every outbox row of the chat loses its text and chat id
  (the status counts stay); the chat's reachability row and the user's saved flow state and answers go.
  Their tickets (with the contacts logged on them), appointments and roadside requests go with the customer
  row (ON DELETE CASCADE): an open booking gives its place back first and an open roadside request (claimed, an
  advisor perhaps on the way) is withdrawn, both named in the report so the customer and the advisors are told
  (`pending` names the request before, for the warning); follow-up ratings of their cars' visits stay, without the
  comments they wrote.
  Their "remind me later" snoozes of their cars go. FAQ statistics (faq_miss) and the question → entry pairs
  kept for `kb learn` (faq_learned) hold no customer id, only the Telegram id of the latest asker: the rows whose
  words are theirs go (pairs already reviewed stay without the Telegram id, their words may be in faq.yaml by
  then; pairs with a long number, an e-mail or a link were never kept).
  Typed answers at a flow's prompts are taken by the flow and never reach the FAQ statistics.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.core.common.identifiers import format_plate
from bot.core.desk.booking import repo as appointment_repo
from bot.core.desk.roadside import repo as roadside_repo
from bot.core.desk.roadside.requests import OPEN_STATUSES
from bot.core.garage.cars import customer_of
from bot.core.outbox import store as outbox
from bot.db.common.base import utcnow
from bot.db.common.models import ConversationState
from bot.db.desk.booking.models import Appointment
from bot.db.desk.followups.models import FollowUp
from bot.db.desk.handoff.models import Ticket
from bot.db.desk.roadside.models import RoadsideRequest
from bot.db.faq.models import FaqLearned, FaqMiss
from bot.db.garage.models import Customer, OdometerReading, ServiceVisit, Vehicle
from bot.db.outbox.models import ChatStatus, Outbox
from bot.db.reminders.models import ReminderSnooze

Preference = Literal["reminders", "marketing"]
FORGOTTEN = "the customer asked to be forgotten"
CUSTOMER_SOURCE = "customer"  # odometer readings typed in the chat (bot.core.garage)


@dataclass(frozen=True)
class Preferences:
    """Which messages the customer agrees to receive (True = on)."""

    reminders: bool
    marketing: bool


@dataclass(frozen=True)
class StoredData:
    """What is stored about one Telegram user, as /privacy lists it. `known` False: nothing at all, or after
    /forget (`forgotten`) only the Telegram id and the two switches."""

    known: bool
    forgotten: bool = False
    first_name: str | None = None
    name: str | None = None
    phone: str | None = None  # masked: +86138****4417
    dealer_id: bool = False
    language: str | None = None
    consent_on: dt.date | None = None  # in the dealer's time zone
    preferences: Preferences = field(default_factory=lambda: Preferences(True, True))
    plates: tuple[str, ...] = ()
    readings: int = 0
    visits: int = 0
    messages_pending: int = 0
    messages_sent: int = 0
    saved_steps: int = 0


@dataclass(frozen=True)
class ForgetReport:
    """What `forget` did: rows deleted or unlinked, and the anonymous counts kept; and what the advisors'
    group still shows of the customer, for the caller to blank: (chat, message) of the cards and alerts,
    the ticket topics, the bookings withdrawn."""

    customer_deleted: bool
    vehicles_unlinked: int
    messages_dropped: int
    saved_steps_deleted: int
    visits_kept: int
    desk_messages: tuple[tuple[int, int], ...] = ()
    topics: tuple[int, ...] = ()
    withdrawn: tuple[int, ...] = ()
    open_topics: tuple[int, ...] = ()  # those of `topics` whose ticket was not closed yet (to close)
    record_kept: bool = False  # the dealer's own customer record stays, no longer linked to the Telegram account
    cars_kept: int = 0  # the cars on it (the dealer's, from its import)
    rescues: tuple[int, ...] = ()  # the open roadside requests withdrawn


@dataclass(frozen=True)
class Pending:
    """What /forget will call off, for its warning: the customer's open roadside request and their bookings."""

    rescue: int | None = None
    appointments: tuple[int, ...] = ()


async def pending(session: AsyncSession, user_id: int) -> Pending:
    """The customer's open roadside request (its id) and active bookings (theirs), which /forget withdraws."""
    rescue = await roadside_repo.open_for_user(session, user_id)
    customer = await customer_of(session, user_id)
    booked: tuple[int, ...] = ()
    if customer is not None:
        active = Appointment.customer_id == customer.id, Appointment.status.in_(appointment_repo.ACTIVE)
        booked = tuple(await session.scalars(select(Appointment.id).where(*active).order_by(Appointment.id)))
    return Pending(rescue=rescue.id if rescue is not None else None, appointments=booked)


def _local_date(moment: dt.datetime | None, tz: dt.tzinfo) -> dt.date | None:
    """A stored UTC time (SQLite hands it back naive) as a date in `tz`."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(tz).date()


def mask_phone(phone: str) -> str:
    """+8613826514417 → +86138****4417: enough for the customer to recognise, not enough to reuse."""
    return phone[:-8] + "****" + phone[-4:] if len(phone) > 8 else "****"


async def _count(session: AsyncSession, vehicle_column: InstrumentedAttribute[int], ids: list[int]) -> int:
    """Rows of a per-vehicle table (readings, visits) for these cars."""
    if not ids:
        return 0
    return await session.scalar(select(func.count()).where(vehicle_column.in_(ids))) or 0


async def _saved_step_ids(session: AsyncSession, user_id: int, chat_id: int) -> list[int]:
    """Rows of conversation_state for this user: their user_data, and conversations keyed by their ids.

    Conversation keys are stored as compact JSON lists (bot.handlers.common.persistence): `[chat,user]` for the default
    per-chat-and-user conversations, `[user]` or `[chat]` for per-user or per-chat ones.
    """
    keys = [json.dumps(key, separators=(",", ":")) for key in ([chat_id, user_id], [user_id], [chat_id])]
    statement = select(ConversationState.id).where(
        or_(
            (ConversationState.kind == "user_data") & (ConversationState.key == str(user_id)),
            (ConversationState.kind == "conversation") & ConversationState.key.in_(keys),
        )
    )
    return list(await session.scalars(statement))


async def stored_about(session: AsyncSession, user_id: int, chat_id: int, tz: dt.tzinfo) -> StoredData:
    """Every field and count stored about this Telegram user; dates in `tz` (the dealer's time zone)."""
    customer = await customer_of(session, user_id)
    if customer is None:
        return StoredData(known=False)
    if customer.forgotten_at is not None:  # only their opt-outs are kept
        return StoredData(known=False, forgotten=True, preferences=Preferences(not customer.reminders_opt_out,
                                                               not customer.marketing_opt_out))  # fmt: skip
    cars = list(await session.execute(select(Vehicle.id, Vehicle.plate).where(Vehicle.customer_id == customer.id)))
    ids = [car_id for car_id, _ in cars]
    readings = await _count(session, OdometerReading.vehicle_id, ids)
    visits = await _count(session, ServiceVisit.vehicle_id, ids)
    by_status = dict(
        (await session.execute(select(Outbox.status, func.count()).where(Outbox.chat_id == chat_id)
                               .group_by(Outbox.status))).all()
    )  # fmt: skip
    return StoredData(
        known=True,
        first_name=customer.first_name,
        name=customer.name,
        phone=mask_phone(customer.phone) if customer.phone else None,
        dealer_id=customer.external_id is not None,
        language=customer.locale_choice,
        consent_on=_local_date(customer.consent_at, tz),
        preferences=Preferences(not customer.reminders_opt_out, not customer.marketing_opt_out),
        plates=tuple(format_plate(plate) for _, plate in cars if plate),
        readings=readings,
        visits=visits,
        messages_pending=by_status.get(outbox.PENDING, 0) + by_status.get(outbox.SENDING, 0),
        messages_sent=by_status.get(outbox.SENT, 0),
        saved_steps=len(await _saved_step_ids(session, user_id, chat_id)),
    )


async def preferences(session: AsyncSession, user_id: int) -> Preferences:
    """The customer's two switches (both on for someone the bot has no row for)."""
    customer = await customer_of(session, user_id)
    if customer is None:
        return Preferences(True, True)
    return Preferences(not customer.reminders_opt_out, not customer.marketing_opt_out)


async def set_preference(session: AsyncSession, user_id: int, which: Preference, on: bool) -> Preferences:
    """Turn service reminders or marketing on or off for this customer; returns both switches."""
    customer = await customer_of(session, user_id)
    if customer is None:
        return Preferences(True, True)
    if which == "reminders":
        customer.reminders_opt_out = not on
    else:
        customer.marketing_opt_out = not on
    await session.flush()
    return Preferences(not customer.reminders_opt_out, not customer.marketing_opt_out)


async def forget(session: AsyncSession, user_id: int, chat_id: int) -> ForgetReport:
    """Delete this customer's personal data, keeping the dealer's own record (split off, linked to no Telegram
    account) and anonymous counts (see the module docstring)."""
    customer = await customer_of(session, user_id)
    if customer is not None and customer.forgotten_at is not None:  # forgotten already: the bare row stays
        customer = None
    unlinked = visits = kept = 0
    record_kept = False
    desk: list[tuple[int, int]] = []
    topics: list[int] = []
    open_topics: list[int] = []
    withdrawn: list[int] = []
    rescues: list[int] = []
    opt_outs = (False, False)
    customer_id = customer.id if customer is not None else None
    if customer is not None and customer_id is not None:
        opt_outs = (customer.reminders_opt_out, customer.marketing_opt_out)
        ids = list(await session.scalars(select(Vehicle.id).where(Vehicle.customer_id == customer_id)))
        if ids:
            visits = await _count(session, ServiceVisit.vehicle_id, ids)
            # Their follow-up answers stay as anonymous ratings; the words they wrote go.
            rated = select(ServiceVisit.id).where(ServiceVisit.vehicle_id.in_(ids))
            await session.execute(update(FollowUp).where(FollowUp.visit_id.in_(rated)).values(comment=None))
            # Readings they typed go (the dealer's own, from its imports, stay with the car).
            await session.execute(delete(OdometerReading).where(OdometerReading.vehicle_id.in_(ids),
                                                                OdometerReading.source == CUSTOMER_SOURCE))  # fmt: skip
            # Their "remind me later" choices too (a car found again must not stay quiet on their old word).
            await session.execute(delete(ReminderSnooze).where(ReminderSnooze.vehicle_id.in_(ids)))
        record_kept, kept = await _keep_dealer_record(session, customer)
        result = await session.execute(
            update(Vehicle).where(Vehicle.customer_id == customer_id).values(customer_id=None, updated_at=utcnow())
        )
        unlinked = kept + result.rowcount  # type: ignore[attr-defined]
        desk, topics, open_topics = await _desk_traces(session, customer_id)
        withdrawn = await _give_back_places(session, customer_id)
        rescues = await _open_rescues(session, customer_id)
        await session.delete(customer)
    chat_rows = or_(Outbox.chat_id == chat_id, *([Outbox.customer_id == customer_id] if customer_id else []))
    dropped = await session.execute(
        update(Outbox).where(chat_rows, Outbox.status == outbox.PENDING).values(status=outbox.DROPPED,
                                                                               last_error=FORGOTTEN)
    )  # fmt: skip
    # A row being sent right now keeps its text until the sender records the outcome; every other row of the
    # chat keeps only its kind, status and times.
    await session.execute(
        update(Outbox).where(chat_rows, Outbox.status != outbox.SENDING).values(payload={}, chat_id=0, customer_id=None)
    )
    await session.execute(delete(ChatStatus).where(ChatStatus.chat_id == chat_id))
    # Their words in the FAQ statistics: the misses they were the latest to type, and the unreviewed pairs.
    await session.execute(delete(FaqMiss).where(FaqMiss.asked_by == user_id))
    await session.execute(delete(FaqLearned).where(FaqLearned.asked_by == user_id, FaqLearned.status == "new"))
    await session.execute(update(FaqLearned).where(FaqLearned.asked_by == user_id).values(asked_by=None))  # reviewed
    steps = await _saved_step_ids(session, user_id, chat_id)
    if steps:
        await session.execute(delete(ConversationState).where(ConversationState.id.in_(steps)))
    if customer is not None:  # a tombstone: their "no" is kept, and nothing about them is stored again (not even
        await session.flush()  # the Telegram name) until they agree to the privacy notice again
        session.add(Customer(telegram_user_id=user_id, reminders_opt_out=opt_outs[0], marketing_opt_out=opt_outs[1],
                             forgotten_at=utcnow()))  # fmt: skip
    await session.flush()
    return ForgetReport(customer is not None, unlinked, dropped.rowcount, len(steps), visits,  # type: ignore[attr-defined]
                        tuple(desk), tuple(topics), tuple(withdrawn), tuple(open_topics), record_kept,
                        kept, tuple(rescues))  # fmt: skip


async def _keep_dealer_record(session: AsyncSession, customer: Customer) -> tuple[bool, int]:
    """Split the dealer's own record off the Telegram customer row before it goes: a new row with the phone,
    name, dealer id and opt-outs, and the cars whose owner link came from the dealer's import
    (Vehicle.owner_imported), so sharing the same phone again finds them. Only imports write a name or a dealer
    id, and a car's owner link by the import is the dealer's link of that phone; a row with none of these the
    bot made itself from what the customer gave, and nothing of it is kept. Returns (kept, cars on it)."""
    dealer_cars = list(await session.scalars(select(Vehicle.id).where(Vehicle.customer_id == customer.id,
                                                                      Vehicle.owner_imported)))  # fmt: skip
    if customer.phone is None or not (customer.name or customer.external_id or dealer_cars):
        return False, 0
    phone, customer.phone = customer.phone, None
    await session.flush()  # the phone is unique: free it before the record takes it
    record = Customer(phone=phone, name=customer.name, external_id=customer.external_id,
                      reminders_opt_out=customer.reminders_opt_out,
                      marketing_opt_out=customer.marketing_opt_out)  # fmt: skip
    session.add(record)
    await session.flush()
    if dealer_cars:
        await session.execute(
            update(Vehicle).where(Vehicle.id.in_(dealer_cars)).values(customer_id=record.id, updated_at=utcnow())
        )
    return True, len(dealer_cars)


async def _desk_traces(session: AsyncSession, customer_id: int) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """What the advisors' group shows of this customer: the messages the outbox sent there about them (booking
    cards, roadside alerts, escalations), their tickets' topics, and those of them still open."""
    sent = select(Outbox.chat_id, Outbox.telegram_message_id).where(
        Outbox.customer_id == customer_id, Outbox.chat_id < 0, Outbox.telegram_message_id.is_not(None)
    )
    messages = sorted({(int(chat), int(message)) for chat, message in (await session.execute(sent)).all()})
    statement = select(Ticket.topic_id, Ticket.status).where(Ticket.customer_id == customer_id,
                                                             Ticket.topic_id.is_not(None))  # fmt: skip
    rows = (await session.execute(statement)).all()
    topics = sorted({int(topic) for topic, _ in rows})
    return messages, topics, sorted({int(topic) for topic, status in rows if status != "closed"})


async def _give_back_places(session: AsyncSession, customer_id: int) -> list[int]:
    """Their bookings go with them (ON DELETE CASCADE), so the places they held are cancelled first; returns
    the ids of the bookings withdrawn (the advisors are told)."""
    active = Appointment.customer_id == customer_id, Appointment.status.in_(appointment_repo.ACTIVE)
    held = await session.scalars(select(Appointment).where(*active).order_by(Appointment.id))
    withdrawn = []
    for appointment in held.all():
        appointment_id = appointment.id  # cancel() expires the row
        if await appointment_repo.cancel(session, appointment, FORGOTTEN):
            withdrawn.append(appointment_id)
    return withdrawn


async def _open_rescues(session: AsyncSession, customer_id: int) -> list[int]:
    """Their roadside requests go with them (ON DELETE CASCADE); the ids of those still open (new, claimed, an
    advisor on the way), which are withdrawn: the customer and the advisors are told."""
    statement = select(RoadsideRequest.id).where(
        RoadsideRequest.customer_id == customer_id, RoadsideRequest.status.in_(OPEN_STATUSES)
    )
    return sorted(await session.scalars(statement))
