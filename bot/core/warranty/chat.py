"""The guided 三包 check in chat: the customer's answers, which question comes next, and what the rules say.

No telegram import. Handlers keep a `WarrantyAnswers` in the customer's persisted user_data, ask the question
`next_step` names, record the reply with `take_choice` / `take_typed`, and render `bot.core.warranty.outcome.outcome`.

From chat answers to a `WarrantyCase` (what the customer tells us is all the engine gets):
- Commercial use → no assessment: 三包 covers household cars only (Art. 40); the outcome names that article.
- `start_date` is the invoice or delivery date (Art. 18); `as_of` is today in the dealer's time zone.
- `happened` is what happens today: a powertrain main part to replace → `PartReplacementEvent`; one of
  Art. 23's failures → `SafetyFailureEvent`; "long_repair", "other" and "none" → no event.
- Earlier repairs of the same problem become `RepairRecord`s of one problem (the `happened` code), one day
  each, on the days up to today (never before the start date): they count for Art. 24's "same problem" and
  not as long repair time. The problem is back today, so the last of them did not cure it (`resolved`
  False); for "other" and "long_repair" the customer says whether it is still there. When the customer says
  the same powertrain main part was replaced each time, they are main-part replacements (Art. 24 (3)).
  Art. 23's failures endanger people, so they count as serious safety faults (Art. 24 (1)).
- "long_repair": the repairs (at least one, the current one counted) share the total days the customer
  gives, back to back up to today. Whether one of them took over Art. 21's limit is asked unless the answers
  settle it: no when even one repair taking all the days but one per other repair stays within the limit;
  yes when an exact count cannot share the total within the limit. "5 or more" is not an exact count, so
  totals never prove a long repair there. If one did, it gets all days but one per other repair; otherwise
  the days are spread evenly, each within the limit ("5 or more" then stands for as many repairs as that
  takes). Art. 21 is granted only when a long repair is established.
- `price` and `coefficient` are asked only on request when Art. 24 applies, to show the Art. 27 charge.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from bot.core.common import steps
from bot.core.common.dates import Precision, parse_days, parse_km, read_date
from bot.core.common.numbers import normalise, parse_coefficient, parse_price
from bot.core.warranty.rules import (
    POWERTRAIN_PARTS,
    SAFETY_FAILURES,
    VEHICLE_USES,
    VehicleSystem,
    WarrantyRules,
)

Step = Literal[
    "use", "start_date", "odometer", "happened", "repairs", "replaced", "still_there",
    "repair_days", "long_single", "price", "coefficient", "result",
]  # fmt: skip
BUTTON_STEPS: tuple[Step, ...] = ("use", "happened", "repairs", "replaced", "still_there", "long_single")
TYPED_STEPS: tuple[Step, ...] = ("start_date", "odometer", "repair_days", "price", "coefficient")
HAPPENED: tuple[str, ...] = ("none", *POWERTRAIN_PARTS, *SAFETY_FAILURES, "long_repair", "other")
YES_NO = ("yes", "no")
REPAIRS_OR_MORE = 5  # the last "how many repairs" button: 5 or more, a lower bound, not a count
# The vehicle system of each answer to "what happened" (for grouping repairs of "the same main part").
SYSTEM_OF_ANSWER: dict[str, VehicleSystem] = {
    "engine": "engine", "transmission": "transmission", "power_battery": "power_battery",
    "drive_motor": "drive_motor", "steering": "steering", "brake": "brake", "body_crack": "body",
    "fuel_leak": "other", "battery_fire": "power_battery", "long_repair": "other", "other": "other",
}  # fmt: skip


@dataclass
class WarrantyAnswers:
    """What the customer has answered so far; `to_json` is what is stored between messages."""

    use: str | None = None
    start_date: date | None = None
    start_precision: Precision = "day"
    odometer_km: int | None = None
    happened: str | None = None
    repairs: int | None = None
    replaced: bool | None = None
    still_there: bool | None = None
    repair_days: int | None = None
    long_single: bool | None = None
    wants_charge: bool = False
    price: Decimal | None = None
    coefficient: Decimal | None = None
    asked: list[str] | None = None  # the questions answered, newest last ("↩️ Back": bot.core.common.steps)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values: dates as ISO strings, amounts as decimal strings, unanswered left out."""
        data = {key: value for key, value in asdict(self).items() if value is not None}
        return {key: str(value) if isinstance(value, date | Decimal) else value for key, value in data.items()}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> WarrantyAnswers:
        """The answers stored by `to_json` (unknown keys from an older version are dropped)."""
        known = {field.name for field in fields(cls)}
        values = {key: value for key, value in (data or {}).items() if key in known}
        if "start_date" in values:
            values["start_date"] = date.fromisoformat(values["start_date"])
        for key in ("price", "coefficient"):
            if key in values:
                values[key] = Decimal(values[key])
        return cls(**values)

    def day_on(self, today: date) -> int | None:
        """Which day of the periods `today` is (the start date is day 0), once the start date is known."""
        return None if self.start_date is None else (today - self.start_date).days

    @property
    def has_problem(self) -> bool:
        """Whether the customer reported a problem, whose earlier repairs then matter (all but "none")."""
        return self.happened not in (None, "none")


