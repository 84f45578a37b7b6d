"""Customers as every handler meets them: created or refreshed on each update, and their language choice."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.common.base import utcnow
from bot.db.common.dialect import upsert_insert
from bot.db.garage.models import Customer


@dataclass(frozen=True)
class CustomerView:
    """What handlers need to know about a customer, detached from the session."""

    id: int
    telegram_user_id: int
    first_name: str | None
    language_code: str | None
    locale_choice: str | None
    last_locale: str | None


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
) -> CustomerView:
    """Create the customer on first contact, refresh what Telegram tells us on every later one (one upsert).
    `chat_id` is the customer's private chat, None when they write elsewhere (a group they share with the
    bot, e.g. the advisors'): their chat id is never taken from there, or their replies would go to the group."""
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
    insert = upsert_insert(session)(Customer).values(**values)
    update = {k: insert.excluded[k] for k in values if k != "telegram_user_id"}
    # A customer who asked to be forgotten is not named again until they accept the privacy notice again.
    update["first_name"] = case((Customer.forgotten_at.is_(None), insert.excluded.first_name), else_=None)
    statement = insert.on_conflict_do_update(index_elements=["telegram_user_id"], set_=update).returning(Customer)
    row = (await session.execute(statement)).scalar_one()
    return _view(row)


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
