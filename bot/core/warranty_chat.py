"""The guided 三包 check in chat: the customer's answers, which question comes next, and what the rules say.

No telegram import. Handlers keep a `WarrantyAnswers` in the customer's persisted user_data, ask the question
`next_step` names, record the reply with `take_choice` / `take_typed`, and render `outcome`.

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

import math
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from bot.core.dates import Precision, parse_days, parse_km, read_date
from bot.core.numbers import parse_coefficient, parse_price
from bot.core.warranty import Remedy, WarrantyResult, assess, compute_usage_charge
from bot.core.warranty_case import PartReplacementEvent, RepairRecord, SafetyFailureEvent, WarrantyCase
from bot.core.warranty_rules import (
    POWERTRAIN_PARTS,
    SAFETY_FAILURES,
    VEHICLE_USES,
    ReplacementKind,
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
_SYSTEM: dict[str, VehicleSystem] = {
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


def _long_single_known(answers: WarrantyAnswers, limit: int) -> bool | None:
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


def _limit(rules: WarrantyRules) -> int:
    return rules.remedies.substitute_vehicle.single_repair_days_over


def _open(answers: WarrantyAnswers, rules: WarrantyRules) -> bool:
    return _long_single_known(answers, _limit(rules)) is None


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


def _durations(answers: WarrantyAnswers, limit: int) -> list[int]:
    """Days of each earlier repair, oldest first (see the module docstring)."""
    count = answers.repairs or 0
    if answers.happened != "long_repair":
        return [1] * count
    total = answers.repair_days or count
    known = _long_single_known(answers, limit)
    if (answers.long_single if known is None else known) is True:  # unanswered: no long repair established
        return [total - (count - 1)] + [1] * (count - 1)
    if count == REPAIRS_OR_MORE:  # "5 or more" with none over the limit: as many repairs as that takes
        count = max(count, math.ceil(total / limit))
    base, extra = divmod(total, count)
    return [base + 1] * extra + [base] * (count - extra)


def _history(answers: WarrantyAnswers, today: date, rules: WarrantyRules) -> tuple[RepairRecord, ...]:
    assert answers.start_date is not None and answers.happened is not None
    problem = answers.happened
    replaced: ReplacementKind | None = "main_part" if answers.replaced else None
    cured = answers.happened in ("other", "long_repair") and answers.still_there is False
    records: list[RepairRecord] = []
    end = today
    durations = _durations(answers, _limit(rules))
    for position, days in enumerate(reversed(durations)):
        start = max(answers.start_date, end - timedelta(days=days))
        records.append(
            RepairRecord(
                start=start,
                end=end,
                problem=problem,
                system=_SYSTEM[problem],
                replaced=replaced,
                part=problem if replaced else None,
                serious_safety=problem in SAFETY_FAILURES,
                resolved=cured or position > 0,
            )
        )
        end = start
    return tuple(reversed(records))


def build_case(answers: WarrantyAnswers, today: date, rules: WarrantyRules) -> WarrantyCase:
    """The engine's input for a household car whose questions are all answered."""
    assert answers.start_date is not None and answers.odometer_km is not None
    event: PartReplacementEvent | SafetyFailureEvent | None = None
    if answers.happened in POWERTRAIN_PARTS:
        event = PartReplacementEvent(POWERTRAIN_PARTS[POWERTRAIN_PARTS.index(answers.happened)])
    elif answers.happened in SAFETY_FAILURES:
        event = SafetyFailureEvent(SAFETY_FAILURES[SAFETY_FAILURES.index(answers.happened)])
    return WarrantyCase(
        start_date=answers.start_date,
        as_of=today,
        odometer_km=answers.odometer_km,
        price=answers.price,
        usage_coefficient=answers.coefficient,
        event=event,
        history=_history(answers, today, rules) if answers.repairs else (),
    )


@dataclass(frozen=True)
class WarrantyOutcome:
    """What the rules say about the answers; `result` is None when 三包 does not apply at all."""

    answers: WarrantyAnswers
    today: date
    rules: WarrantyRules
    result: WarrantyResult | None

    @property
    def day(self) -> int | None:
        """Today's day number of the periods (the start date is day 0)."""
        return self.answers.day_on(self.today)

    @property
    def before_in_force(self) -> bool:
        """Whether the car's start date precedes the regulation (then the repealed 2013 rules covered it)."""
        start = self.answers.start_date
        return self.result is not None and start is not None and start < self.rules.in_force

    @property
    def repairs_at_least(self) -> bool:
        """Whether the repair count is the open-ended "5 or more", so the counts of repairs are lower bounds."""
        return self.answers.repairs == REPAIRS_OR_MORE

    @property
    def excluded_article(self) -> int | None:
        """The article that takes the car out of 三包 (commercial use: Art. 40), or None."""
        return self.rules.exclusions["commercial_use"] if self.answers.use == "commercial" else None

    @property
    def remedies(self) -> tuple[Remedy, ...]:
        return () if self.result is None else self.result.remedies

    @property
    def offer_advisor(self) -> bool:
        """A person takes over beyond free repair (a new assembly, a substitute car, a new car or a refund), and
        for a commercial car, whose cover is the maker's own warranty."""
        return self.result is None or any(remedy.code != "free_repair" for remedy in self.remedies)

    @property
    def charged_refund(self) -> Remedy | None:
        """The Art. 24 remedy, which carries the Art. 27 usage charge, if the owner has it."""
        return None if self.result is None else self.result.remedy("refund_or_replace_with_usage_charge")

    @property
    def usage_example(self) -> dict[str, Decimal]:
        """The Art. 27 formula worked for a ¥200,000 car at 10,000 km with the maximum n."""
        rule = self.rules.usage_charge
        price, km, n = Decimal(200_000), 10_000, Decimal(str(rule.max_coefficient))
        return {"price": price, "km": Decimal(km), "n": n, "charge": compute_usage_charge(price, km, n, rule)}


def outcome(answers: WarrantyAnswers, today: date, rules: WarrantyRules) -> WarrantyOutcome:
    """Assess the answers (household use), or report that 三包 does not apply (commercial use)."""
    if answers.use == "commercial":
        return WarrantyOutcome(answers, today, rules, None)
    return WarrantyOutcome(answers, today, rules, assess(build_case(answers, today, rules), rules))
