"""The JSON form of a warranty case and of its result (the stable `python -m bot warranty --json` format).

`case_from_json` checks every field and raises `WarrantyInputError` naming the first bad one, e.g.
`history[1].system: unknown value "wheel" (expected one of engine, …)`. Unknown keys are errors, so a typo
never passes silently. Beyond the published format, history `start`/`end` also accept a naive date-time
("YYYY-MM-DDTHH:MM[:SS]") for Art. 40's hour counting, and `exclusions` lists Art. 32 grounds.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import TypeVar

from bot.core.warranty.case import (
    PartReplacementEvent,
    RepairRecord,
    SafetyFailureEvent,
    WarrantyCase,
    WarrantyEvent,
)
from bot.core.warranty.engine import WarrantyResult
from bot.core.warranty.rules import (
    ART32_EXCLUSIONS,
    POWERTRAIN_PARTS,
    REPLACEMENT_KINDS,
    SAFETY_FAILURES,
    VEHICLE_SYSTEMS,
    VEHICLE_USES,
    VehicleUse,
    WarrantyRules,
)

NameT = TypeVar("NameT", bound=str)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?")
_CASE_KEYS = (
    "start_date",
    "as_of",
    "odometer_km",
    "use",
    "price",
    "usage_coefficient",
    "event",
    "history",
    "exclusions",
)
_RECORD_KEYS = ("start", "end", "problem", "system", "replaced", "part", "serious_safety", "resolved")
_EVENT_KEYS = {"part_replacement": ("type", "part"), "safety_failure": ("type", "failure")}


class WarrantyInputError(ValueError):
    """A case that cannot be assessed; `field` is the JSON path of the first problem."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _object(value: object, where: str, allowed: Sequence[str]) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise WarrantyInputError(where, f"expected an object, got {_show(value)}")
    for key in value:
        if key not in allowed:
            name = f"{where}.{key}" if where != "input" else key
            raise WarrantyInputError(name, f"unknown field (expected one of {', '.join(allowed)})")
    return value


def _choice(value: object, where: str, allowed: tuple[NameT, ...]) -> NameT:
    """`value` as the matching member of `allowed` (so its Literal type carries through)."""
    if not isinstance(value, str) or value not in allowed:
        expected = ", ".join(allowed)
        if value is None:
            raise WarrantyInputError(where, f"required (expected one of {expected})")
        raise WarrantyInputError(where, f"unknown value {_show(value)} (expected one of {expected})")
    return allowed[allowed.index(value)]


def _date(value: object, where: str) -> date:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise WarrantyInputError(where, f"expected a date YYYY-MM-DD, got {_show(value)}")


def _moment(value: object, where: str) -> date:
    """A date, or a naive date-time for hour-exact repair times."""
    if isinstance(value, str) and _DATE_TIME.fullmatch(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, str) and _DATE.fullmatch(value):
        return _date(value, where)
    raise WarrantyInputError(where, f"expected a date YYYY-MM-DD or YYYY-MM-DDTHH:MM, got {_show(value)}")


