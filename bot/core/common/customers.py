"""Customers as every handler meets them: created or refreshed on each update, and their language choice."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import bindparam, case, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common.locale import from_language_code
from bot.db.common.base import utcnow
from bot.db.common.dialect import engine_of, upsert_insert
from bot.db.garage.models import Customer

log = logging.getLogger(__name__)

SEEN_FLUSH_SECONDS = 5.0  # buffered "last seen" times are written at most this often (and at shutdown)
SEEN_FLUSH_SIZE = 1000  # or as soon as this many customers wait


@dataclass(frozen=True)
class CustomerView:
    """What handlers need to know about a customer, detached from the session."""

    id: int
    telegram_user_id: int
    first_name: str | None
    language_code: str | None
    locale_choice: str | None
    last_locale: str | None


_VIEW_COLUMNS = (Customer.id, Customer.telegram_user_id, Customer.first_name, Customer.language_code,
                 Customer.locale_choice, Customer.last_locale)  # fmt: skip
# The same as Core columns: `meet_customer` runs for every update and skips the ORM session's bookkeeping.
_TABLE = Customer.__table__
_INSERT = insert(_TABLE).returning(*(_TABLE.c[column.key] for column in _VIEW_COLUMNS))


def _view(row: Customer) -> CustomerView:
    return CustomerView(
        row.id, row.telegram_user_id, row.first_name, row.language_code, row.locale_choice, row.last_locale
    )


async def touch_customer(
    session: AsyncSession,
    telegram_user_id: int,
    chat_id: int | None,
    first_name: str | None,
    language_code: str | None,
    last_locale: str | None = None,
    forget_last_locale: bool = False,
) -> CustomerView:
    """Create the customer on first contact, refresh what Telegram tells us on every later one (one upsert).
    `chat_id` is the customer's private chat, None when they write elsewhere (a group they share with the
    bot, e.g. the advisors'): their chat id is never taken from there, or their replies would go to the group.
    `forget_last_locale` clears the stored written locale when this contact writes none."""
    values = _touch_values(telegram_user_id, chat_id, first_name, language_code, last_locale)
    if forget_last_locale and not last_locale:
        values["last_locale"] = None  # `meet_customer`: written before Telegram's language changed
    # A known customer (nearly every update) is one plain UPDATE, whose compiled form SQLAlchemy caches; the
    # dialects' upserts are compiled afresh on each call, so they are kept for the first contact.
    refresh = {k: v for k, v in values.items() if k != "telegram_user_id"}
    refresh["first_name"] = case((Customer.forgotten_at.is_(None), first_name), else_=None)
    statement = sql_update(Customer).where(Customer.telegram_user_id == telegram_user_id).values(refresh)
    # No objects of this session to bring up to date (the row comes back by RETURNING): skipping SQLAlchemy's
    # evaluation of the WHERE clause against the identity map saves a good part of the statement's CPU.
    known = await session.execute(statement.returning(Customer).execution_options(synchronize_session=False))
    if (row := known.scalar_one_or_none()) is not None:
        return _view(row)
    return await _create_customer(session, values)


async def _create_customer(session: AsyncSession, values: dict[str, object]) -> CustomerView:
    """The first contact's row (an upsert: another process may have created it meanwhile)."""
    insert = upsert_insert(session)(Customer).values(**values)
    update = {k: insert.excluded[k] for k in values if k != "telegram_user_id"}
    # A customer who asked to be forgotten is not named again until they accept the privacy notice again.
    update["first_name"] = case((Customer.forgotten_at.is_(None), insert.excluded.first_name), else_=None)
    statement = insert.on_conflict_do_update(index_elements=["telegram_user_id"], set_=update).returning(Customer)
    row = (await session.execute(statement)).scalar_one()
    return _view(row)


class SeenTimes:
    """When each customer was last seen, buffered and written for all of them in one statement now and then.

    Nearly every update comes from a known customer whose name, language and chat have not changed: all that
    is new is the time. Writing it at once cost a write transaction per update, and on SQLite concurrent
    updates queued on the database's one write lock. Nothing reads `last_seen_at` while the process runs, and a
    crash loses at most the last few seconds of it; everything else about the customer is still written at once
    (`meet_customer`)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._pending: dict[int, dt.datetime] = {}  # telegram user id → seen at
        self._flushed_at = time.monotonic()

    @property
    def pending(self) -> dict[int, dt.datetime]:
        """What waits to be written (a copy)."""
        return dict(self._pending)

    async def seen(self, telegram_user_id: int, at: dt.datetime | None = None) -> None:
        """Note the customer's contact; write the buffer if it is old or large enough."""
        self._pending[telegram_user_id] = at or utcnow()
        if len(self._pending) >= SEEN_FLUSH_SIZE or time.monotonic() - self._flushed_at >= SEEN_FLUSH_SECONDS:
            try:
                await self.flush()
            except SQLAlchemyError:  # the customer's answer does not wait on bookkeeping; kept for the next try
                log.warning("could not write customers' last-seen times; kept for the next write", exc_info=True)

    async def flush(self) -> None:
        """Write every buffered time in one transaction (one statement, executed for each customer); on failure
        they stay buffered, a later time of the same customer winning."""
        taken, self._pending, self._flushed_at = self._pending, {}, time.monotonic()
        if not taken:
            return
        table = Customer.__table__
        statement = (
            sql_update(table)
            # never back in time: a write-through of a changed detail may have stored a later time meanwhile
            .where(table.c.telegram_user_id == bindparam("user_id"), table.c.last_seen_at < bindparam("seen_at"))
            .values(last_seen_at=bindparam("seen_at"))
        )
        rows = [{"user_id": user_id, "seen_at": at} for user_id, at in sorted(taken.items())]
        try:
            async with self.sessions.begin() as session:
                await (await session.connection()).execute(statement, rows)
        except BaseException:
            for user_id, at in taken.items():
                self._pending[user_id] = max(at, self._pending.get(user_id, at))
            raise


