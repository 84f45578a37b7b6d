"""The durable outbox: enqueue once per idempotency key, claim atomically, record what happened (no telegram).

Every message the bot starts (reminders, follow-ups, campaigns, staff notices) is a row first
(DESIGN.md, decision 1). The sender (bot.core.outbox.sender) claims due rows, sends them within Telegram's limits
and records the outcome here. Claiming is one atomic step: on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED`
then `UPDATE … RETURNING` in one transaction, so racing claimers get disjoint rows; on SQLite one
`UPDATE … WHERE id IN (SELECT …) RETURNING` under SQLite's single writer lock. A row claimed by a sender
that crashed is claimed again once its lease ran out: a message whose request was in flight at the crash
may be delivered twice, never lost.

Times are aware datetimes in UTC (decision 8); SQLite hands them back naive, `_utc` puts the zone back.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.common.base import utcnow
from bot.db.common.dialect import upsert_insert
from bot.db.garage.models import Customer
from bot.db.outbox.models import ChatStatus, Outbox

CAMPAIGN_PRIORITY = 1  # claimed after every due row of priority 0 (answers' notices, reminders, roadside)
PRIORITIES = (0, CAMPAIGN_PRIORITY)  # every priority a row may have: the claim reads each in turn
PENDING, SENDING, SENT, FAILED, DROPPED, UNREACHABLE = "pending", "sending", "sent", "failed", "dropped", "unreachable"
STATUSES = (PENDING, SENDING, SENT, FAILED, DROPPED, UNREACHABLE)
ERROR_LENGTH = 1024


def message_payload(
    text: str, reply_markup: Mapping[str, Any] | None = None, *, parse_mode: str = "HTML", preview: bool = False
) -> dict[str, Any]:
    """A `sendMessage` payload: text already rendered from a template, in Telegram HTML by default."""
    payload: dict[str, Any] = {"method": "sendMessage", "text": text, "parse_mode": parse_mode}
    if not preview:
        payload["link_preview_options"] = {"is_disabled": True}
    if reply_markup:
        payload["reply_markup"] = dict(reply_markup)
    return payload


@dataclass(frozen=True)
class OutboxItem:
    """One message to enqueue: `payload` is {"method": "sendMessage", …Bot API parameters but chat_id}."""

    key: str
    kind: str
    chat_id: int
    payload: Mapping[str, Any]
    not_before: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    customer_id: int | None = None
    priority: int = 0  # lower goes first; campaigns use CAMPAIGN_PRIORITY so they never crowd out the rest


@dataclass(frozen=True)
class Claimed:
    """A row this sender holds (status 'sending'), detached from the session."""

    id: int
    key: str
    kind: str
    chat_id: int
    customer_id: int | None
    payload: dict[str, Any]
    attempts: int
    not_before: dt.datetime
    expires_at: dt.datetime | None

    def deadline(self, expiry_hours: Mapping[str, float]) -> dt.datetime | None:
        """When the message stops being useful: its own expires_at, else not_before + its kind's expiry."""
        if self.expires_at is not None:
            return self.expires_at
        hours = expiry_hours.get(self.kind)
        return None if hours is None else self.not_before + dt.timedelta(hours=hours)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _aware(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime (times are stored in UTC)")
    return value.astimezone(dt.UTC)


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"



def _row(item: OutboxItem, now: dt.datetime) -> dict[str, Any]:
    if "method" not in item.payload:
        raise ValueError(f"outbox payload for {item.key!r} names no Bot API method")
    if len(item.key) > 200:
        raise ValueError(f"idempotency key longer than 200 characters: {item.key[:40]!r}…")
    if item.priority not in PRIORITIES:
        raise ValueError(f"outbox priority {item.priority} for {item.key!r}: expected one of {PRIORITIES}")
    not_before = _aware(item.not_before, "not_before") if item.not_before else now
    return {
        "idempotency_key": item.key,
        "kind": item.kind,
        "chat_id": item.chat_id,
        "customer_id": item.customer_id,
        "payload": dict(item.payload),
        "status": PENDING,
        "priority": item.priority,
        "attempts": 0,
        "not_before": not_before,
        "expires_at": _aware(item.expires_at, "expires_at") if item.expires_at else None,
        "next_attempt_at": not_before,
        "created_at": now,
    }


async def enqueue(
    session: AsyncSession,
    key: str,
    kind: str,
    chat_id: int,
    payload: Mapping[str, Any],
    not_before: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    customer_id: int | None = None,
) -> bool:
    """Add one message unless its idempotency key is already there; True when it is new."""
    item = OutboxItem(key, kind, chat_id, payload, not_before, expires_at, customer_id)
    return await enqueue_many(session, [item]) == 1


async def enqueue_many(session: AsyncSession, items: Iterable[OutboxItem], now: dt.datetime | None = None) -> int:
    """Add messages, skipping keys already enqueued (ON CONFLICT DO NOTHING); returns how many were new.

    On PostgreSQL a batch of COPY_MIN_ROWS or more goes through COPY (`_copy_many`): the same rows, in the same
    order, the same keys skipped."""
    now = now or utcnow()
    rows = [_row(item, now) for item in items]
    if not rows:
        return 0
    if len(rows) >= COPY_MIN_ROWS and _is_postgres(session):
        return await _copy_many(session, rows)
    # One cached Core statement run for all rows (SQLAlchemy's "insertmanyvalues" batches them within each
    # driver's parameter limit); a multi-row .values() is compiled anew per call, ~7x slower on SQLite.
    table = Outbox.__table__
    statement = (
        upsert_insert(session)(table).on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(table.c.id)
    )
    return len((await session.execute(statement, rows)).all())


# The columns enqueue writes, in the staging table's order; `n` keeps the batch's order (ids follow it).
_COPY_COLUMNS = ("idempotency_key", "kind", "chat_id", "customer_id", "payload", "status", "priority", "attempts",
                 "not_before", "expires_at", "next_attempt_at", "created_at")  # fmt: skip
COPY_MIN_ROWS = 200  # below this the plain INSERT costs less than creating the staging table's round trips
_STAGE = "outbox_enqueue_stage"
_CREATE_STAGE = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} ON COMMIT DELETE ROWS AS "
    f"SELECT {', '.join(_COPY_COLUMNS)}, 0 AS n FROM outbox WITH NO DATA"
)
_FROM_STAGE = (
    f"INSERT INTO outbox ({', '.join(_COPY_COLUMNS)}) SELECT {', '.join(_COPY_COLUMNS)} FROM {_STAGE} ORDER BY n "
    "ON CONFLICT (idempotency_key) DO NOTHING"
)


