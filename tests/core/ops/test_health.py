"""The database gauges and the health check, on SQLite and PostgreSQL; the metric names the docs promise."""

from __future__ import annotations

import datetime as dt
import json
import re

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common import metrics
from bot.core.common.settings import ROOT
from bot.core.ops import health
from bot.core.outbox import store as outbox
from bot.core.outbox.store import OutboxItem, message_payload
from bot.db.desk.handoff.models import Ticket
from bot.db.desk.roadside.models import RoadsideRequest
from bot.db.garage.models import Customer

NOW = dt.datetime(2026, 12, 3, 6, 0, tzinfo=dt.UTC)


def _value(name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    raise AssertionError(f"{name} {labels} not exposed")


async def test_gauges_count_the_queue_tickets_and_unclaimed_roadside_calls(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        items = [OutboxItem(key, "notice", chat, message_payload(key), NOW) for key, chat in (("a", 1), ("b", 2))]
        await outbox.enqueue_many(session, items, now=NOW)
        customers = [Customer(telegram_user_id=7 + n, chat_id=7 + n, name=f"C{n}") for n in range(6)]
        session.add_all(customers)
        await session.flush()  # one active ticket and one open roadside call per customer (the database says so)
        a, b, c, d, e, f = (customer.id for customer in customers)
        session.add_all([
            Ticket(customer_id=a, kind="handoff", trigger="menu", status="open"),
            Ticket(customer_id=b, kind="complaint", trigger="typed", status="claimed"),
            Ticket(customer_id=c, kind="handoff", trigger="menu", status="closed"),
            RoadsideRequest(customer_id=d, problem="battery", status="new"),
            RoadsideRequest(customer_id=e, problem="fuel", status="escalated"),
            RoadsideRequest(customer_id=f, problem="other", status="claimed"),
        ])
    await health.refresh_gauges(sessions, NOW + dt.timedelta(minutes=10))
    assert _value("carebot_outbox_pending", kind="notice") == 2
    assert _value("carebot_outbox_oldest_pending_age_seconds", kind="notice") == 600
    assert _value("carebot_tickets_open", state="open") == 1
    assert _value("carebot_tickets_open", state="claimed") == 1
    assert _value("carebot_roadside_waiting_for_claim") == 2
    state = await health.check(sessions, "standby", "advisory", "standby")
    assert state.as_dict() == {"status": "ok", "database": True, "sender": "standby", "sender_lock": "advisory",
                               "updates": "standby"}
    assert _value("carebot_outbox_sender_active") == 0 and _value("carebot_database_up") == 1


def test_the_documented_families_and_the_dashboard_exist() -> None:
    exposed = {family.name for family in text_string_to_metric_families(metrics.exposition().decode())}
    exposed |= {f"{name}_total" for name in exposed}
    documented = set(re.findall(r"`(carebot_[a-z_]+)`", (ROOT / "docs" / "operations.md").read_text("utf-8")))
    assert documented and documented <= exposed
    dashboard = json.loads((ROOT / "docs" / "grafana-carebot.json").read_text("utf-8"))
    used = {name for panel in dashboard["panels"] for target in panel["targets"]
            for name in re.findall(r"carebot_[a-z_]+", target["expr"])}
    assert used and used <= exposed