@dataclass(frozen=True)
class _Known:
    """What `meet_customer` compares with what Telegram says now."""

    id: int
    chat_id: int | None
    first_name: str | None
    language_code: str | None
    locale_choice: str | None
    last_locale: str | None
    forgotten: bool


async def meet_customer(
    sessions: async_sessionmaker[AsyncSession],
    seen: SeenTimes,
    telegram_user_id: int,
    chat_id: int | None,
    first_name: str | None,
    language_code: str | None,
    written: Callable[[str | None], str | None],
) -> tuple[CustomerView, str | None]:
    """`touch_customer` for an update, with one read instead of a write when nothing but the time is new.

    `written(last_locale)` is the locale the message is written in, given the customer's previous one (None:
    no telling). Returns the customer as stored after this contact and that written locale. A new customer, or
    one whose chat, Telegram name, language or written locale changed, is written at once as before; otherwise
    only the time is noted, in `seen`. Core statements on a bare connection: this runs for every update, and an
    ORM session's bookkeeping was a third of the bot's own work per answer (bench/throughput_bench.py)."""
    c = _TABLE.c
    async with engine_of(sessions).connect() as connection:
        found = (
            await connection.execute(
                select(
                    c.id, c.chat_id, c.first_name, c.language_code, c.locale_choice, c.last_locale,
                    c.forgotten_at.is_not(None),
                ).where(c.telegram_user_id == telegram_user_id)
            )
        ).one_or_none()
    known = _Known(*found) if found is not None else None
    moved = known is not None and _language_moved(known.language_code, language_code)
    if known is not None and moved:
        # The customer switched Telegram's language since they last wrote: the script they wrote then no longer
        # outranks the language Telegram now says (decision 5); what they write from now on does again.
        known = replace(known, last_locale=None)
    locale = written(known.last_locale if known is not None else None)
    if known is not None and not _changed(known, chat_id, first_name, language_code, locale):
        await seen.seen(telegram_user_id)
        view = CustomerView(known.id, telegram_user_id, known.first_name, known.language_code, known.locale_choice,
                            known.last_locale)  # fmt: skip
        return view, locale
    if known is None:  # first contact: a plain INSERT, whose compiled form SQLAlchemy caches (not the upsert's)
        values = _touch_values(telegram_user_id, chat_id, first_name, language_code, locale)
        try:
            async with engine_of(sessions).begin() as connection:
                row = (await connection.execute(_INSERT, values)).one()
            return CustomerView(*row), locale
        except IntegrityError:
            pass  # another process (a replica, an import) created them meanwhile: refreshed as a known customer
    async with sessions.begin() as session:
        view = await touch_customer(session, telegram_user_id, chat_id, first_name, language_code, last_locale=locale,
                                    forget_last_locale=moved)  # fmt: skip
    return view, locale


def _language_moved(before: str | None, now: str | None) -> bool:
    """Whether Telegram's language_code now names another locale than it did (en-US → en-GB does not; a code
    missing from this update says nothing)."""
    return (locale := from_language_code(now)) is not None and locale != from_language_code(before)


def _changed(
    known: _Known, chat_id: int | None, first_name: str | None, language_code: str | None, locale: str | None
) -> bool:
    """Whether a touch would change more than the last-seen time (a forgotten customer's name stays unset)."""
    return (
        (chat_id is not None and chat_id != known.chat_id)
        or known.first_name != (None if known.forgotten else first_name)
        or known.language_code != language_code
        or (bool(locale) and locale != known.last_locale)
    )


def _touch_values(
    telegram_user_id: int, chat_id: int | None, first_name: str | None, language_code: str | None,
    last_locale: str | None,
) -> dict[str, object]:  # fmt: skip
    values: dict[str, object] = {
        "telegram_user_id": telegram_user_id,
        "first_name": first_name,
        "language_code": language_code,
        "last_seen_at": utcnow(),
    }
    if chat_id is not None:
        values["chat_id"] = chat_id
    if last_locale:
        values["last_locale"] = last_locale
    return values


async def set_locale_choice(session: AsyncSession, telegram_user_id: int, locale: str | None) -> None:
    customer = (
        await session.execute(select(Customer).where(Customer.telegram_user_id == telegram_user_id))
    ).scalar_one()
    customer.locale_choice = locale


def display_name(record_name: str | None, telegram_name: str | None) -> str:
    """How staff cards name a customer, one rule everywhere: the name on record, the Telegram name beside it when
    it differs ("陳志強 / Telegram 志強"); either alone when only one is known; "" when neither is."""
    record, telegram = (record_name or "").strip(), (telegram_name or "").strip()
    if record and telegram and telegram != record:
        return f"{record} / Telegram {telegram}"
    return record or telegram