def _number(value: object, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise WarrantyInputError(where, f"expected a number, got {_show(value)}")
    return Decimal(str(value))


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WarrantyInputError(where, f"expected a non-empty string, got {_show(value)}")
    return value


def _flag(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise WarrantyInputError(where, f"expected true or false, got {_show(value)}")
    return value


def _event(value: object) -> WarrantyEvent | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise WarrantyInputError("event", f"expected null or an object, got {_show(value)}")
    kind = _choice(value.get("type"), "event.type", tuple(_EVENT_KEYS))
    data = _object(value, "event", _EVENT_KEYS[kind])
    if kind == "part_replacement":
        return PartReplacementEvent(_choice(data.get("part"), "event.part", POWERTRAIN_PARTS))
    return SafetyFailureEvent(_choice(data.get("failure"), "event.failure", SAFETY_FAILURES))


def _record(value: object, where: str, start_date: date, as_of: date) -> RepairRecord:
    data = _object(value, where, _RECORD_KEYS)
    start = _moment(data.get("start"), f"{where}.start")
    start_shown, end_shown = _show(data.get("start")), _show(data.get("end"))
    if _day(start) < start_date:
        raise WarrantyInputError(f"{where}.start", f"{start_shown} is before start_date {start_date}")
    if _day(start) > as_of:
        raise WarrantyInputError(f"{where}.start", f"{start_shown} is after as_of {as_of}")
    end = None if data.get("end") is None else _moment(data["end"], f"{where}.end")
    if end is not None and _day(end) > as_of:
        raise WarrantyInputError(f"{where}.end", f"{end_shown} is after as_of {as_of}")
    if end is not None and _instant(end) < _instant(start):
        raise WarrantyInputError(f"{where}.end", f"{end_shown} is before start {start_shown}")
    replaced, part = data.get("replaced"), data.get("part")
    return RepairRecord(
        start=start,
        end=end,
        problem=_text(data.get("problem"), f"{where}.problem"),
        system=_choice(data.get("system"), f"{where}.system", VEHICLE_SYSTEMS),
        replaced=None if replaced is None else _choice(replaced, f"{where}.replaced", REPLACEMENT_KINDS),
        part=None if part is None else _text(part, f"{where}.part"),
        serious_safety=_flag(data.get("serious_safety", False), f"{where}.serious_safety"),
        resolved=_flag(data.get("resolved", True), f"{where}.resolved"),
    )


def _day(moment: date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def _instant(moment: date) -> datetime:
    return moment if isinstance(moment, datetime) else datetime.combine(moment, time())


def case_from_json(data: object, rules: WarrantyRules) -> WarrantyCase:
    """Validate one decoded JSON case and build the `WarrantyCase`; `WarrantyInputError` names a bad field."""
    case = _object(data, "input", _CASE_KEYS)
    for required in ("start_date", "as_of", "odometer_km"):
        if required not in case:
            raise WarrantyInputError(required, "required")
    start_date = _date(case["start_date"], "start_date")
    as_of = _date(case["as_of"], "as_of")
    if as_of < start_date:
        raise WarrantyInputError("as_of", f"{as_of} is before start_date {start_date}")
    odometer = case["odometer_km"]
    if isinstance(odometer, bool) or not isinstance(odometer, int):
        raise WarrantyInputError("odometer_km", f"expected a whole number of km, got {_show(odometer)}")
    if odometer < 0:
        raise WarrantyInputError("odometer_km", f"must not be negative, got {odometer}")
    use: VehicleUse = "household" if case.get("use") is None else _choice(case["use"], "use", VEHICLE_USES)
    price = None if case.get("price") is None else _number(case["price"], "price")
    if price is not None and price <= 0:
        raise WarrantyInputError("price", f"must be positive, got {_show(case['price'])}")
    coefficient = None
    if case.get("usage_coefficient") is not None:
        coefficient = _number(case["usage_coefficient"], "usage_coefficient")
        limit = rules.usage_charge.max_coefficient
        if not 0 <= coefficient <= Decimal(str(limit)):
            raise WarrantyInputError(
                "usage_coefficient",
                f"{_show(case['usage_coefficient'])} outside 0..{limit} (n is a fraction, at most"
                f" {limit:.1%} under Art. {rules.usage_charge.article})",
            )
    history = [] if case.get("history") is None else case["history"]
    if not isinstance(history, list):
        raise WarrantyInputError("history", f"expected a list, got {_show(history)}")
    exclusions = [] if case.get("exclusions") is None else case["exclusions"]
    if not isinstance(exclusions, list):
        raise WarrantyInputError("exclusions", f"expected a list, got {_show(exclusions)}")
    return WarrantyCase(
        start_date=start_date,
        as_of=as_of,
        odometer_km=odometer,
        use=use,
        price=price,
        usage_coefficient=coefficient,
        event=_event(case.get("event")),
        history=tuple(_record(item, f"history[{i}]", start_date, as_of) for i, item in enumerate(history)),
        exclusions=tuple(_choice(item, f"exclusions[{i}]", ART32_EXCLUSIONS) for i, item in enumerate(exclusions)),
    )


def result_to_json(result: WarrantyResult) -> dict[str, object]:
    """The result in the published format: periods, remedies (four keys each) and exclusion codes."""
    return {
        "periods": {
            code: {"active": period.active, "ends_on": period.ends_on.isoformat(), "km_left": period.km_left}
            for code, period in result.periods.items()
        },
        "remedies": [
            {
                "remedy": remedy.code,
                "article": remedy.article,
                "usage_charge": None if remedy.usage_charge is None else float(remedy.usage_charge),
                "reason": remedy.reason,
            }
            for remedy in result.remedies
        ],
        "excluded": list(result.excluded),
    }