async def _copy_many(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """PostgreSQL: COPY the rows into a temporary staging table, then one INSERT … SELECT … ON CONFLICT DO NOTHING.

    SQLAlchemy's multi-row INSERT … RETURNING built and bound a dozen parameters a row and read an id back per row:
    18–33 µs a reminder, as much as rendering it, for the 190,958 reminders of the first sweep at 1,000,000 cars.
    COPY sends the rows in asyncpg's binary format. The payload is the same JSON text SQLAlchemy's JSON type writes
    (json.dumps, the engine's default serializer), so the rows are the same byte for byte; the batch keeps its
    order (`n`), so ids are given in the same order. The staging table lives in the connection's temporary schema,
    is emptied at every commit and after each use (one transaction may enqueue twice); everything runs in the
    session's transaction, so a rollback takes the rows away as before."""
    connection = await session.connection()
    await connection.exec_driver_sql(_CREATE_STAGE)  # through SQLAlchemy: it begins the driver's transaction
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    records = [(*(row[column] for column in _COPY_COLUMNS[:4]), json.dumps(row["payload"]),
                *(row[column] for column in _COPY_COLUMNS[5:]), n) for n, row in enumerate(rows)]  # fmt: skip
    await driver.copy_records_to_table(_STAGE, records=records, columns=(*_COPY_COLUMNS, "n"))
    status = await driver.execute(_FROM_STAGE)  # "INSERT 0 <rows inserted>"
    await driver.execute(f"TRUNCATE {_STAGE}")
    return int(status.rsplit(" ", 1)[1])


def _claimed(row: Any) -> Claimed:
    return Claimed(
        row.id, row.idempotency_key, row.kind, row.chat_id, row.customer_id, dict(row.payload), row.attempts,
        _utc(row.not_before), _utc(row.expires_at),  # type: ignore[arg-type]
    )


async def claim_batch(
    session: AsyncSession, limit: int, worker_id: str, now: dt.datetime, lease_seconds: float = 60.0
) -> list[Claimed]:
    """Atomically take up to `limit` due rows (and rows whose claim is older than the lease): lower priority
    first (campaigns after everything else), then oldest first.

    Each part is read in the order of its index and stops at `limit` (pending rows of one priority by
    (status, priority, next_attempt_at, id); stale claims by (status, claimed_at)), so a claim costs the rows it
    takes, not the rows waiting: one query with an OR over both parts had to sort every due row first (185 ms
    with 100,000 campaign rows due, against 24 ms with 2,000 — measured, bench/broadcast_bench.py)."""
    stale = now - dt.timedelta(seconds=lease_seconds)
    parts = [
        select(Outbox.id, Outbox.priority, Outbox.next_attempt_at)
        .where(Outbox.status == PENDING, Outbox.priority == priority, Outbox.next_attempt_at <= now)
        .order_by(Outbox.next_attempt_at, Outbox.id)
        .limit(limit)
        for priority in PRIORITIES
    ]
    parts.append(
        select(Outbox.id, Outbox.priority, Outbox.next_attempt_at)
        .where(Outbox.status == SENDING, Outbox.claimed_at < stale)
        .order_by(Outbox.claimed_at, Outbox.id)
        .limit(limit)
    )
    postgres = _is_postgres(session)
    found = []
    for part in parts:
        found.extend((await session.execute(part.with_for_update(skip_locked=True) if postgres else part)).all())
    found.sort(key=lambda r: (r.priority, _utc(r.next_attempt_at), r.id))
    ids = [r.id for r in found[:limit]]
    if not ids:
        return []
    # The rows' state again in the UPDATE, so a row taken meanwhile is not taken twice; not as an OR (SQLite
    # would answer it from the status indexes, every due row again, instead of the ids).
    still_due = case((Outbox.status == PENDING, Outbox.next_attempt_at <= now),
                     (Outbox.status == SENDING, Outbox.claimed_at < stale), else_=False)  # fmt: skip
    columns = (Outbox.id, Outbox.idempotency_key, Outbox.kind, Outbox.chat_id, Outbox.customer_id, Outbox.payload,
               Outbox.attempts, Outbox.not_before, Outbox.expires_at, Outbox.next_attempt_at, Outbox.priority)
    statement = (
        update(Outbox).values(status=SENDING, claimed_at=now, claimed_by=worker_id)
        .where(Outbox.id.in_(ids), still_due).returning(*columns)
    )  # fmt: skip
    rows = (await session.execute(statement)).all()
    rows.sort(key=lambda r: (r.priority, _utc(r.next_attempt_at), r.id))
    return [_claimed(row) for row in rows]


async def release(session: AsyncSession, ids: Sequence[int], next_attempt_at: dt.datetime | None = None) -> None:
    """Give claimed rows back untried (shutdown, a long wait for one chat); not counted as an attempt."""
    if not ids:
        return
    values: dict[str, Any] = {"status": PENDING, "claimed_at": None, "claimed_by": None}
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    await session.execute(update(Outbox).where(Outbox.id.in_(ids), Outbox.status == SENDING).values(**values))


async def mark_sent(session: AsyncSession, id_: int, message_id: int | None, now: dt.datetime) -> None:
    await mark_sent_many(session, [(id_, message_id, now)])


async def mark_sent_many(session: AsyncSession, sent: Sequence[tuple[int, int | None, dt.datetime]]) -> None:
    """Record deliveries (row id, Telegram message id, when) in one statement run for each (executemany)."""
    if not sent:
        return
    table = Outbox.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(status=SENT, sent_at=bindparam("at"), telegram_message_id=bindparam("message_id"),
                attempts=table.c.attempts + 1, last_error=None)
    )
    rows = [{"row_id": id_, "message_id": message_id, "at": at} for id_, message_id, at in sent]
    await (await session.connection()).execute(statement, rows)


