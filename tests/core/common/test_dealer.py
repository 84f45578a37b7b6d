"""dealer.yaml: the shipped file is valid, and a broken one names the file, the field and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.common.config_files import ConfigError
from bot.core.common.dealer import Dealer, hours_line, template_vars
from bot.core.common.settings import ROOT

SHIPPED = ROOT / "knowledge" / "dealer.yaml"


def test_shipped_dealer_is_valid_and_has_what_answers_need() -> None:
    dealer = Dealer.load(SHIPPED)
    for locale in ("zh-Hant", "zh-Hans", "en"):
        variables = template_vars(dealer, locale)
        assert variables["hotline"] and variables["rescue_line"]
        assert all(branch["hours"] and branch["address"] for branch in variables["branches"])  # type: ignore[attr-defined]


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "dealer.yaml"
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        ('hotline: "0755-2888-6600"', 'hotline: "call us"', "hotline", "not a phone number"),
        ('mon: "08:30-18:00"', 'mon: "18:00-08:30"', "branches.0.hours.mon", "opening before closing"),
        ("region: CN", "region: JP", "region", "Input should be"),
        ("booking_days: 14", "booking_days: 0", "booking_days", "greater than or equal to 1"),
        ("  - id: nanshan", "  - id: futian", "branches", "branch ids must be unique"),
        (
            "    closed_days: [2026-01-01, 2026-02-16, 2026-02-17, 2026-02-18",
            "    closed_days: [2026-13-01, 2026-02-16, 2026-02-17, 2026-02-18",
            "branches.0.closed_days.0",
            "date",
        ),
    ],
)
def test_errors_name_file_field_and_problem(tmp_path: Path, old: str, new: str, field: str, problem: str) -> None:
    with pytest.raises(ConfigError) as error:
        Dealer.load(_broken(tmp_path, old, new))
    message = str(error.value)
    assert str(tmp_path / "dealer.yaml") in message
    assert f": {field}:" in message or f": {field}" in message
    assert problem in message


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "dealer.yaml"
    path.write_text("name: {zh-Hant: x\nregion: CN\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"dealer.yaml: line \d+, column \d+ invalid YAML"):
        Dealer.load(path)


def test_hours_line_groups_equal_days() -> None:
    hours = Dealer.load(SHIPPED).branches[0].hours
    assert hours_line(hours, "zh-Hant") == "週一至週五 08:30–18:00；週六 09:00–17:00；週日休息"
    assert hours_line(hours, "en") == "Mon–Fri 08:30–18:00; Sat 09:00–17:00; Sun closed"
