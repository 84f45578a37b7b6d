"""The outbox's queries on SQLite and PostgreSQL: idempotent enqueue, atomic claims, leases, outcomes."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import String, cast, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common import customers
from bot.core.outbox import store as outbox
from bot.core.outbox.store import OutboxItem, message_payload
from bot.db.garage.models import Customer
from bot.db.outbox.models import ChatStatus, Outbox

T0 = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)




def item(n: int, chat_id: int = 100, **kwargs: object) -> OutboxItem:
    return OutboxItem(f"reminder:{n}:oil:2026-03-10", "reminder", chat_id, message_payload(f"msg {n}"), **kwargs)  # type: ignore[arg-type]


async def enqueue(sessions: async_sessionmaker[AsyncSession], *items: OutboxItem) -> int:
    async with sessions.begin() as session:
        return await outbox.enqueue_many(session, items, now=T0)


async def claim(
    sessions: async_sessionmaker[AsyncSession],
    limit: int = 10,
    at: dt.datetime = T0,
    worker: str = "w1",
    lease: float = 60,
) -> list[outbox.Claimed]:
    async with sessions.begin() as session:
        return await outbox.claim_batch(session, limit, worker, at, lease)


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with sessions() as session:
        rows = (await session.execute(select(Outbox.idempotency_key, Outbox.status))).all()
    return {key: status for key, status in rows}


async def test_enqueue_is_idempotent_per_key(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        first = await outbox.enqueue(session, "campaign:7:42", "campaign", 42, message_payload("Spring check"))
        again = await outbox.enqueue(session, "campaign:7:42", "campaign", 42, message_payload("changed text"))
    assert (first, again) == (True, False)
    assert await enqueue(sessions, item(1), item(2), item(1)) == 2
    async with sessions() as session:
        row = (await session.execute(select(Outbox).where(Outbox.idempotency_key == "campaign:7:42"))).scalar_one()
    assert row.payload["text"] == "Spring check"  # the first enqueue wins
    assert (row.status, row.attempts) == ("pending", 0)


async def test_enqueue_refuses_naive_times_and_payloads_without_a_method(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        with pytest.raises(ValueError, match="aware"):
            await outbox.enqueue(session, "k", "reminder", 1, message_payload("x"), not_before=dt.datetime(2026, 3, 10))
        with pytest.raises(ValueError, match="method"):
            await outbox.enqueue(session, "k", "reminder", 1, {"text": "x"})


async def test_claims_take_due_rows_oldest_first_and_never_twice(sessions: async_sessionmaker[AsyncSession]) -> None:
    later = T0 + dt.timedelta(hours=1)
    await enqueue(sessions, item(1), item(2), item(3, not_before=later), item(4))
    first = await claim(sessions, limit=2)
    second = await claim(sessions, limit=10)
    assert [c.key for c in first] == ["reminder:1:oil:2026-03-10", "reminder:2:oil:2026-03-10"]
    assert [c.key for c in second] == ["reminder:4:oil:2026-03-10"]  # 3 is not due until `later`
    assert await claim(sessions) == []
    assert [c.key for c in await claim(sessions, at=later, lease=7200)] == ["reminder:3:oil:2026-03-10"]
    assert set((await statuses(sessions)).values()) == {"sending"}


async def test_claims_mix_priorities_and_stale_claims_in_order_within_the_limit(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The claim reads each priority and the stale claims apart (index order, each stopping at the limit):
    together they keep the one order: priority, then due time, then id."""
    await enqueue(sessions, item(1, not_before=T0 - dt.timedelta(minutes=5), priority=outbox.CAMPAIGN_PRIORITY),
                  item(2, not_before=T0 - dt.timedelta(minutes=10)))  # fmt: skip
    [crashed] = await claim(sessions, limit=1, at=T0 - dt.timedelta(minutes=3), worker="crashed")  # item 2
    await enqueue(sessions, *(item(n, not_before=T0 - dt.timedelta(minutes=n)) for n in (3, 4)),
                  *(item(n, priority=outbox.CAMPAIGN_PRIORITY) for n in (5, 6)))  # fmt: skip
    taken = await claim(sessions, limit=4, lease=60)
    # priority 0: item 2 (its crashed claim, due T0−10 min), 4 (T0−4 min), 3 (T0−3 min); then campaign item 1
    assert [c.key.split(":")[1] for c in taken] == ["2", "4", "3", "1"] and taken[0].id == crashed.id
    assert [c.key.split(":")[1] for c in await claim(sessions, limit=10)] == ["5", "6"]
    async with sessions.begin() as session:
        with pytest.raises(ValueError, match="priority"):  # a priority the claim does not read is refused
            await outbox.enqueue_many(session, [item(7, priority=7)], now=T0)


