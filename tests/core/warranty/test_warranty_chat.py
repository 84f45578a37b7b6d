"""The chat side of the 三包 check (bot.core.warranty.chat): question order, answers → case, the outcome."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.core.warranty.case import repair_days
from bot.core.warranty.chat import WarrantyAnswers, answered, choices, next_step, take_choice, take_typed
from bot.core.warranty.engine import assess
from bot.core.warranty.outcome import build_case, outcome
from bot.core.warranty.rules import default_rules

RULES = default_rules()
TODAY = date(2026, 11, 28)


def household(days: int, km: int, happened: str, **answers: object) -> WarrantyAnswers:
    """A household car on day `days` at `km`, with `happened` today."""
    return WarrantyAnswers("household", TODAY - timedelta(days=days), "day", km, happened, **answers)  # type: ignore[arg-type]


def articles(answers: WarrantyAnswers) -> list[int]:
    return [remedy.article for remedy in outcome(answers, TODAY, RULES).remedies]


def test_questions_come_in_order_and_only_when_relevant() -> None:
    answers = WarrantyAnswers()
    steps = []
    script = {
        "use": "household", "happened": "transmission", "repairs": "2", "replaced": "yes",
        "start_date": "2026-06-01", "odometer": "12000",
    }  # fmt: skip
    while (step := next_step(answers, RULES)) != "result":
        steps.append(step)
        if step in ("start_date", "odometer"):
            assert take_typed(answers, step, script[step], TODAY, RULES) is None
        else:
            assert take_choice(answers, step, script[step])
    assert steps == ["use", "start_date", "odometer", "happened", "repairs", "replaced"]


@pytest.mark.parametrize(
    ("answers", "asked"),
    [
        (WarrantyAnswers(use="commercial"), "result"),  # no dates needed: 三包 does not apply
        (household(10, 100, "none"), "result"),
        (household(10, 100, "brake"), "repairs"),
        (household(10, 100, "brake", repairs=2), "result"),  # the failure is back today: no "still there?"
        (household(10, 100, "engine", repairs=0), "result"),  # nothing replaced before: no "replaced?"
        (household(10, 100, "other", repairs=2), "still_there"),
        (household(10, 100, "long_repair", repairs=1, still_there=True), "repair_days"),
        (household(99, 100, "long_repair", repairs=3, still_there=True, repair_days=12), "long_single"),
        (household(99, 100, "long_repair", repairs=3, still_there=True, repair_days=7), "result"),  # none over 5
        (household(99, 100, "long_repair", repairs=3, still_there=True, repair_days=40), "result"),  # one must be
        # "5 or more" is no exact count: 31 days may be 7 repairs of at most 5 days, so the totals prove nothing
        (household(99, 100, "long_repair", repairs=5, still_there=True, repair_days=31), "long_single"),
        (household(99, 100, "long_repair", repairs=5, still_there=True, repair_days=9), "result"),  # none over 5
        (household(99, 100, "long_repair", repairs=4, still_there=True, repair_days=31), "result"),  # 4 × 5 < 31
        (household(99, 100, "other", repairs=5, still_there=True, wants_charge=True), "price"),
    ],
)
def test_next_step(answers: WarrantyAnswers, asked: str) -> None:
    assert next_step(answers, RULES) == asked


def test_buttons_and_their_values() -> None:
    assert choices("repairs", household(1, 1, "brake")) == ("0", "1", "2", "3", "4", "5")
    assert choices("repairs", household(1, 1, "long_repair")) == ("1", "2", "3", "4", "5")
    answers = WarrantyAnswers()
    assert not take_choice(answers, "use", "rental")  # not a choice of this step
    assert not take_choice(answers, "start_date", "2024-01-01")  # not a button step
    assert take_choice(answers, "use", "commercial") and answers.use == "commercial"


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (household(5, 150, "transmission", repairs=0), [19, 20, 22]),  # day 5: 7-day window, 60-day window
        (household(7, 150, "engine", repairs=0), [19, 20, 22]),  # day 7 is still in
        (household(8, 150, "engine", repairs=0), [19, 20]),  # day 8 is out
        (household(40, 2000, "brake", repairs=0), [19, 23]),
        (household(40, 3001, "brake", repairs=0), [19]),  # over 3,000 km
        (household(40, 2000, "engine", repairs=0), [19, 20]),
        (household(40, 2000, "battery_fire", repairs=0), [19, 23]),
        (household(548, 20000, "other", repairs=5, still_there=True), [19, 24]),  # repaired more than 4 times
        (household(548, 20000, "other", repairs=4, still_there=True), [19]),
        (household(300, 20000, "brake", repairs=2), [19, 24]),  # serious safety fault repaired twice, back again
        (household(300, 20000, "brake", repairs=1), [19]),
        (household(300, 20000, "transmission", repairs=2, replaced=True), [19, 24]),  # same main part twice
        (household(300, 20000, "transmission", repairs=2, replaced=False), [19]),
        (household(300, 20000, "long_repair", repairs=1, still_there=True, repair_days=6), [19, 21]),
        (household(300, 20000, "long_repair", repairs=1, still_there=True, repair_days=5), [19]),  # not over 5
        (household(300, 20000, "long_repair", repairs=3, still_there=False, repair_days=31), [19, 21, 24]),
        (household(300, 20000, "long_repair", repairs=4, still_there=True, repair_days=20, long_single=False), [19]),
        (household(300, 20000, "long_repair", repairs=4, still_there=True, repair_days=31), [19, 21, 24]),
        (
            household(300, 20000, "long_repair", repairs=5, still_there=True, repair_days=31, long_single=False),
            [19, 24],
        ),
        (
            household(300, 20000, "long_repair", repairs=5, still_there=True, repair_days=31, long_single=True),
            [19, 21, 24],
        ),
        (household(913, 30000, "other", repairs=5, still_there=True), [19]),  # over 2 years: 包修期 only
        (household(1096, 30000, "none"), [19]),  # 2023-11-28 + 3 years: today is the last day
        (household(1097, 30000, "none"), []),  # over 3 years
        (household(300, 60001, "none"), []),  # over 60,000 km
        (WarrantyAnswers(use="commercial"), []),
    ],
)
def test_what_the_regulation_gives(answers: WarrantyAnswers, expected: list[int]) -> None:
    assert answered(answers, RULES)
    assert articles(answers) == expected


def test_commercial_use_names_the_article_and_is_not_assessed() -> None:
    found = outcome(WarrantyAnswers(use="commercial"), TODAY, RULES)
    assert (found.result, found.excluded_article, found.offer_advisor) == (None, 40, True)  # maker's warranty


def test_advisor_is_offered_beyond_free_repair_and_the_charge_is_computed() -> None:
    assert not outcome(household(400, 9000, "none"), TODAY, RULES).offer_advisor
    charged = household(548, 20000, "other", repairs=5, still_there=True)
    assert outcome(charged, TODAY, RULES).offer_advisor
    assert outcome(charged, TODAY, RULES).charged_refund.usage_charge is None  # type: ignore[union-attr]
    charged.price, charged.coefficient = Decimal(200000), Decimal("0.005")
    assert outcome(charged, TODAY, RULES).charged_refund.usage_charge == Decimal("20000.00")  # type: ignore[union-attr]
    example = outcome(charged, TODAY, RULES).usage_example  # the FACTS.md example
    assert (example["price"], example["km"], example["n"], example["charge"]) == (
        200000,
        10000,
        Decimal("0.005"),
        10000,
    )


def test_history_is_built_inside_the_periods_and_ends_today() -> None:
    case = build_case(household(3, 100, "other", repairs=5, still_there=True), TODAY, RULES)
    assert len(case.history) == 5
    assert all(case.start_date <= record.start <= TODAY for record in case.history)
    assert [record.resolved for record in case.history] == [True, True, True, True, False]
    long = build_case(household(99, 100, "long_repair", repairs=3, repair_days=12, long_single=True), TODAY, RULES)
    assert [(r.end - r.start).days for r in long.history if r.end] == [10, 1, 1]  # type: ignore[operator]


def test_five_or_more_repairs_without_a_long_one_keep_every_repair_within_art_21s_limit() -> None:
    answers = household(300, 20000, "long_repair", repairs=5, still_there=True, repair_days=31, long_single=False)
    history = build_case(answers, TODAY, RULES).history
    days = [repair_days(record, TODAY, RULES.repair_day_hours) for record in history]
    assert sum(days) == 31 and max(days) <= 5 and len(history) == 7  # at least 7 repairs share 31 days


def test_unanswered_long_single_grants_no_substitute_car() -> None:
    open_case = household(300, 20000, "long_repair", repairs=5, still_there=True, repair_days=31)
    assert 21 not in articles(open_case)


@pytest.mark.parametrize(
    ("start", "noted"), [(date(2021, 12, 31), True), (date(2020, 5, 1), True), (date(2022, 1, 1), False)]
)
def test_a_car_started_before_the_regulation_is_noted_and_judged_the_same(start: date, noted: bool) -> None:
    answers = WarrantyAnswers("household", start, "day", 20000, "none")
    found = outcome(answers, TODAY, RULES)
    assert found.before_in_force is noted
    assert found.result == assess(build_case(answers, TODAY, RULES), RULES)  # the engine's result is unchanged
    assert not outcome(WarrantyAnswers(use="commercial"), TODAY, RULES).before_in_force


@pytest.mark.parametrize(
    ("step", "text", "problem"),
    [
        ("start_date", "next Tuesday-ish", "date_unclear"),
        ("start_date", "2027-01-01", "date_future"),
        ("start_date", "去年", "date_need_month"),
        ("odometer", "a lot", "km_unclear"),
        ("repair_days", "many", "days_unclear"),
        ("repair_days", "400", "days_too_many"),  # the car is on day 99
        ("price", "cheap", "price_unclear"),
        ("coefficient", "?", "coefficient_unclear"),
        ("coefficient", "0.8%", "coefficient_too_high"),
    ],
)
def test_typed_answers_that_are_refused_say_why_and_change_nothing(step: str, text: str, problem: str) -> None:
    answers = household(99, 100, "long_repair", repairs=2)
    before = answers.to_json()
    assert take_typed(answers, step, text, TODAY, RULES) == problem  # type: ignore[arg-type]
    assert answers.to_json() == before


def test_answers_survive_json() -> None:
    answers = household(548, 20000, "other", repairs=5, still_there=True, price=Decimal("158000"))
    answers.coefficient, answers.start_precision = Decimal("0.004"), "month"
    stored = json.loads(json.dumps(answers.to_json()))
    assert WarrantyAnswers.from_json(stored) == answers
    assert WarrantyAnswers.from_json({"use": "household", "retired_field": 1}) == WarrantyAnswers(use="household")
    assert WarrantyAnswers.from_json(None) == WarrantyAnswers()