async def mark_retry(session: AsyncSession, id_: int, error: str, next_attempt_at: dt.datetime) -> None:
    """A failed try that may work later (5xx, timeout): back to pending after the backoff."""
    await session.execute(
        update(Outbox)
        .where(Outbox.id == id_)
        .values(status=PENDING, next_attempt_at=next_attempt_at, attempts=Outbox.attempts + 1,
                last_error=error[:ERROR_LENGTH], claimed_at=None, claimed_by=None)
    )


async def mark_failed(session: AsyncSession, id_: int, error: str, counted: bool = True) -> None:
    """Given up: out of attempts, or refused by Telegram for good; the error is kept."""
    values: dict[str, Any] = {"status": FAILED, "last_error": error[:ERROR_LENGTH]}
    if counted:
        values["attempts"] = Outbox.attempts + 1
    await session.execute(update(Outbox).where(Outbox.id == id_).values(**values))


async def mark_dropped(session: AsyncSession, ids: Sequence[int], reason: str) -> None:
    """Too late to be useful: not sent, counted under 'dropped'."""
    if ids:
        await session.execute(update(Outbox).where(Outbox.id.in_(ids)).values(status=DROPPED, last_error=reason))


async def mark_unreachable(session: AsyncSession, chat_id: int, reason: str, now: dt.datetime) -> int:
    """The chat refused us (403, chat not found): remember it; no unsent row for it is tried again."""
    await set_chat_reachable(session, chat_id, False, reason, now)
    return await mark_rows_unreachable(session, chat_id, reason)