def long_single_known(answers: WarrantyAnswers, limit: int) -> bool | None:
    """Whether the count and total days settle that one repair took over Art. 21's limit; None if they don't."""
    count, total = answers.repairs or 0, answers.repair_days or 0
    if total - (count - 1) <= limit:
        return False  # even one repair with all days but one per other repair stays within the limit
    if count == 1 or (count < REPAIRS_OR_MORE and total > limit * count):
        return True  # an exact count of repairs cannot share these days within the limit
    return None


def next_step(answers: WarrantyAnswers, rules: WarrantyRules) -> Step:
    """The question to ask next; "result" when everything needed is known."""
    a = answers
    order: tuple[tuple[Step, bool], ...] = (
        ("use", a.use is None),
        ("start_date", a.use == "household" and a.start_date is None),
        ("odometer", a.use == "household" and a.odometer_km is None),
        ("happened", a.use == "household" and a.happened is None),
        ("repairs", a.use == "household" and a.has_problem and a.repairs is None),
        ("replaced", a.happened in POWERTRAIN_PARTS and bool(a.repairs) and a.replaced is None),
        ("still_there", a.happened in ("other", "long_repair") and bool(a.repairs) and a.still_there is None),
        ("repair_days", a.happened == "long_repair" and a.repair_days is None),
        ("long_single", a.happened == "long_repair" and a.long_single is None and _open(a, rules)),
        ("price", a.wants_charge and a.price is None),
        ("coefficient", a.wants_charge and a.coefficient is None),
    )
    return next((step for step, missing in order if missing), "result")


def answered(answers: WarrantyAnswers, rules: WarrantyRules) -> bool:
    """Whether every question of the check is answered (the optional usage-charge questions aside)."""
    return next_step(replace(answers, wants_charge=False), rules) == "result"


def long_repair_limit(rules: WarrantyRules) -> int:
    return rules.remedies.substitute_vehicle.single_repair_days_over


def _open(answers: WarrantyAnswers, rules: WarrantyRules) -> bool:
    return long_single_known(answers, long_repair_limit(rules)) is None


def choices(step: Step, answers: WarrantyAnswers) -> tuple[str, ...]:
    """The buttons of a button step, as the values `take_choice` accepts."""
    if step == "use":
        return VEHICLE_USES
    if step == "happened":
        return HAPPENED
    if step == "repairs":  # a long repair counts the current one, so at least 1
        first = 1 if answers.happened == "long_repair" else 0
        return tuple(str(n) for n in range(first, REPAIRS_OR_MORE + 1))
    return YES_NO


def take_choice(answers: WarrantyAnswers, step: Step, value: str) -> bool:
    """Record a pressed button; False when the value is not one of this step's choices."""
    if step not in BUTTON_STEPS or value not in choices(step, answers):
        return False
    if step in ("use", "happened"):
        setattr(answers, step, value)
    elif step == "repairs":
        answers.repairs = int(value)
    else:
        setattr(answers, step, value == "yes")
    return True


