"""Roadside requests in the database: the claim race, escalation with an injected clock, once, via the outbox."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.desk.roadside import repo as roadside_repo
from bot.core.desk.roadside.escalation import escalate_unclaimed
from bot.core.desk.roadside.requests import RoadsideDraft
from bot.core.services import Services, build_services
from bot.db.common.migrate import upgrade
from bot.db.garage.models import Customer
from bot.db.outbox.models import Outbox
from bot.handlers.desk.group import bootstrap_staff
from tests.conftest import make_settings

GROUP, SUPERVISOR, ADVISOR, ADVISOR2 = -1_001_500_000_000, 9002, 9003, 9004
# 23:00 in Shanghai: inside the default quiet hours, which roadside messages ignore (they are urgent).
CREATED = dt.datetime(2026, 11, 28, 15, 0, tzinfo=dt.UTC)


async def _services(url: str, tmp_path: Path) -> Services:
    settings = make_settings(
        tmp_path, database_url=url, advisor_group_id=GROUP, supervisor_ids=[SUPERVISOR], advisor_ids=[ADVISOR, ADVISOR2]
    )
    services = build_services(settings)
    await bootstrap_staff(services)
    return services


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'carebot.db'}"
    await asyncio.to_thread(upgrade, url)
    built = await _services(url, tmp_path)
    yield built
    await built.engine.dispose()


async def _request(services: Services, user_id: int = 501) -> int:
    draft = RoadsideDraft(22.5431, 114.0579, None, "flat_tyre", "粤B12345", "+8613800138000")
    async with services.sessions.begin() as session:
        customer = Customer(telegram_user_id=user_id, chat_id=user_id, first_name="Mei", last_locale="en")
        session.add(customer)
        await session.flush()
        view, _ = await roadside_repo.create(
            session, customer.id, draft, CREATED, services.settings.roadside_claim_minutes
        )
    return view.id


async def _outbox(services: Services) -> list[Outbox]:
    async with services.sessions() as session:
        return list((await session.scalars(select(Outbox).order_by(Outbox.id))).all())


async def test_escalation_happens_once_after_the_claim_time(services: Services) -> None:
    request_id = await _request(services)
    assert await escalate_unclaimed(services, CREATED + dt.timedelta(minutes=4, seconds=59)) == 0
    assert await _outbox(services) == []

    after = CREATED + dt.timedelta(minutes=5)
    assert await escalate_unclaimed(services, after) == 1
    rows = await _outbox(services)
    assert {row.idempotency_key for row in rows} == {
        f"roadside:{request_id}:escalated:desk",
        f"roadside:{request_id}:escalated:customer",
    }
    desk, customer = sorted(rows, key=lambda row: row.chat_id)
    assert desk.chat_id == GROUP and desk.kind == customer.kind == "notice"
    assert f"tg://user?id={SUPERVISOR}" in desk.payload["text"]  # the supervisor is mentioned
    assert "uri.amap.com" in desk.payload["text"]
    claim_button = desk.payload["reply_markup"]["inline_keyboard"][0][0]
    assert services.callbacks.unpack(GROUP, claim_button["callback_data"]).action == "claim"  # still claimable
    assert customer.chat_id == 501 and "400-800-6600" in customer.payload["text"]  # call the rescue line
    assert "rescue line" in customer.payload["text"]  # in the customer's language
    for row in rows:  # not held until the end of quiet hours
        assert row.not_before.replace(tzinfo=dt.UTC) == after

    assert await escalate_unclaimed(services, after + dt.timedelta(minutes=1)) == 0
    assert len(await _outbox(services)) == 2
    async with services.sessions.begin() as session:
        assert (await roadside_repo.get(session, request_id)).status == "escalated"  # type: ignore[union-attr]
        assert await roadside_repo.claim(session, request_id, ADVISOR, after)  # an escalated one can be claimed


async def test_a_claimed_request_never_escalates(services: Services) -> None:
    request_id = await _request(services)
    async with services.sessions.begin() as session:
        assert await roadside_repo.claim(session, request_id, ADVISOR, CREATED + dt.timedelta(minutes=1))
    assert await escalate_unclaimed(services, CREATED + dt.timedelta(hours=1)) == 0
    assert await _outbox(services) == []


async def test_without_an_advisors_group_nothing_is_escalated(services: Services) -> None:
    """The customer was told at once to call the rescue line; no "the supervisor was alerted" afterwards."""
    await _request(services)
    alone = dataclasses.replace(services, settings=services.settings.model_copy(update={"advisor_group_id": None}))
    assert await escalate_unclaimed(alone, CREATED + dt.timedelta(hours=1)) == 0
    assert await _outbox(services) == []


async def test_the_first_claimer_wins(services: Services) -> None:
    request_id = await _request(services)
    async with services.sessions.begin() as session:
        assert await roadside_repo.claim(session, request_id, ADVISOR, CREATED)
        assert not await roadside_repo.claim(session, request_id, ADVISOR2, CREATED)
        assert (await roadside_repo.get(session, request_id)).claimed_by == ADVISOR  # type: ignore[union-attr]
        assert not await roadside_repo.move(session, request_id, "arrived", ADVISOR2, False, CREATED)
        assert await roadside_repo.move(session, request_id, "on_the_way", ADVISOR, False, CREATED, 30)
        assert await roadside_repo.move(session, request_id, "done", SUPERVISOR, True, CREATED)
        assert not await roadside_repo.move(session, request_id, "arrived", SUPERVISOR, True, CREATED)


async def test_a_customer_cancels_only_their_own_open_request(services: Services) -> None:
    mine, theirs = await _request(services, 501), await _request(services, 502)
    async with services.sessions.begin() as session:
        me = await roadside_repo.customer_id_of(session, 501)
        assert me is not None
        assert (await roadside_repo.open_for(session, me)).id == mine  # type: ignore[union-attr]
        assert not await roadside_repo.cancel(session, theirs, me, CREATED)
        assert await roadside_repo.cancel(session, mine, me, CREATED)
        assert not await roadside_repo.cancel(session, mine, me, CREATED)
        assert await roadside_repo.open_for(session, me) is None
        assert (await roadside_repo.get(session, theirs)).status == "new"  # type: ignore[union-attr]


def test_the_desk_tick_runs_the_escalation() -> None:
    from scheduler import desk

    assert dict(desk.tasks())["roadside_escalation"] is escalate_unclaimed


@pytest.mark.postgres
async def test_concurrent_claims_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """Many advisors press claim at the same moment on separate connections: exactly one wins."""
    services = await _services(pg_url, tmp_path)
    try:
        request_id = await _request(services)

        async def claim(staff_id: int) -> bool:
            async with services.sessions.begin() as session:
                return await roadside_repo.claim(session, request_id, staff_id, CREATED)

        results = await asyncio.gather(*(claim(9100 + n) for n in range(8)))
        assert sum(results) == 1
        async with services.sessions() as session:
            view = await roadside_repo.get(session, request_id)
        assert view is not None and view.claimed_by == 9100 + results.index(True)
        # The escalation tick racing a claim: the claim already won, so nothing is escalated.
        assert await escalate_unclaimed(services, CREATED + dt.timedelta(hours=1)) == 0
    finally:
        await services.engine.dispose()
