"""Complaints: what reads as one, and the escalation to the supervisors with an injected clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.core.desk.complaints import service as complaints
from bot.core.services import Services, build_services
from bot.core.staff import repo as staff_repo
from bot.core.staff.roles import bootstrap_roles
from bot.db.desk.handoff.models import Ticket, TicketEvent
from bot.db.garage.models import Customer
from bot.db.outbox.models import Outbox
from scheduler import desk
from tests.conftest import make_settings

TZ = ZoneInfo("Asia/Shanghai")
GROUP = -1_001_500_000_000
SUPERVISOR, ADMIN, ADVISOR = 9002, 9001, 9003


@pytest.mark.parametrize(
    "text",
    [
        "我要投訴",
        "投诉",
        "投訴！",
        "我要投訴你們的師傅，態度很差",
        "我想投诉一下",
        "我有個投訴",
        "本人要求投訴",
        "complaint",
        "Complaint!",
        "I want to complain",
        "I'd like to make a complaint about my repair",
        "I would like to file a formal complaint",
        "I have a complaint",
        "  i want to complain about the waiting time",
        "你們師傅態度太差了，我要投訴！",
        "The paint is peeling again and I want to complain.",
        "Waited 3 hours. I would like to make a complaint",
    ],
)
def test_complaint_requests(text: str) -> None:
    assert complaints.is_complaint_request(text)
    assert complaints.reads_as_complaint(text)


@pytest.mark.parametrize(
    "text",
    [
        "投訴電話是多少",
        "投诉热线",
        "請問我要投訴電話",
        "how do I make a complaint?",
        "Do you have a complaints procedure",
        "我沒有投訴",
        "no complaints, all good",
        "complaint hotline number?",
        "how do I book a service",
        "talk to a human",
        "保養多少錢",
        "",
    ],
)
def test_not_complaint_requests(text: str) -> None:
    assert not complaints.is_complaint_request(text)


@pytest.mark.parametrize(
    "text",
    ["師傅態度很差", "修完還是有問題", "太失望了", "异响没修好", "The brakes are still not fixed", "very disappointed",
     "Rude staff, terrible service", "我要投诉"],
)  # fmt: skip
def test_comments_that_complain(text: str) -> None:
    assert complaints.reads_as_complaint(text)


@pytest.mark.parametrize("text", ["很好，謝謝", "非常满意", "All good, thanks!", "Quick and friendly", "不錯", None])
def test_comments_that_do_not_complain(text: str | None) -> None:
    assert not complaints.reads_as_complaint(text)


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=TZ).astimezone(dt.UTC)


@pytest.fixture
async def services(database_url: str, tmp_path: Path) -> AsyncIterator[Services]:
    """On the migrated SQLite file and on a fresh PostgreSQL schema (conftest's database_url)."""
    settings = make_settings(
        tmp_path, database_url=database_url, advisor_group_id=GROUP, supervisor_ids=[SUPERVISOR], admin_ids=[ADMIN],
        advisor_ids=[ADVISOR],
    )  # fmt: skip
    built = build_services(settings)
    async with built.sessions.begin() as session:
        await staff_repo.bootstrap(session, bootstrap_roles([ADMIN], [SUPERVISOR], [ADVISOR], []))
    yield built
    await built.engine.dispose()


async def add_ticket(services: Services, opened: dt.datetime, kind: str = "complaint", **values: object) -> int:
    async with services.sessions.begin() as session:
        user = 700 + len((await session.scalars(select(Customer.id))).all())
        customer = Customer(telegram_user_id=user, chat_id=user, first_name="Mei")
        session.add(customer)
        await session.flush()
        values = {"status": "open", "topic_id": 77, **values}
        ticket = Ticket(
            customer_id=customer.id, kind=kind, trigger="complaint", opened_at=opened,
            escalate_at=complaints.escalate_at(opened, services.settings), **values,
        )  # fmt: skip
        session.add(ticket)
        await session.flush()
        return ticket.id


async def notices(services: Services) -> list[Outbox]:
    async with services.sessions() as session:
        return list((await session.scalars(select(Outbox))).all())


async def events(services: Services, ticket: int) -> list[str]:
    async with services.sessions() as session:
        found = await session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket))
        return list(found.all())


async def test_an_unresolved_complaint_escalates_once_after_its_deadline(services: Services) -> None:
    opened = local(26, 10)
    ticket = await add_ticket(services, opened)
    assert await complaints.escalate_overdue(services, opened + dt.timedelta(hours=47, minutes=59)) == 0
    assert await notices(services) == [] and await events(services, ticket) == []

    after = opened + dt.timedelta(hours=48)
    assert await complaints.escalate_overdue(services, after) == 1
    assert await complaints.escalate_overdue(services, after + dt.timedelta(hours=1)) == 0  # once
    [notice] = await notices(services)
    assert (notice.idempotency_key, notice.kind, notice.chat_id) == (f"complaint:{ticket}:escalated", "notice", GROUP)
    assert notice.payload["message_thread_id"] == 77
    text = notice.payload["text"]
    assert f'href="tg://user?id={SUPERVISOR}"' in text and f'href="tg://user?id={ADMIN}"' in text
    assert f"tg://user?id={ADVISOR}" not in text  # an advisor is not the supervisor
    assert f"#{ticket}" in text and "48" in text
    assert await events(services, ticket) == ["escalated"]
    async with services.sessions() as session:
        row = await session.get(Ticket, ticket)
    assert row is not None and row.escalated_at is not None


async def test_resolved_closed_and_handoff_tickets_do_not_escalate(services: Services) -> None:
    opened = local(26, 10)
    await add_ticket(services, opened, resolved_at=opened + dt.timedelta(hours=3))
    await add_ticket(services, opened, status="closed", closed_at=opened + dt.timedelta(hours=5))
    await add_ticket(services, opened, kind="handoff")
    done = await desk.tick(services, opened + dt.timedelta(days=3))
    assert done["complaint_escalation"] == 0
    assert await notices(services) == []


async def test_resolving_before_the_tick_wins(services: Services) -> None:
    opened = local(26, 10)
    ticket = await add_ticket(services, opened)
    async with services.sessions.begin() as session:
        await session.execute(update(Ticket).where(Ticket.id == ticket).values(resolved_at=opened))
    assert await complaints.escalate_overdue(services, opened + dt.timedelta(days=3)) == 0


async def test_an_escalation_in_quiet_hours_is_posted_when_they_end(services: Services) -> None:
    opened = local(26, 23)
    await add_ticket(services, opened)
    assert await complaints.escalate_overdue(services, local(28, 23, 5)) == 1
    [notice] = await notices(services)
    assert notice.not_before.replace(tzinfo=dt.UTC) == local(29, 8, 30)