_COUNT_WORDS = {"never": 0, "zero": 0, "once": 1, "one": 1, "twice": 2, "two": 2, "three": 3, "four": 4, "five": 5}
_COUNT = re.compile(r"(\d{1,3})\s*(?:次|回|遍|x|times?)?\s*(以上|多|or more|\+)?")


def typed_count(step: Step, text: str, answers: WarrantyAnswers) -> str | None:
    """A count typed at "how many repairs" ("2", "2次", 「兩次」, "twice", "7"): the button it is, as
    `take_choice` takes it (a count past the last button is "5 or more"); None elsewhere, when not a count, or
    for "3 or more", which is no one button."""
    if step != "repairs":
        return None
    cleaned = " ".join(str(_COUNT_WORDS.get(word, word)) for word in normalise(text).split())
    match = _COUNT.fullmatch(cleaned)
    if match is None:
        return None
    count = int(match.group(1))
    if match.group(2) and count < REPAIRS_OR_MORE:  # "3 or more" is no one button
        return None
    value = str(min(count, REPAIRS_OR_MORE))
    return value if value in choices(step, answers) else None


def take_typed(answers: WarrantyAnswers, step: Step, text: str, today: date, rules: WarrantyRules) -> str | None:
    """Record a typed answer; on failure the problem code the customer is told (templates: warranty_retry)."""
    if step == "start_date":
        reading = read_date(text, today)
        if reading is None:
            return "date_unclear"
        if reading.value > today:
            return "date_future"
        if reading.precision == "year":
            return "date_need_month"
        answers.start_date, answers.start_precision = reading.value, reading.precision
    elif step == "odometer":
        km = parse_km(text)
        if km is None:
            return "km_unclear"
        answers.odometer_km = km
    elif step == "repair_days":
        days = parse_days(text)
        if days is None:
            return "days_unclear"
        if days > (answers.day_on(today) or 0) + 1:
            return "days_too_many"
        answers.repair_days = max(days, answers.repairs or 1)  # each repair counts at least one day (Art. 40)
    elif step == "price":
        price = parse_price(text)
        if price is None:
            return "price_unclear"
        answers.price = price
    elif step == "coefficient":
        coefficient = parse_coefficient(text, Decimal(str(rules.usage_charge.max_coefficient)))
        if coefficient is None:
            return "coefficient_unclear"
        if coefficient > Decimal(str(rules.usage_charge.max_coefficient)):
            return "coefficient_too_high"
        answers.coefficient = coefficient
    return None


# What each question's answer is stored in, for "back" (a step not named here is its own field).
STEP_KEYS: dict[str, tuple[str, ...]] = {"start_date": ("start_date", "start_precision"), "odometer": ("odometer_km",)}
_KM_UNIT = re.compile(r"km|公里|千米|萬|万", re.IGNORECASE)


def note_answered(answers: WarrantyAnswers, step: Step) -> None:
    data = answers.to_json()
    steps.answered(data, step)
    answers.asked = data[steps.ASKED]


def go_back(answers: WarrantyAnswers) -> WarrantyAnswers:
    """The answers without the newest one the customer gave (unchanged when there is none)."""
    data = answers.to_json()
    steps.undo_last(data, STEP_KEYS)
    return WarrantyAnswers.from_json(data)


def take_earlier(answers: WarrantyAnswers, text: str, today: date) -> Step | None:
    """Text that does not answer the question asked but plainly answers an earlier typed one (a date: the start
    date; kilometres with their unit: the odometer) replaces that answer; the step taken, else None."""
    asked = answers.asked or []
    reading = read_date(text, today) if "start_date" in asked else None
    if reading is not None and reading.value <= today and reading.precision != "year":
        answers.start_date, answers.start_precision = reading.value, reading.precision
        return "start_date"
    if "odometer" in asked and _KM_UNIT.search(text) and (km := parse_km(text)) is not None:
        answers.odometer_km = km
        return "odometer"
    return None
