"""From the chat's answers to the engine's case, and what the rules say about it (bot.core.warranty.chat
documents how the answers become a `WarrantyCase`). No telegram import."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from bot.core.warranty.case import PartReplacementEvent, RepairRecord, SafetyFailureEvent, WarrantyCase
from bot.core.warranty.chat import (
    REPAIRS_OR_MORE,
    SYSTEM_OF_ANSWER,
    WarrantyAnswers,
    long_repair_limit,
    long_single_known,
)
from bot.core.warranty.engine import Remedy, WarrantyResult, assess, compute_usage_charge
from bot.core.warranty.rules import POWERTRAIN_PARTS, SAFETY_FAILURES, ReplacementKind, WarrantyRules


def _durations(answers: WarrantyAnswers, limit: int) -> list[int]:
    """Days of each earlier repair, oldest first (see the module docstring)."""
    count = answers.repairs or 0
    if answers.happened != "long_repair":
        return [1] * count
    total = answers.repair_days or count
    known = long_single_known(answers, limit)
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
    durations = _durations(answers, long_repair_limit(rules))
    for position, days in enumerate(reversed(durations)):
        start = max(answers.start_date, end - timedelta(days=days))
        records.append(
            RepairRecord(
                start=start,
                end=end,
                problem=problem,
                system=SYSTEM_OF_ANSWER[problem],
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
