"""`python -m bot sweep [--dry-run] [--today]`: what would be sent and why, then the real run enqueues it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.core.common.settings import Settings
from bot.db.engine import create_engine, session_factory
from bot.db.garage.models import Customer, Vehicle
from bot.db.outbox.models import Outbox
from tests.cli.test_cli import run

TODAY = dt.date(2026, 11, 28)


async def seed(settings: Settings) -> None:
    """One customer with two cars due soon, one opted out, one not on Telegram."""
    engine = create_engine(settings.database_url)
    async with session_factory(engine).begin() as session:
        reached = Customer(telegram_user_id=8001, chat_id=8001, locale_choice="en")
        opted_out = Customer(telegram_user_id=8002, chat_id=8002, reminders_opt_out=True)
        offline = Customer(phone="+8613800138000")
        session.add_all([reached, opted_out, offline])
        await session.flush()
        soon = TODAY + dt.timedelta(days=10)
        session.add_all([
            Vehicle(customer_id=reached.id, plate="粤B11111", make="Toyota", model="Corolla", insurance_expiry=soon),
            Vehicle(customer_id=reached.id, plate="粤B22222", make="Honda", model="Fit",
                    insurance_expiry=soon + dt.timedelta(days=5)),
            Vehicle(customer_id=opted_out.id, plate="粤B33333", make="Toyota", model="Vios", insurance_expiry=soon),
            Vehicle(customer_id=offline.id, plate="粤B44444", make="Nissan", model="Sylphy", insurance_expiry=soon),
        ])  # fmt: skip
    await engine.dispose()


async def outbox_rows(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    async with session_factory(engine)() as session:
        count = (await session.execute(select(func.count()).select_from(Outbox))).scalar_one()
    await engine.dispose()
    return int(count)


async def test_sweep_dry_run_prints_each_reminder_and_why(settings: Settings) -> None:
    await seed(settings)
    env = {"DATABASE_URL": settings.database_url, "TELEGRAM_TOKEN": ""}
    dry = run("sweep", "--dry-run", "--today", TODAY.isoformat(), env=env)
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    [send] = [line for line in lines if line.startswith("would send ") and " customer " in line]
    [capped] = [line for line in lines if line.startswith("capped")]
    assert "粤B·11111" in send and "insurance" in send and "due 2026-12-08" in send and "[en]" in send
    assert "in 10 d (window 30 d)" in send and "not before" in send and "expires 2026-12-16" in send
    assert "粤B·22222" in capped and "cap of 1 per 7 days" in capped
    assert "would send: 1 (insurance 1)" in dry.stdout
    assert "capped 1" in dry.stdout and "opted out 1" in dry.stdout and "not on telegram 1" in dry.stdout
    assert await outbox_rows(settings) == 0  # a dry run writes nothing

    real = run("sweep", "--today", TODAY.isoformat(), env=env)
    assert real.returncode == 0, real.stderr
    assert any(line.startswith("enqueued") and "粤B·11111" in line for line in real.stdout.splitlines())
    assert "enqueued: 1 (insurance 1)" in real.stdout and await outbox_rows(settings) == 1
    again = run("sweep", "--today", TODAY.isoformat(), env=env)
    assert "enqueued: 0 (none)" in again.stdout and "already in the outbox: 1" in again.stdout


def test_sweep_refuses_a_bad_date(settings: Settings) -> None:
    result = run("sweep", "--dry-run", "--today", "28/11/2026", env={"DATABASE_URL": settings.database_url})
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr
