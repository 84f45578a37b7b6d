"""A customer's contact per update: one read, the last-seen time buffered and written in batches, everything
else about the customer written at once (bot.core.common.customers.meet_customer, SeenTimes)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common import customers
from bot.core.common.customers import SeenTimes, meet_customer
from bot.core.common.settings import Settings
from bot.db.engine import create_engine, session_factory
from bot.db.garage.models import Customer

Sessions = async_sessionmaker[AsyncSession]
EARLIER = dt.datetime(2026, 1, 5, 8, 0)


def fixed(locale: str | None):  # type: ignore[no-untyped-def]
    """A `written` callback that tells `locale` whatever the customer wrote before, and records what it was asked."""
    asked: list[str | None] = []

    def written(previous: str | None) -> str | None:
        asked.append(previous)
        return locale

    written.asked = asked  # type: ignore[attr-defined]
    return written


def naive(value: dt.datetime) -> dt.datetime:
    """UTC without a zone: PostgreSQL gives times back with one, SQLite without."""
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


async def stored(sessions: Sessions, user_id: int) -> Customer:
    async with sessions() as session:
        return (await session.execute(select(Customer).where(Customer.telegram_user_id == user_id))).scalar_one()


async def known_customer(sessions: Sessions, user_id: int, last_locale: str | None = "zh-Hant") -> None:
    """A customer met before, last seen at EARLIER."""
    async with sessions.begin() as session:
        await customers.touch_customer(session, user_id, user_id, "Mei", "zh-hant", last_locale=last_locale)
    async with sessions.begin() as session:
        (await session.execute(select(Customer).where(Customer.telegram_user_id == user_id))).scalar_one() \
            .last_seen_at = EARLIER  # fmt: skip


async def test_a_known_customer_with_nothing_new_is_read_and_their_time_buffered_until_the_flush(
    sessions: Sessions,
) -> None:
    await known_customer(sessions, 7)
    seen = SeenTimes(sessions)
    view, written = await meet_customer(sessions, seen, 7, 7, "Mei", "zh-hant", fixed("zh-Hant"))
    assert (view.last_locale, view.first_name, written) == ("zh-Hant", "Mei", "zh-Hant")
    assert set(seen.pending) == {7}
    assert naive((await stored(sessions, 7)).last_seen_at) == EARLIER  # not written yet
    buffered = seen.pending[7]
    await seen.flush()
    assert seen.pending == {}
    assert naive((await stored(sessions, 7)).last_seen_at) == naive(buffered)


async def test_one_flush_writes_every_customer_buffered_and_a_later_time_wins(sessions: Sessions) -> None:
    for user_id in (1, 2, 3):
        await known_customer(sessions, user_id)
    seen = SeenTimes(sessions)
    await seen.seen(1, dt.datetime(2026, 2, 1, 9, 0))
    await seen.seen(2, dt.datetime(2026, 2, 1, 9, 5))
    await seen.seen(1, dt.datetime(2026, 2, 1, 9, 30))
    await seen.flush()
    times = [naive((await stored(sessions, user_id)).last_seen_at) for user_id in (1, 2, 3)]
    assert times == [dt.datetime(2026, 2, 1, 9, 30), dt.datetime(2026, 2, 1, 9, 5), EARLIER]


@pytest.mark.parametrize(
    ("chat_id", "first_name", "language_code", "locale", "what"),
    [
        (7, "Mei", "zh-hant", "en", ("Mei", "zh-hant", "en")),  # wrote in another script
        (7, "Mei Ling", "zh-hant", None, ("Mei Ling", "zh-hant", "zh-Hant")),  # renamed on Telegram
        (7, "Mei", "en", None, ("Mei", "en", None)),  # switched Telegram's language: what they wrote before goes
        (7, "Mei", "en", "zh-Hant", ("Mei", "en", "zh-Hant")),  # switched, and wrote in the same script again
    ],
)
async def test_anything_but_the_time_is_written_at_once(
    sessions: Sessions, chat_id: int, first_name: str, language_code: str, locale: str | None,
    what: tuple[str, str, str],
) -> None:  # fmt: skip
    await known_customer(sessions, 7)
    seen = SeenTimes(sessions)
    await meet_customer(sessions, seen, 7, chat_id, first_name, language_code, fixed(locale))
    row = await stored(sessions, 7)
    assert (row.first_name, row.language_code, row.last_locale) == what
    assert naive(row.last_seen_at) > EARLIER  # with the time, in the same write
    assert seen.pending == {}


async def test_a_first_contact_is_created_at_once_with_the_locale_it_is_written_in(sessions: Sessions) -> None:
    seen = SeenTimes(sessions)
    written = fixed("zh-Hans")
    view, locale = await meet_customer(sessions, seen, 99, 99, "Ho", "zh-hans", written)
    row = await stored(sessions, 99)
    assert (row.id, row.chat_id, row.first_name, row.last_locale, locale) == (view.id, 99, "Ho", "zh-Hans", "zh-Hans")
    assert written.asked == [None]  # the script told once, with no previous locale to lean on  # type: ignore[attr-defined]
    assert seen.pending == {}


async def test_the_written_locale_is_told_once_from_the_stored_one(sessions: Sessions) -> None:
    await known_customer(sessions, 7, last_locale="zh-Hans")
    written = fixed(None)
    view, locale = await meet_customer(sessions, SeenTimes(sessions), 7, 7, "Mei", "zh-hant", written)
    assert written.asked == ["zh-Hans"]  # type: ignore[attr-defined]
    assert (view.last_locale, locale) == ("zh-Hans", None)


async def test_a_new_telegram_language_is_not_leant_on_with_the_script_written_before_it(sessions: Sessions) -> None:
    await known_customer(sessions, 7, last_locale="zh-Hans")
    written = fixed(None)
    view, locale = await meet_customer(sessions, SeenTimes(sessions), 7, 7, "Mei", "en", written)
    assert written.asked == [None]  # type: ignore[attr-defined]
    assert (view.language_code, view.last_locale, locale) == ("en", None, None)


@pytest.mark.parametrize("language_code", ["zh-TW", "zh-hk", None])  # the same locale, or nothing said
async def test_the_same_telegram_language_keeps_the_script_written_before(
    sessions: Sessions, language_code: str | None
) -> None:
    await known_customer(sessions, 7, last_locale="zh-Hans")
    view, _ = await meet_customer(sessions, SeenTimes(sessions), 7, 7, "Mei", language_code, fixed(None))
    assert view.last_locale == "zh-Hans"


async def test_a_forgotten_customer_stays_unnamed_and_costs_no_write(sessions: Sessions) -> None:
    await known_customer(sessions, 7)
    async with sessions.begin() as session:
        row = (await session.execute(select(Customer).where(Customer.telegram_user_id == 7))).scalar_one()
        row.first_name, row.forgotten_at = None, EARLIER
    seen = SeenTimes(sessions)
    await meet_customer(sessions, seen, 7, 7, "Mei", "zh-hant", fixed(None))
    assert (await stored(sessions, 7)).first_name is None
    assert set(seen.pending) == {7}  # only the time: the Telegram name is not a change to write


async def test_a_failed_flush_keeps_the_times_for_the_next(sessions: Sessions, monkeypatch: pytest.MonkeyPatch) -> None:
    await known_customer(sessions, 7)
    seen = SeenTimes(sessions)
    await seen.seen(7, dt.datetime(2026, 3, 1, 10, 0))

    def broken() -> None:
        raise OperationalError("UPDATE customer", {}, Exception("database is locked"))

    monkeypatch.setattr(seen, "sessions", type("Broken", (), {"begin": staticmethod(broken)})())
    with pytest.raises(OperationalError):
        await seen.flush()
    assert seen.pending == {7: dt.datetime(2026, 3, 1, 10, 0)}
    monkeypatch.undo()
    await seen.flush()
    assert naive((await stored(sessions, 7)).last_seen_at) == dt.datetime(2026, 3, 1, 10, 0)


async def test_the_buffer_writes_itself_when_full(sessions: Sessions, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(customers, "SEEN_FLUSH_SIZE", 2)
    for user_id in (1, 2):
        await known_customer(sessions, user_id)
    seen = SeenTimes(sessions)
    await seen.seen(1, dt.datetime(2026, 4, 1, 9, 0))
    assert seen.pending  # one waiting: not yet
    await seen.seen(2, dt.datetime(2026, 4, 1, 9, 1))
    assert seen.pending == {}
    assert naive((await stored(sessions, 2)).last_seen_at) == dt.datetime(2026, 4, 1, 9, 1)


async def test_a_flush_never_puts_a_customer_back_in_time(sessions: Sessions) -> None:
    await known_customer(sessions, 7)
    seen = SeenTimes(sessions)
    await seen.seen(7, EARLIER - dt.timedelta(hours=1))  # older than what a write-through stored meanwhile
    await seen.flush()
    assert naive((await stored(sessions, 7)).last_seen_at) == EARLIER


async def test_a_first_contact_created_meanwhile_by_another_process_is_refreshed_not_failed(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    path = make_url(settings.database_url).database
    assert path is not None

    def other_process_first(previous: str | None) -> str | None:  # between our read and our insert
        with sqlite3.connect(path) as other:
            other.execute("INSERT INTO customer (telegram_user_id, first_name, reminders_opt_out, marketing_opt_out,"
                          " created_at, last_seen_at) VALUES (55, 'Old', 0, 0, '2026-01-05 08:00:00',"
                          " '2026-01-05 08:00:00')")  # fmt: skip
        return "en"

    view, locale = await meet_customer(sessions, SeenTimes(sessions), 55, 55, "Ann", "en", other_process_first)
    row = await stored(sessions, 55)
    await engine.dispose()
    assert (view.id, row.first_name, row.chat_id, row.last_locale, locale) == (row.id, "Ann", 55, "en", "en")
