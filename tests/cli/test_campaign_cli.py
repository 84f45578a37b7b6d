"""`python -m bot campaign …` and `python -m bot stats`: dry run, refusals with field and line, nothing half-made."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.core.common.settings import ROOT, Settings
from bot.db.campaigns.models import Campaign
from bot.db.engine import create_engine, session_factory
from bot.db.events.models import Event

EXAMPLE = ROOT / "docs" / "examples" / "toyota_winter_check.yaml"


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.chdir(settings.database_url.split("///", 1)[1].rsplit("/", 1)[0])  # away from a developer's .env
    return settings


async def _count(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        from sqlalchemy import func, select

        found = (await session.execute(select(func.count()).select_from(Campaign))).scalar_one(), (
            await session.execute(select(func.count()).select_from(Event))
        ).scalar_one()
    await engine.dispose()
    return found


async def _owners(settings: Settings, *makes: str) -> None:
    """One customer the bot can write to per make, each owning a car of it."""
    from bot.core.services import build_services
    from bot.db.garage.models import Customer, Vehicle

    services = build_services(settings)
    async with services.sessions.begin() as session:
        for n, make in enumerate(makes, 1):
            customer = Customer(telegram_user_id=6000 + n, chat_id=6000 + n, first_name=f"O{n}")
            session.add(customer)
            await session.flush()
            session.add(Vehicle(customer_id=customer.id, plate=f"粤B6000{n}", make=make, model="X"))
    await services.engine.dispose()


def test_dry_run_prints_the_count_and_a_sample_per_locale(env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_owners(env, "Toyota", "Honda"))
    assert main(["campaign", "create", "--from", str(EXAMPLE), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "1 recipient(s)" in out and "--- zh-Hant ---" in out and "--- zh-Hans ---" in out and "--- en ---" in out
    assert "[✅ Going] [🤔 Maybe] [❌ Can't come] [🔕 No more offers]" in out
    assert asyncio.run(_count(env.database_url)) == (0, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [("name: x\ntexts:\n  fr: bonjour\n", "line 2: texts: unknown locale 'fr'"),
     ("name: x\naudience:\n  makes: [Toyota]\n  colour: red\ntexts: {zh-Hant: hi}\n", "line 4: audience.colour"),
     ("name: x\nkind: event\nevent:\n  title: t\n  branch: moon\n  place: p\n  starts: 2030-01-01 09:00\n"
      "  ends: 2030-01-01 10:00\n  capacity: 5\ntexts: {zh-Hant: hi}\n", "branch: unknown branch 'moon'"),
     ("name: x\nsend_at: soon\ntexts: {zh-Hant: hi}\n", "line 2: send_at"),
     ("name: [x\n", "line 2: yaml")],
)  # fmt: skip
def test_bad_files_are_refused_with_field_and_line_and_nothing_stored(
    env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    assert main(["campaign", "create", "--from", str(bad)]) == 2
    assert message in capsys.readouterr().err
    assert asyncio.run(_count(env.database_url)) == (0, 0)


@pytest.mark.parametrize("dry_run", [False, True])
def test_an_audience_nobody_is_in_is_refused_in_one_line(
    env: Settings, capsys: pytest.CaptureFixture[str], dry_run: bool
) -> None:
    asyncio.run(_owners(env, "Honda"))  # a customer, but no Toyota owner
    assert main(["campaign", "create", "--from", str(EXAMPLE), *(["--dry-run"] if dry_run else [])]) == 2
    captured = capsys.readouterr()
    [line] = captured.err.strip().splitlines()
    assert "audience: nobody would receive it" in line and "change the audience" in line
    assert captured.out == ""
    assert asyncio.run(_count(env.database_url)) == (0, 0)  # neither the campaign nor its new event


def test_create_list_show_and_cancel(env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_owners(env, "Toyota"))
    assert main(["campaign", "create", "--from", str(EXAMPLE)]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["event_id"] and created["send_at"].endswith("09:00")
    assert main(["campaign", "list"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "scheduled"
    assert main(["campaign", "cancel", str(created["id"])]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "cancelled"
    assert main(["campaign", "cancel", str(created["id"])]) == 1
    assert "cannot cancel" in capsys.readouterr().err


def test_stats_writes_the_csv_and_the_chart(env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_file, png = tmp_path / "k.csv", tmp_path / "k.png"
    args = ["stats", "--from", "2026-11-01", "--to", "2026-11-30", "--csv", str(csv_file), "--chart", str(png)]
    assert main([*args, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Customer churn: " in out and "= customers who visited in month N−7" in out
    assert csv_file.read_text(encoding="utf-8").startswith("code,name,unit,value")
    assert png.read_bytes().startswith(b"\x89PNG")
    assert main(["stats", "--branch", "moon"]) == 2


async def _due_soon_customers(url: str, settings: Settings) -> None:
    """One customer whose Toyota's first service falls within 30 days, one whose falls later; vehicle_due as the
    reminder sweep keeps it."""
    import datetime as dt

    from bot.core.reminders import due_store
    from bot.core.reminders.policy import ReminderDeps
    from bot.core.services import build_services
    from bot.db.garage.models import Customer, Vehicle

    services = build_services(settings)
    today = dt.datetime.now(settings.tz).date()
    async with services.sessions.begin() as session:
        for n, days in ((1, 80), (2, 10)):
            customer = Customer(telegram_user_id=5000 + n, chat_id=5000 + n, first_name=f"C{n}")
            session.add(customer)
            await session.flush()
            session.add(Vehicle(customer_id=customer.id, plate=f"粤B5000{n}", make="Toyota", model="Corolla",
                                delivery_date=today - dt.timedelta(days=days)))  # fmt: skip
    await due_store.refresh(services.sessions, ReminderDeps.from_services(services), today)
    await services.engine.dispose()


def test_service_due_within_days_in_a_file(env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_due_soon_customers(env.database_url, env))
    good = tmp_path / "due.yaml"
    good.write_text("name: service month\naudience:\n  makes: [Toyota]\n  service_due_days: 30\n"
                    "texts: {zh-Hant: 保養月, en: Service month}\n", encoding="utf-8")  # fmt: skip
    assert main(["campaign", "create", "--from", str(good), "--dry-run"]) == 0
    assert "1 recipient(s)" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\naudience:\n  service_due_days: soon\ntexts: {zh-Hant: hi}\n", encoding="utf-8")
    assert main(["campaign", "create", "--from", str(bad)]) == 2
    assert "line 3: audience.service_due_days" in capsys.readouterr().err
    assert asyncio.run(_count(env.database_url)) == (0, 0)


SERVICE_MONTH = ROOT / "docs" / "examples" / "service_month.yaml"


def test_a_ready_template_in_a_file_is_shown_per_locale(env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.core.services import build_services

    dealer = build_services(env).dealer
    asyncio.run(_due_soon_customers(env.database_url, env))  # the file's audience: service due within 30 days
    assert main(["campaign", "create", "--from", str(SERVICE_MONTH), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"--- zh-Hant ---\n🔧 {dealer.name.get('zh-Hant')}保養月" in out
    assert f"--- zh-Hans ---\n🔧 {dealer.name.get('zh-Hans')}保养月" in out
    assert f"--- en ---\n🔧 Service month at {dealer.name.get('en')}" in out
    assert out.count(dealer.hotline) == 3 and "[🔧 Book a service]" in out
    assert asyncio.run(_count(env.database_url)) == (0, 0)
    assert main(["campaign", "create", "--from", str(SERVICE_MONTH)]) == 0
    assert asyncio.run(_count(env.database_url)) == (1, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [("name: x\ntemplate: spring_sale\n", "line 2: template: unknown template 'spring_sale'; expected one of "
      "service_month, inspection_week, owners_evening, recall"),
     ("name: x\ntexts: {zh-Hant: hi}\ntemplate: recall\n", "line 3: template: give either texts or template")],
)  # fmt: skip
def test_a_bad_template_is_refused_with_field_and_line(
    env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    assert main(["campaign", "create", "--from", str(bad)]) == 2
    assert message in capsys.readouterr().err
    assert asyncio.run(_count(env.database_url)) == (0, 0)


def test_create_follows_the_configured_default_locale(
    env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """DEFAULT_LOCALE=en: an English text alone is enough (zh-Hant is not required), a plain text is the English
    one, and a customer in a locale without a text reads the English one, in the message and the event's title."""
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    asyncio.run(_owners(env, "Toyota"))
    english = tmp_path / "en.yaml"
    english.write_text("name: winter\nkind: event\nevent:\n  title: {en: Winter check, zh-Hant: 冬季檢測}\n"
                       "  branch: futian\n  place: bay 2\n  starts: 2030-01-10 09:00\n  ends: 2030-01-10 17:00\n"
                       "  capacity: 5\naudience: {makes: [Toyota]}\ntexts: {en: Free winter check, zh-Hant: 免費檢測}\n"
                       "send_at: 2030-01-02 10:00\n", encoding="utf-8")  # fmt: skip
    assert main(["campaign", "create", "--from", str(english), "--dry-run"]) == 0
    out = capsys.readouterr().out
    zh_hans = out.split("--- zh-Hans ---\n", 1)[1].split("--- en ---", 1)[0]
    assert zh_hans.startswith("Free winter check") and "Winter check" in zh_hans and "冬季檢測" not in zh_hans
    plain = tmp_path / "plain.yaml"
    plain.write_text("name: plain\naudience: {makes: [Toyota]}\ntexts: Oil change week\n", encoding="utf-8")
    assert main(["campaign", "create", "--from", str(plain)]) == 0
    created = json.loads(capsys.readouterr().out)
    assert main(["campaign", "show", str(created["id"])]) == 0
    assert json.loads(capsys.readouterr().out)["texts"] == {"en": "Oil change week"}
    only_chinese = tmp_path / "zh.yaml"
    only_chinese.write_text("name: x\naudience: {makes: [Toyota]}\ntexts: {zh-Hant: 你好}\n", encoding="utf-8")
    assert main(["campaign", "create", "--from", str(only_chinese)]) == 2
    assert "line 3: texts: the default locale en needs a text" in capsys.readouterr().err
