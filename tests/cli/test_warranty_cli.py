"""The JSON interface `python -m bot warranty --json -` (bot.cli.warranty.main): format, errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest

from bot.cli.warranty import main

ROOT = Path(__file__).resolve().parents[2]
BASE = {"start_date": "2024-03-01", "as_of": "2024-03-06", "odometer_km": 500}


def run(payload: object, *argv: str) -> tuple[int, str, str]:
    """Call main() with `payload` on stdin (a str is sent as is, anything else as JSON)."""
    stdin = StringIO(payload if isinstance(payload, str) else json.dumps(payload))
    stdout, stderr = StringIO(), StringIO()
    code = main(list(argv) or ["--json", "-"], stdin, stdout, stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def test_output_format_is_exact() -> None:
    code, out, err = run({**BASE, "event": {"type": "part_replacement", "part": "transmission"}})
    assert (code, err) == (0, "")
    assert out.endswith("\n") and out.count("\n") == 1
    result = json.loads(out)
    assert list(result) == ["periods", "remedies", "excluded"]
    assert list(result["periods"]) == ["repair_warranty", "three_guarantees", "seven_day", "sixty_day"]
    assert result["periods"]["seven_day"] == {"active": True, "ends_on": "2024-03-08", "km_left": None}
    assert result["periods"]["sixty_day"] == {"active": True, "ends_on": "2024-04-30", "km_left": 2500}
    assert [(r["remedy"], r["article"]) for r in result["remedies"]] == [
        ("free_repair", 19),
        ("free_assembly_replacement", 20),
        ("refund_or_replace_free", 22),
    ]
    assert all(list(r) == ["remedy", "article", "usage_charge", "reason"] for r in result["remedies"])
    assert result["remedies"][2]["reason"] == "transmission main part must be replaced on day 5 of 7"
    assert result["excluded"] == []


def test_facts_md_usage_charge_example() -> None:
    history = [
        {"start": f"2024-0{m}-01", "end": f"2024-0{m}-02", "problem": "Gearbox noise", "system": "transmission"}
        for m in range(3, 8)
    ]
    case = {
        **BASE,
        "as_of": "2024-09-01",
        "odometer_km": 10000,
        "price": 200000,
        "usage_coefficient": 0.005,
        "history": history,
    }
    code, out, _ = run(case)
    remedy = json.loads(out)["remedies"][-1]
    assert code == 0
    assert (remedy["remedy"], remedy["article"], remedy["usage_charge"]) == (
        "refund_or_replace_with_usage_charge",
        24,
        10000,
    )


def test_history_with_date_times_and_open_repair() -> None:
    history = [
        {"start": "2024-04-01T09:00", "end": "2024-04-06T10:00", "problem": "ECU", "system": "engine"},
        {"start": "2024-05-01", "end": None, "problem": "noise", "system": "other", "resolved": False},
    ]
    code, out, _ = run({**BASE, "as_of": "2024-05-03", "odometer_km": 4000, "history": history})
    assert code == 0
    assert [r["remedy"] for r in json.loads(out)["remedies"]] == ["free_repair", "substitute_vehicle"]


def test_commercial_use_and_exclusions_are_reported() -> None:
    code, out, _ = run({**BASE, "use": "commercial", "exclusions": ["force_majeure"]})
    result = json.loads(out)
    assert (code, result["remedies"], result["excluded"]) == (0, [], ["commercial_use", "force_majeure"])
    assert result["periods"]["repair_warranty"]["active"] is True


def test_text_summary_without_json() -> None:
    code, out, _ = run({**BASE, "event": {"type": "safety_failure", "failure": "brake"}}, "-")
    assert code == 0
    assert "Periods:" in out and "refund_or_replace_free (Art. 23): brake failure on day 5 of 60" in out


def test_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(BASE), encoding="utf-8")
    code, out, _ = run("", "--json", str(path))
    assert code == 0 and json.loads(out)["remedies"][0]["remedy"] == "free_repair"


def with_history(*items: dict[str, object]) -> dict[str, object]:
    good = {"start": "2024-03-02", "end": "2024-03-03", "problem": "noise", "system": "engine"}
    return {**BASE, "history": [good, *({**good, **item} for item in items)]}


ERRORS = [
    pytest.param("{not json", "input: invalid JSON", id="bad-json"),
    pytest.param('{"odometer_km": NaN}', "input: invalid JSON", id="nan"),
    pytest.param([], "input: expected an object", id="not-an-object"),
    pytest.param({"as_of": "2024-03-06", "odometer_km": 1}, "start_date: required", id="missing-start-date"),
    pytest.param({**BASE, "start_date": "2024-02-30"}, "start_date: expected a date", id="impossible-date"),
    pytest.param({**BASE, "as_of": "2024/03/06"}, "as_of: expected a date", id="slashes"),
    pytest.param({**BASE, "as_of": "20240306"}, "as_of: expected a date", id="compact-date"),
    pytest.param({**BASE, "as_of": "2024-02-29"}, "as_of: 2024-02-29 is before start_date", id="as-of-first"),
    pytest.param({**BASE, "odometer_km": -1}, "odometer_km: must not be negative", id="negative-km"),
    pytest.param({**BASE, "odometer_km": 12.5}, "odometer_km: expected a whole number", id="float-km"),
    pytest.param({**BASE, "odometer_km": "500"}, "odometer_km: expected a whole number", id="string-km"),
    pytest.param({**BASE, "odometer_km": True}, "odometer_km: expected a whole number", id="bool-km"),
    pytest.param({**BASE, "use": "taxi"}, 'use: unknown value "taxi"', id="unknown-use"),
    pytest.param({**BASE, "price": -5}, "price: must be positive", id="negative-price"),
    pytest.param({**BASE, "price": "cheap"}, "price: expected a number", id="string-price"),
    pytest.param(
        {**BASE, "usage_coefficient": 0.006}, "usage_coefficient: 0.006 outside 0..0.005", id="coefficient-above-max"
    ),
    pytest.param({**BASE, "usage_coefficient": 0.5}, "usage_coefficient: 0.5 outside", id="coefficient-as-percent"),
    pytest.param({**BASE, "colour": "red"}, "colour: unknown field", id="unknown-field"),
    pytest.param({**BASE, "event": {"type": "flood"}}, 'event.type: unknown value "flood"', id="unknown-event"),
    pytest.param(
        {**BASE, "event": {"type": "part_replacement", "part": "wheel"}}, "event.part: unknown value", id="unknown-part"
    ),
    pytest.param(
        {**BASE, "event": {"type": "safety_failure", "part": "brake"}},
        "event.part: unknown field",
        id="wrong-event-key",
    ),
    pytest.param({**BASE, "history": {}}, "history: expected a list", id="history-not-a-list"),
    pytest.param({**BASE, "event": {"type": "part_replacement"}}, "event.part: required", id="event-without-part"),
    pytest.param(
        with_history({"system": "wheel"}),
        'history[1].system: unknown value "wheel" (expected one of engine, transmission,',
        id="unknown-system",
    ),
    pytest.param(
        with_history({"start": "2024-02-01"}),
        'history[1].start: "2024-02-01" is before start_date',
        id="repair-before-start-date",
    ),
    pytest.param(
        with_history({"end": "2024-03-07"}), 'history[1].end: "2024-03-07" is after as_of', id="repair-ends-after-as-of"
    ),
    pytest.param(
        with_history({"start": "2024-03-04", "end": "2024-03-03"}),
        'history[1].end: "2024-03-03" is before start',
        id="repair-ends-before-it-starts",
    ),
    pytest.param(with_history({"problem": " "}), "history[1].problem: expected a non-empty string", id="blank-problem"),
    pytest.param(
        with_history({"serious_safety": "yes"}), "history[1].serious_safety: expected true or false", id="string-flag"
    ),
    pytest.param(
        with_history({"replaced": "whole_car"}),
        'history[1].replaced: unknown value "whole_car"',
        id="unknown-replacement",
    ),
    pytest.param(
        {**BASE, "exclusions": ["acts_of_god"]}, 'exclusions[0]: unknown value "acts_of_god"', id="unknown-exclusion"
    ),
]


@pytest.mark.parametrize(("payload", "message"), ERRORS)
def test_invalid_input_exits_2_naming_the_field(payload: object, message: str) -> None:
    code, out, err = run(payload)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {message}") and err.count("\n") == 1


def test_unknown_option_exits_2() -> None:
    code, _, err = run(BASE, "--yaml")
    assert code == 2 and err.startswith("error: arguments: unknown option")


def test_subprocess_module_entry_point() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bot.cli.warranty", "--json", "-"],
        input=json.dumps({**BASE, "event": {"type": "safety_failure", "failure": "battery_fire"}}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    remedies = json.loads(completed.stdout)["remedies"]
    assert [(r["remedy"], r["article"]) for r in remedies] == [("free_repair", 19), ("refund_or_replace_free", 23)]