async def mark_rows_unreachable(session: AsyncSession, chat_id: int, reason: str) -> int:
    """Close the unsent rows of a chat known to be unreachable; returns how many."""
    result = await session.execute(
        update(Outbox)
        .where(Outbox.chat_id == chat_id, Outbox.status.in_((PENDING, SENDING)))
        .values(status=UNREACHABLE, last_error=reason[:ERROR_LENGTH])
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def set_chat_reachable(
    session: AsyncSession, chat_id: int, reachable: bool, reason: str | None, now: dt.datetime
) -> None:
    """Record a chat as blocked/unreachable or reachable again (my_chat_member, a 403); customers too."""
    unreachable_at = None if reachable else now
    insert = upsert_insert(session)(ChatStatus).values(
        chat_id=chat_id, unreachable_at=unreachable_at, reason=reason, updated_at=now
    )
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["chat_id"], set_={"unreachable_at": unreachable_at, "reason": reason, "updated_at": now}
        )
    )
    await session.execute(update(Customer).where(Customer.chat_id == chat_id).values(unreachable_at=unreachable_at))


async def unreachable_chats(session: AsyncSession, chat_ids: Iterable[int]) -> set[int]:
    """Which of these chats are known to refuse messages."""
    wanted = set(chat_ids)
    if not wanted:
        return set()
    statement = select(ChatStatus.chat_id).where(ChatStatus.chat_id.in_(wanted), ChatStatus.unreachable_at.is_not(None))
    return set((await session.execute(statement)).scalars())


async def counts(session: AsyncSession) -> dict[str, int]:
    """Rows per status, every status present (for metrics and the CLI)."""
    rows = (await session.execute(select(Outbox.status, func.count()).group_by(Outbox.status))).all()
    found = {status: int(count) for status, count in rows}
    return {status: found.get(status, 0) for status in STATUSES}


async def claim_key(session: AsyncSession, key: str, worker_id: str, now: dt.datetime) -> Claimed | None:
    """Take the pending row with this key for an immediate send (None: sent already, or the sender has it)."""
    columns = (Outbox.id, Outbox.idempotency_key, Outbox.kind, Outbox.chat_id, Outbox.customer_id, Outbox.payload,
               Outbox.attempts, Outbox.not_before, Outbox.expires_at)  # fmt: skip
    statement = (
        update(Outbox)
        .where(Outbox.idempotency_key == key, Outbox.status == PENDING)
        .values(status=SENDING, claimed_at=now, claimed_by=worker_id)
        .returning(*columns)
    )
    row = (await session.execute(statement)).first()
    return _claimed(row) if row is not None else None


async def message_id_of(session: AsyncSession, key: str) -> int | None:
    """The Telegram message id the outbox recorded for this key (None: not sent yet)."""
    statement = select(Outbox.telegram_message_id).where(Outbox.idempotency_key == key, Outbox.status == SENT)
    return (await session.execute(statement)).scalar_one_or_none()


@dataclass(frozen=True)
class SentMessage:
    """A message the outbox delivered: where it is, so it can be edited later."""

    key: str
    chat_id: int
    message_id: int


async def sent_under(session: AsyncSession, prefix: str) -> list[SentMessage]:
    """The delivered rows whose key starts with `prefix` (e.g. one booking's desk cards), oldest first."""
    statement = (
        select(Outbox.idempotency_key, Outbox.chat_id, Outbox.telegram_message_id)
        .where(Outbox.idempotency_key.startswith(prefix, autoescape=True), Outbox.status == SENT,
               Outbox.telegram_message_id.is_not(None))
        .order_by(Outbox.id)
    )  # fmt: skip
    return [SentMessage(key, chat, message) for key, chat, message in (await session.execute(statement)).all()]
