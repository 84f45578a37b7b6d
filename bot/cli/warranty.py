"""`python -m bot warranty [--json] [-|FILE]`: assess one 三包 case read as JSON.

With `--json` it prints one line of JSON in the published format (see `bot.core.warranty.json_form`); without it,
a short English summary. `-` (the default) reads standard input. Exit codes: 0 done, 2 invalid input or
usage (one `error: <field>: <problem>` line on stderr), 1 the rules file knowledge/warranty.yaml is invalid.
`argv` is what follows `warranty` on the command line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from bot.core.common.config_files import ConfigError
from bot.core.warranty.case import WarrantyCase
from bot.core.warranty.engine import WarrantyResult, assess
from bot.core.warranty.json_form import WarrantyInputError, case_from_json, result_to_json
from bot.core.warranty.rules import WarrantyRules, default_rules

USAGE = "usage: python -m bot warranty [--json] [-|FILE]"
EXIT_OK, EXIT_RULES, EXIT_INPUT = 0, 1, 2


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number JSON allows")


def _parse_args(argv: list[str]) -> tuple[bool, str]:
    """(--json given, source); raises WarrantyInputError on a bad command line."""
    as_json, sources = False, []
    for arg in argv:
        if arg == "--json":
            as_json = True
        elif arg.startswith("-") and arg != "-":
            raise WarrantyInputError("arguments", f"unknown option {arg!r} ({USAGE})")
        else:
            sources.append(arg)
    if len(sources) > 1:
        raise WarrantyInputError("arguments", f"one input at most, got {len(sources)} ({USAGE})")
    return as_json, sources[0] if sources else "-"


def _read_case(source: str, stdin: TextIO, rules: WarrantyRules) -> WarrantyCase:
    """Read, decode and validate the case; every failure becomes a WarrantyInputError."""
    try:
        text = stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WarrantyInputError("input", f"cannot read {source}: {exc}") from exc
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise WarrantyInputError("input", f"invalid JSON: {exc.msg} ({where})") from exc
    except ValueError as exc:
        raise WarrantyInputError("input", f"invalid JSON: {exc}") from exc
    return case_from_json(data, rules)


def summary(case: WarrantyCase, result: WarrantyResult, rules: WarrantyRules) -> str:
    """A short English summary of an assessment, for people reading a terminal."""
    lines = [
        f"Three Guarantees (三包) assessment on {case.as_of}"
        f" (day {case.day} from {case.start_date}, {case.odometer_km:,} km)",
        "Periods:",
    ]
    for code, period in result.periods.items():
        state = "running" if period.active else f"ended ({' and '.join(period.ended_by)})"
        distance = "" if period.km_left is None else f", {period.km_left:,} km left"
        lines.append(f"  {code:<17} {state:<26} last day {period.ends_on}{distance}")
    if result.excluded:
        grounds = ", ".join(f"{code} (Art. {rules.exclusions[code]})" for code in result.excluded)
        lines.append(f"Excluded: {grounds}; no remedies.")
    elif not result.remedies:
        lines.append("Remedies: none.")
    else:
        lines.append("Remedies:")
        for remedy in result.remedies:
            lines.append(f"  - {remedy.code} (Art. {remedy.article}): {remedy.reason}")
    return "\n".join(lines) + "\n"


def main(argv: list[str], stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Run the command; returns the exit code instead of exiting, so tests and `python -m bot` can call it."""
    try:
        rules = default_rules()
    except ConfigError as exc:
        stderr.write(f"error: {exc}\n")
        return EXIT_RULES
    if "-h" in argv or "--help" in argv:
        stdout.write(f"{USAGE}\n{__doc__}")
        return EXIT_OK
    try:
        as_json, source = _parse_args(argv)
        case = _read_case(source, stdin, rules)
        result = assess(case, rules)
    except ValueError as exc:  # WarrantyInputError, or a case the engine itself refuses
        stderr.write(f"error: {exc}\n")
        return EXIT_INPUT
    if as_json:
        stdout.write(json.dumps(result_to_json(result), ensure_ascii=False) + "\n")
    else:
        stdout.write(summary(case, result, rules))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], sys.stdin, sys.stdout, sys.stderr))