async def test_a_crashed_senders_claim_is_taken_again_after_the_lease(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await enqueue(sessions, item(1))
    [held] = await claim(sessions, worker="crashed")
    assert await claim(sessions, at=T0 + dt.timedelta(seconds=59), worker="w2") == []
    [again] = await claim(sessions, at=T0 + dt.timedelta(seconds=61), worker="w2")
    assert again.id == held.id


async def test_outcomes_are_recorded_and_counted(sessions: async_sessionmaker[AsyncSession]) -> None:
    await enqueue(sessions, *(item(n, chat_id=100 + n) for n in range(1, 6)))
    one, two, three, four, five = await claim(sessions)
    async with sessions.begin() as session:
        await outbox.mark_sent(session, one.id, 777, T0)
        await outbox.mark_retry(session, two.id, "NetworkError: Bad Gateway", T0 + dt.timedelta(seconds=30))
        await outbox.mark_failed(session, three.id, "Rejected: can't parse entities")
        await outbox.mark_dropped(session, [four.id], "expired")
        await outbox.release(session, [five.id])
        counts = await outbox.counts(session)
    assert counts == {"pending": 2, "sending": 0, "sent": 1, "failed": 1, "dropped": 1, "unreachable": 0}
    async with sessions() as session:
        rows = {r.id: r for r in (await session.execute(select(Outbox))).scalars()}
    assert (rows[one.id].telegram_message_id, rows[one.id].attempts, rows[one.id].sent_at is not None) == (777, 1, True)
    assert (rows[two.id].attempts, rows[two.id].last_error) == (1, "NetworkError: Bad Gateway")
    assert rows[five.id].attempts == 0  # given back untried
    assert [c.id for c in await claim(sessions)] == [five.id]
    assert [c.id for c in await claim(sessions, at=T0 + dt.timedelta(seconds=30))] == [two.id]


async def test_an_unreachable_chat_is_remembered_for_the_customer_and_its_messages(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await customers.touch_customer(session, 555, 555, "Lin", "zh-hant")
    await enqueue(sessions, item(1, chat_id=555), item(2, chat_id=555), item(3, chat_id=556))
    await claim(sessions, limit=1)
    async with sessions.begin() as session:
        assert await outbox.mark_unreachable(session, 555, "Forbidden: bot was blocked by the user", T0) == 2
        assert await outbox.unreachable_chats(session, [555, 556]) == {555}
    assert await statuses(sessions) == {
        "reminder:1:oil:2026-03-10": "unreachable",
        "reminder:2:oil:2026-03-10": "unreachable",
        "reminder:3:oil:2026-03-10": "pending",
    }
    async with sessions() as session:
        customer = (await session.execute(select(Customer))).scalar_one()
        status = (await session.execute(select(ChatStatus))).scalar_one()
    assert customer.unreachable_at is not None and status.reason == "Forbidden: bot was blocked by the user"
    async with sessions.begin() as session:
        await outbox.set_chat_reachable(session, 555, True, None, T0)
        assert await outbox.unreachable_chats(session, [555]) == set()
        assert (await session.execute(select(Customer.unreachable_at))).scalar_one() is None


async def test_deadline_is_the_rows_own_or_its_kinds_expiry(sessions: async_sessionmaker[AsyncSession]) -> None:
    await enqueue(sessions, item(1), item(2, expires_at=T0 + dt.timedelta(minutes=5)))
    plain, own = await claim(sessions)
    hours = {"reminder": 72.0}
    assert plain.deadline(hours) == T0 + dt.timedelta(hours=72)
    assert plain.deadline({}) is None
    assert own.deadline(hours) == T0 + dt.timedelta(minutes=5)
    assert own.not_before.tzinfo is not None  # SQLite's naive datetimes come back in UTC


async def test_racing_claimers_get_disjoint_rows(sessions: async_sessionmaker[AsyncSession]) -> None:
    await enqueue(sessions, *(item(n, chat_id=n) for n in range(120)))

    async def claimer(name: str) -> list[int]:
        got: list[int] = []
        while batch := await claim(sessions, limit=7, worker=name):
            got.extend(c.id for c in batch)
            await asyncio.sleep(0)
        return got

    results = await asyncio.gather(*(claimer(f"w{n}") for n in range(4)))
    claimed = [row_id for result in results for row_id in result]
    assert len(claimed) == len(set(claimed)) == 120


def _many(prefix: str, count: int) -> list[OutboxItem]:
    """Varied rows: customers or none, expiries or none, a later not_before, campaign priority, unicode text."""
    return [
        OutboxItem(
            f"{prefix}:{n}", "campaign" if n % 3 else "reminder", 1000 + n % 7,
            message_payload(f"訊息 <b>{n}</b> ✓", {"inline_keyboard": [[{"text": "ok", "callback_data": f"x:{n}"}]]}),
            T0 + dt.timedelta(hours=n % 5) if n % 2 else None, T0 + dt.timedelta(days=1) if n % 4 else None,
            n if n % 5 else None, priority=outbox.CAMPAIGN_PRIORITY if n % 3 else 0,
        )
        for n in range(count)
    ]


async def _rows(sessions: async_sessionmaker[AsyncSession], prefix: str) -> list[tuple[object, ...]]:
    """Every column of the rows under `prefix` (the payload as the stored text), ordered by id, keys unprefixed."""
    columns = [column for column in Outbox.__table__.c if column.name not in ("id", "payload")]
    statement = (
        select(*columns, cast(Outbox.payload, String))
        .where(Outbox.idempotency_key.like(f"{prefix}:%"))
        .order_by(Outbox.id)
    )
    async with sessions() as session:
        rows = (await session.execute(statement)).all()
    return [(row[0].split(":", 1)[1], *row[1:]) for row in rows]


async def test_a_large_batch_writes_the_same_rows_as_small_ones_and_skips_known_keys(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a batch of COPY_MIN_ROWS or more goes through COPY and a staging table: the rows, their
    order (ids) and the keys skipped are those of the plain INSERT that smaller batches use."""
    copied: list[int] = []
    real = outbox._copy_many

    async def spy(session: AsyncSession, rows: list[dict[str, object]]) -> int:
        copied.append(len(rows))
        return await real(session, rows)

    monkeypatch.setattr(outbox, "_copy_many", spy)
    count = outbox.COPY_MIN_ROWS + 50
    small, large = _many("small", count), _many("large", count)
    # Some keys already there, and one key twice in the batch: each is skipped, the first row wins.
    assert await enqueue(sessions, *small[:10]) == 10
    assert await enqueue(sessions, *large[:10]) == 10
    small_new = 0
    for start in range(10, count, 40):
        small_new += await enqueue(sessions, *small[start : start + 40], small[start])
    large_new = await enqueue(sessions, *large, large[20])
    assert (small_new, large_new) == (count - 10, count - 10)
    backend = sessions.kw["bind"].dialect.name
    assert copied == ([count + 1] if backend == "postgresql" else [])
    assert await _rows(sessions, "large") == await _rows(sessions, "small")
    # Every key already there: nothing new, nothing changed.
    assert await enqueue(sessions, *large) == 0
    assert len(await _rows(sessions, "large")) == count


async def test_a_large_batch_is_rolled_back_with_its_transaction_and_can_be_enqueued_twice_in_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    rows = _many("tx", 2 * outbox.COPY_MIN_ROWS)
    first, second = rows[: outbox.COPY_MIN_ROWS], rows[outbox.COPY_MIN_ROWS :]
    async with sessions() as session, session.begin():
        assert await outbox.enqueue_many(session, first, now=T0) == len(first)
        await session.rollback()
    assert await _rows(sessions, "tx") == []
    async with sessions.begin() as session:  # the staging table is empty again after each batch
        assert await outbox.enqueue_many(session, first, now=T0) == len(first)
        assert await outbox.enqueue_many(session, [*first[:5], *second], now=T0) == len(second)
    assert [row[0] for row in await _rows(sessions, "tx")] == [str(n) for n in range(len(rows))]
