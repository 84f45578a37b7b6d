"""`python -m bot sweep --recompute`: every car's due dates computed anew before the sweep."""

from __future__ import annotations

from bot.core.common.settings import Settings
from tests.cli.test_cli import run
from tests.cli.test_reminder_cli import TODAY, seed


async def test_sweep_recompute_says_how_many_cars_it_computed(settings: Settings) -> None:
    await seed(settings)
    env = {"DATABASE_URL": settings.database_url, "TELEGRAM_TOKEN": ""}
    first = run("sweep", "--dry-run", "--today", TODAY.isoformat(), env=env)
    assert first.returncode == 0, first.stderr
    assert "due dates recomputed first: 4 cars" in first.stdout  # a new database: no rules hash stored yet
    again = run("sweep", "--dry-run", "--today", TODAY.isoformat(), env=env)
    assert "due dates recomputed first: 0 cars" in again.stdout
    forced = run("sweep", "--dry-run", "--recompute", "--today", TODAY.isoformat(), env=env)
    assert forced.returncode == 0, forced.stderr
    assert "due dates recomputed first: 4 cars" in forced.stdout and "would send: 1 (insurance 1)" in forced.stdout
