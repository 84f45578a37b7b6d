"""The sweep's reminder texts (bot.core.reminders.message.ReminderTexts) are render_text's, byte for byte."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

from bot.core.common.locale import LOCALES
from bot.core.common.messages import Messages
from bot.core.garage.due import due_items
from bot.core.garage.maintenance import OdometerReading, VehicleFacts
from bot.core.garage.schedule import default_schedule
from bot.core.reminders.message import CarView, ReminderTexts, render_text
from bot.core.warranty.rules import default_rules

DIRECTORY = Path(__file__).resolve().parents[3] / "templates" / "messages"
D = date.fromisoformat
NAMES = [None, "", "Ann", " <b>Ann</b> & \"Bo\" ", "陳大文", "x\ue000name\ue000y"]
PLATES = [None, "粤B12345", "AB-1234", "<i>", "\ue000plate\ue000"]


def items(today: date) -> list:
    """Every kind, due ahead and overdue, for a few cars."""
    found = []
    for n, delivered in enumerate(("2023-11-20", "2021-12-01", "2025-10-01", "2019-06-15")):
        car = VehicleFacts(id=n, make="Toyota", model="Corolla", delivery_date=D(delivered),
                           insurance_expiry=today + timedelta(days=10 - 20 * n),
                           readings=(OdometerReading(today - timedelta(days=40), 9000 + 7000 * n),))  # fmt: skip
        for day in (today, today + timedelta(days=200)):
            found += due_items(car, default_schedule(), "CN", day, default_rules())
    return found


def check(messages: Messages) -> int:
    """Every locale, item, name, plate and `again` through one ReminderTexts, each twice (the second from the
    kept text): the same as render_text. Returns how many were compared."""
    today, texts, compared = D("2026-11-28"), ReminderTexts(messages, limit=50), 0
    for _ in range(2):
        for locale in LOCALES:
            for item in items(today):
                for n, name in enumerate(NAMES):
                    for again in (False, True):
                        car = CarView(item.vehicle_id, PLATES[n % len(PLATES)], "Toyota", "Corolla" if n else "")
                        expected = render_text(messages, locale, car, item, today, name, again)
                        assert texts.render(locale, car, item, today, name, again) == expected
                        compared += 1
    return compared


def test_kept_texts_are_the_rendered_ones_for_every_locale_kind_name_and_plate() -> None:
    assert check(Messages(DIRECTORY)) > 1000


def test_a_template_that_changes_the_name_is_rendered_in_full(tmp_path: Path) -> None:
    shutil.copytree(DIRECTORY, tmp_path, dirs_exist_ok=True)
    template = tmp_path / "en" / "reminders" / "reminder.html.j2"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("Hello {{ name }},", "Hello {{ name|upper|trim }} ({{ name|length }}),"), "utf-8")
    messages = Messages(tmp_path)
    assert "Hello ANN (3)," in render_text(messages, "en", CarView(1, None, "Toyota", ""), items(D("2026-11-28"))[0],
                                           D("2026-11-28"), "Ann")  # fmt: skip
    assert check(messages) > 1000
