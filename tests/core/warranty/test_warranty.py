"""Table tests for the 三包 engine (bot.core.warranty.engine): every article and every boundary, plus properties.

Day numbers count from the start date as day 0 (Civil Code Art. 201); see the docstring of
bot.core.warranty.engine for the reading of each boundary. START is 2024-03-01, so day 730 is 2026-03-01 (last day of
the 三包有效期) and day 1095 is 2027-03-01 (last day of the 包修期).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.common.config_files import ConfigError
from bot.core.warranty.case import repair_days
from bot.core.warranty.engine import (
    PartReplacementEvent,
    RepairRecord,
    SafetyFailureEvent,
    WarrantyCase,
    WarrantyResult,
    assess,
    compute_usage_charge,
)
from bot.core.warranty.rules import (
    ART32_EXCLUSIONS,
    DEFAULT_RULES_PATH,
    POWERTRAIN_PARTS,
    SAFETY_FAILURES,
    WarrantyRules,
    default_rules,
)

START = date(2024, 3, 1)
CODE_OF_ARTICLE = {
    19: "free_repair",
    20: "free_assembly_replacement",
    21: "substitute_vehicle",
    22: "refund_or_replace_free",
    23: "refund_or_replace_free",
    24: "refund_or_replace_with_usage_charge",
}


def day(n: int) -> date:
    """The date that is day `n` of the periods (the start date is day 0)."""
    return START + timedelta(days=n)


def at(n: int, km: int = 500, **fields: object) -> WarrantyCase:
    """A household case on day `n` with `km` on the odometer."""
    return WarrantyCase(start_date=START, as_of=day(n), odometer_km=km, **fields)  # type: ignore[arg-type]


def repair(
    start: int | str,
    end: int | str | None,
    problem: str = "gearbox noise",
    system: str = "transmission",
    **fields: object,
) -> RepairRecord:
    """A repair record; int = day number (a bare date), str = ISO date-time."""

    def moment(value: int | str) -> date:
        return day(value) if isinstance(value, int) else datetime.fromisoformat(value)

    return RepairRecord(
        start=moment(start),
        end=None if end is None else moment(end),
        problem=problem,
        system=system,
        **fields,  # type: ignore[arg-type]
    )


def part(name: str) -> PartReplacementEvent:
    return PartReplacementEvent(name)  # type: ignore[arg-type]


def failure(name: str) -> SafetyFailureEvent:
    return SafetyFailureEvent(name)  # type: ignore[arg-type]


def five_repairs(problem_variants: list[str]) -> tuple[RepairRecord, ...]:
    return tuple(repair(10 * i + 10, 10 * i + 11, problem) for i, problem in enumerate(problem_variants))


SAME_PROBLEM = ["Gearbox noise", "gearbox  noise", " GEARBOX NOISE", "gearbox noise\t", "Gearbox Noise"]
SIX_FIVE_DAY_REPAIRS = tuple(repair(10 * i + 10, 10 * i + 15, f"problem {i}") for i in range(6))  # 30 days
ASSEMBLY_TWICE = (
    repair(20, 21, "no drive", "transmission", replaced="assembly"),
    repair(40, 41, "no drive", "transmission", replaced="assembly", resolved=False),
)
RACK_TWICE = (
    repair(20, 21, "steering knock", "steering", replaced="main_part", part="Steering rack"),
    repair(40, 41, "steering knock", "steering", replaced="main_part", part="steering rack", resolved=False),
)
SERIOUS_TWICE = (
    repair(20, 21, "airbag fault", "body", serious_safety=True),
    repair(40, 41, "airbag fault", "body", serious_safety=True, resolved=False),
)

CASES = [
    # Art. 22: 7 days from the start date, no distance limit; day 7 in, day 8 out.
    pytest.param(at(0, event=part("transmission")), (19, 20, 22), id="art22-start-date-day0"),
    pytest.param(at(5, event=part("transmission")), (19, 20, 22), id="art22-day5"),
    pytest.param(at(7, event=part("engine")), (19, 20, 22), id="art22-day7-in"),
    pytest.param(at(8, event=part("engine")), (19, 20), id="art22-day8-out"),
    pytest.param(at(3, 5000, event=part("power_battery")), (19, 22), id="art22-no-km-limit-art20-out-by-km"),
    pytest.param(at(7, 3001, event=part("drive_motor")), (19, 22), id="art22-day7-3001km"),
    # Art. 20: 60 days or 3,000 km, whichever first; day 60 in, day 61 out; 3,000 in, 3,001 out.
    pytest.param(at(60, 2000, event=part("engine")), (19, 20), id="art20-day60-in"),
    pytest.param(at(61, 2000, event=part("engine")), (19,), id="art20-day61-out"),
    pytest.param(at(30, 2999, event=part("transmission")), (19, 20), id="art20-2999km"),
    pytest.param(at(30, 3000, event=part("transmission")), (19, 20), id="art20-3000km-in"),
    pytest.param(at(30, 3001, event=part("transmission")), (19,), id="art20-3001km-out"),
    # Art. 23: the five failures within 60 days / 3,000 km.
    pytest.param(at(60, 100, event=failure("brake")), (19, 23), id="art23-brake-day60-in"),
    pytest.param(at(61, 100, event=failure("steering")), (19,), id="art23-steering-day61-out"),
    pytest.param(at(10, 3000, event=failure("fuel_leak")), (19, 23), id="art23-fuel-leak-3000km-in"),
    pytest.param(at(10, 3001, event=failure("body_crack")), (19,), id="art23-body-crack-3001km-out"),
    pytest.param(at(2, 50, event=failure("battery_fire")), (19, 23), id="art23-battery-fire-day2"),
    # Art. 21: one repair over 5 days (Art. 40: every full 24 h a day, a remainder a day).
    pytest.param(
        at(60, history=(repair("2024-04-01T09:00", "2024-04-06T09:00"),)),
        (19,),
        id="art21-5-days-exactly-no-substitute",
    ),
    pytest.param(
        at(60, history=(repair("2024-04-01T09:00", "2024-04-06T10:00"),)), (19, 21), id="art21-5-days-1-hour-substitute"
    ),
    pytest.param(at(60, history=(repair(30, 35),)), (19,), id="art21-dates-5-days"),
    pytest.param(at(60, history=(repair(30, 36),)), (19, 21), id="art21-dates-6-days"),
    pytest.param(at(35, history=(repair(30, None),)), (19,), id="art21-open-repair-5-days-so-far"),
    pytest.param(at(36, history=(repair(30, None),)), (19, 21), id="art21-open-repair-6-days-so-far"),
    pytest.param(at(1096, history=(repair(1000, 1010),)), (), id="art21-repair-warranty-ended-by-time"),
    pytest.param(at(900, 60001, history=(repair(800, 810),)), (), id="art21-repair-warranty-ended-by-km"),
    # Art. 24 (4): total repair time over 30 days (31 needed); the same problem over 4 times (5 needed).
    pytest.param(at(200, history=SIX_FIVE_DAY_REPAIRS), (19,), id="art24-total-30-days-not-over"),
    pytest.param(
        at(200, history=(*SIX_FIVE_DAY_REPAIRS, repair(100, 101, "rattle"))), (19, 24), id="art24-total-31-days"
    ),
    pytest.param(
        at(200, history=(repair("2024-04-01T08:00", "2024-05-01T09:00"),)),
        (19, 21, 24),
        id="art24-one-repair-30-days-1-hour-is-31",
    ),
    pytest.param(at(200, history=five_repairs(SAME_PROBLEM[:4])), (19,), id="art24-same-problem-4-repairs"),
    pytest.param(at(200, history=five_repairs(SAME_PROBLEM)), (19, 24), id="art24-same-problem-5-repairs"),
    pytest.param(at(200, history=five_repairs([f"p{i}" for i in range(5)])), (19,), id="art24-5-different-problems"),
    # Art. 24 (2): the assembly replaced twice and still not working.
    pytest.param(at(100, history=ASSEMBLY_TWICE[:1]), (19,), id="art24-assembly-replaced-once"),
    pytest.param(at(100, history=ASSEMBLY_TWICE), (19, 24), id="art24-assembly-second-replacement-failing"),
    pytest.param(
        at(100, history=(ASSEMBLY_TWICE[0], repair(40, 41, "no drive", "transmission", replaced="assembly"))),
        (19,),
        id="art24-assembly-second-replacement-works",
    ),
    # Art. 24 (3): the same main part replaced twice and still not working; counted apart from assemblies.
    pytest.param(at(100, history=RACK_TWICE), (19, 24), id="art24-main-part-second-replacement-failing"),
    pytest.param(
        at(
            100,
            history=(
                RACK_TWICE[0],
                repair(40, 41, "steering knock", "steering", replaced="main_part", part="pump", resolved=False),
            ),
        ),
        (19,),
        id="art24-two-different-main-parts",
    ),
    pytest.param(
        at(
            100,
            history=(
                repair(20, 21, "misfire", "engine", replaced="main_part", part="injector"),
                repair(40, 41, "misfire", "engine", replaced="assembly", resolved=False),
            ),
        ),
        (19,),
        id="art24-main-part-and-assembly-not-added-together",
    ),
    pytest.param(
        at(
            100,
            history=(
                repair(20, 21, "radio", "other", replaced="main_part", part="head unit"),
                repair(40, 41, "radio", "other", replaced="main_part", part="head unit", resolved=False),
            ),
        ),
        (19,),
        id="art24-other-system-not-a-main-part",
    ),
    # Art. 24 (1): a serious safety fault repaired twice and still there, or a new one after that.
    pytest.param(at(100, history=SERIOUS_TWICE), (19, 24), id="art24-serious-fault-twice-still-present"),
    pytest.param(
        at(100, history=(SERIOUS_TWICE[0], repair(40, 41, "airbag fault", "body", serious_safety=True))),
        (19,),
        id="art24-serious-fault-twice-fixed",
    ),
    pytest.param(at(100, history=SERIOUS_TWICE[1:]), (19,), id="art24-serious-fault-once-still-present"),
    pytest.param(
        at(
            100,
            history=(
                SERIOUS_TWICE[0],
                repair(40, 41, "airbag fault", "body", serious_safety=True),
                repair(60, 61, "brake pedal sinks", "brake", serious_safety=True),
            ),
        ),
        (19, 24),
        id="art24-new-serious-fault-after-two-repairs",
    ),
    pytest.param(
        at(
            100,
            event=failure("brake"),
            history=(SERIOUS_TWICE[0], repair(40, 41, "airbag fault", "body", serious_safety=True)),
        ),
        (19, 24),
        id="art24-new-serious-fault-is-todays-event-art23-window-over",
    ),
    # Art. 24 only within 三包有效期 (2 years / 50,000 km).
    pytest.param(at(730, 49000, history=five_repairs(SAME_PROBLEM)), (19, 24), id="art24-last-day-of-period"),
    pytest.param(at(731, 49000, history=five_repairs(SAME_PROBLEM)), (19,), id="art24-period-ended-by-time"),
    pytest.param(at(400, 50000, history=five_repairs(SAME_PROBLEM)), (19, 24), id="art24-50000km-in"),
    pytest.param(at(400, 50001, history=five_repairs(SAME_PROBLEM)), (19,), id="art24-50001km-out"),
    # Art. 19: free repair while the 包修期 runs (3 years / 60,000 km).
    pytest.param(at(1095, 59000), (19,), id="art19-last-day-of-repair-warranty"),
    pytest.param(at(1096, 59000), (), id="art19-repair-warranty-ended-by-time"),
    pytest.param(at(500, 60000), (19,), id="art19-60000km-in"),
    pytest.param(at(500, 60001), (), id="art19-60001km-out"),
    # Exclusions: no remedies at all.
    pytest.param(at(3, use="commercial", event=part("transmission")), (), id="excluded-commercial-use"),
    pytest.param(
        at(3, exclusions=("owner_mishandling",), event=failure("brake")), (), id="excluded-art32-owner-mishandling"
    ),
    pytest.param(at(100, exclusions=("force_majeure",), history=ASSEMBLY_TWICE), (), id="excluded-art32-force-majeure"),
]


@pytest.mark.parametrize(("case", "articles"), CASES)
def test_remedies(case: WarrantyCase, articles: tuple[int, ...]) -> None:
    result = assess(case)
    assert [remedy.article for remedy in result.remedies] == list(articles)
    assert [remedy.code for remedy in result.remedies] == [CODE_OF_ARTICLE[a] for a in articles]
    assert all(remedy.reason for remedy in result.remedies)


PERIODS = [
    # (start, as_of, km, period, active, ends_on, km_left)
    pytest.param(START, START, 500, "repair_warranty", True, date(2027, 3, 1), 59500, id="repair-warranty-3y"),
    pytest.param(START, START, 500, "three_guarantees", True, date(2026, 3, 1), 49500, id="three-guarantees-2y"),
    pytest.param(START, START, 500, "seven_day", True, date(2024, 3, 8), None, id="seven-day-no-km"),
    pytest.param(START, START, 500, "sixty_day", True, date(2024, 4, 30), 2500, id="sixty-day"),
    pytest.param(
        date(2024, 2, 29),
        date(2026, 2, 28),
        100,
        "three_guarantees",
        True,
        date(2026, 2, 28),
        49900,
        id="leap-start-2y-last-day-feb-28",
    ),
    pytest.param(
        date(2024, 2, 29),
        date(2026, 3, 1),
        100,
        "three_guarantees",
        False,
        date(2026, 2, 28),
        49900,
        id="leap-start-2y-mar-1-out",
    ),
    pytest.param(
        date(2024, 2, 29),
        date(2027, 2, 28),
        100,
        "repair_warranty",
        True,
        date(2027, 2, 28),
        59900,
        id="leap-start-3y-feb-28",
    ),
    pytest.param(
        date(2024, 2, 29), date(2024, 3, 7), 100, "seven_day", True, date(2024, 3, 7), None, id="leap-start-7-days"
    ),
    pytest.param(
        date(2024, 2, 25),
        date(2024, 3, 3),
        100,
        "seven_day",
        True,
        date(2024, 3, 3),
        None,
        id="seven-days-across-feb-29",
    ),
    pytest.param(START, day(100), 50001, "three_guarantees", False, date(2026, 3, 1), 0, id="ended-by-distance"),
    pytest.param(START, day(100), 50000, "three_guarantees", True, date(2026, 3, 1), 0, id="50000km-still-in"),
    pytest.param(START, day(731), 10000, "three_guarantees", False, date(2026, 3, 1), 40000, id="ended-by-time"),
    pytest.param(START, day(61), 3001, "sixty_day", False, date(2024, 4, 30), 0, id="ended-by-time-and-distance"),
]


@pytest.mark.parametrize(("start", "as_of", "km", "code", "active", "ends_on", "km_left"), PERIODS)
def test_periods(
    start: date, as_of: date, km: int, code: str, active: bool, ends_on: date, km_left: int | None
) -> None:
    period = assess(WarrantyCase(start, as_of, km)).periods[code]  # type: ignore[index]
    assert (period.active, period.ends_on, period.km_left) == (active, ends_on, km_left)


def test_ended_by_names_the_limit_passed() -> None:
    periods = assess(at(61, 3001)).periods
    assert periods["sixty_day"].ended_by == ("time", "distance")
    assert periods["seven_day"].ended_by == ("time",)
    assert assess(at(10, 3001)).periods["sixty_day"].ended_by == ("distance",)
    assert periods["repair_warranty"].ended_by == ()


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        pytest.param("2024-04-01T09:00", "2024-04-01T09:30", 1, id="half-hour-is-1-day"),
        pytest.param("2024-04-01T09:00", "2024-04-02T09:00", 1, id="24h-is-1-day"),
        pytest.param("2024-04-01T09:00", "2024-04-02T09:01", 2, id="24h-1min-is-2-days"),
        pytest.param("2024-04-01T09:00", "2024-04-06T09:00", 5, id="120h-is-5-days"),
        pytest.param("2024-04-01T09:00", "2024-04-06T10:00", 6, id="121h-is-6-days"),
        pytest.param(31, 31, 1, id="same-date-is-1-day"),
        pytest.param(31, 36, 5, id="dates-5-apart"),
        pytest.param(31, None, 9, id="open-repair-to-as-of"),
    ],
)
def test_repair_days_art40(start: int | str, end: int | str | None, days: int) -> None:
    assert repair_days(repair(start, end), day(40), 24) == days


@pytest.mark.parametrize(
    ("price", "km", "n", "charge"),
    [
        pytest.param("200000", 10000, "0.005", Decimal("10000.00"), id="facts-example-200000-10000km-0.5pct"),
        pytest.param("123456.78", 12345, "0.004", Decimal("6096.30"), id="rounded-to-cents"),
        pytest.param("1", 1000, "0.005", Decimal("0.01"), id="half-up-not-bankers"),
        pytest.param("150000", 0, "0.005", Decimal("0.00"), id="zero-km"),
    ],
)
def test_usage_charge_art27(price: str, km: int, n: str, charge: Decimal) -> None:
    assert compute_usage_charge(Decimal(price), km, Decimal(n), default_rules().usage_charge) == charge


def test_usage_charge_on_the_art24_remedy() -> None:
    case = at(200, 10000, history=five_repairs(SAME_PROBLEM), price=Decimal(200000), usage_coefficient=Decimal("0.005"))
    remedy = assess(case).remedy("refund_or_replace_with_usage_charge")
    assert remedy is not None and remedy.usage_charge == Decimal("10000.00")
    assert remedy.facts["usage_charge"] == Decimal("10000.00")
    assert remedy.facts["grounds"] == [
        {"code": "same_problem_repairs", "problem": "Gearbox noise", "repairs": 5, "limit_repairs": 4}
    ]


def test_usage_charge_needs_price_and_coefficient() -> None:
    remedy = assess(at(200, 10000, history=five_repairs(SAME_PROBLEM), price=Decimal(200000))).remedies[-1]
    assert remedy.code == "refund_or_replace_with_usage_charge" and remedy.usage_charge is None


def test_usage_coefficient_above_maximum_is_refused() -> None:
    with pytest.raises(ValueError, match="usage coefficient"):
        compute_usage_charge(Decimal(1), 1, Decimal("0.006"), default_rules().usage_charge)


def test_free_remedies_carry_no_usage_charge() -> None:
    result = assess(at(5, price=Decimal(200000), usage_coefficient=Decimal("0.005"), event=part("transmission")))
    assert all(remedy.usage_charge is None for remedy in result.remedies)


def test_reason_and_facts_say_the_facts_used() -> None:
    result = assess(at(5, event=part("transmission")))
    art22 = result.remedies[-1]
    assert art22.reason == "transmission main part must be replaced on day 5 of 7"
    assert art22.facts.items() >= {"part": "transmission", "day": 5, "window_days": 7, "period": "seven_day"}.items()
    art20 = result.remedy("free_assembly_replacement")
    assert art20 is not None and art20.reason.endswith("on day 5 of 60, at 500 km of 3,000")
    substitute = assess(at(60, history=(repair(30, 36),))).remedy("substitute_vehicle")
    assert substitute is not None and substitute.facts["from_day"] == 6
    assert substitute.facts["repairs"] == [{"index": 0, "problem": "gearbox noise", "days": 6, "ongoing": False}]


def test_excluded_case_still_reports_periods() -> None:
    result = assess(at(3, use="commercial", exclusions=("force_majeure", "force_majeure")))
    assert result.excluded == ("commercial_use", "force_majeure")
    assert result.remedies == () and result.periods["seven_day"].active


def test_case_rejects_as_of_before_start() -> None:
    with pytest.raises(ValueError, match="before start_date"):
        WarrantyCase(START, START - timedelta(days=1), 0)


# --- the rules file -------------------------------------------------------------------------------------


def test_shipped_rules_are_the_2021_figures_not_the_repealed_2013_ones() -> None:
    rules = default_rules()
    assert (rules.periods.repair_warranty.years, rules.periods.repair_warranty.km) == (3, 60000)
    assert (rules.periods.three_guarantees.years, rules.periods.three_guarantees.km) == (2, 50000)
    assert (rules.periods.seven_day.days, rules.periods.sixty_day.days, rules.periods.sixty_day.km) == (7, 60, 3000)
    charged = rules.remedies.refund_or_replace_with_usage_charge
    assert (charged.total_repair_days_over, charged.same_problem_repairs_over) == (30, 4)
    assert rules.usage_charge.max_coefficient == 0.005
    assert rules.remedies.substitute_vehicle.single_repair_days_over == 5


def _write_rules(tmp_path: Path, change: dict[str, object]) -> Path:
    data = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    section = data
    *parents, leaf = next(iter(change)).split(".")
    for key in parents:
        section = section[key]
    section[leaf] = next(iter(change.values()))
    path = tmp_path / "warranty.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"periods.sixty_day.km": -1}, "periods.sixty_day.km", id="negative-km"),
        pytest.param({"periods.seven_day.years": 1}, "periods.seven_day", id="years-and-days"),
        pytest.param({"remedies.free_repair.within": "forever"}, "remedies.free_repair.within", id="bad-period"),
        pytest.param({"usage_charge.max_coefficient": "half"}, "usage_charge.max_coefficient", id="not-a-number"),
        pytest.param({"exclusions.acts_of_god": 32}, "exclusions", id="unknown-exclusion"),
        pytest.param({"periods.sixty_day.kms": 3000}, "periods.sixty_day.kms", id="misspelt-key"),
    ],
)
def test_bad_rules_file_names_file_and_field(tmp_path: Path, change: dict[str, object], field: str) -> None:
    path = _write_rules(tmp_path, change)
    with pytest.raises(ConfigError) as error:
        WarrantyRules.load(path)
    assert str(path) in str(error.value) and field in str(error.value)


def test_unparseable_value_in_rules_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "warranty.yaml"
    path.write_text(DEFAULT_RULES_PATH.read_text(encoding="utf-8").replace("2022-01-01", "2022-13-01"), "utf-8")
    with pytest.raises(ConfigError, match=r"warranty\.yaml"):
        WarrantyRules.load(path)


def test_missing_rules_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        WarrantyRules.load(tmp_path / "nope.yaml")


def test_an_amendment_is_a_data_change(tmp_path: Path) -> None:
    rules = WarrantyRules.load(_write_rules(tmp_path, {"periods.seven_day.days": 15}))
    assert [r.article for r in assess(at(15, 5000, event=part("engine")), rules).remedies] == [19, 22]
    assert [r.article for r in assess(at(15, 5000, event=part("engine"))).remedies] == [19]


# --- properties -----------------------------------------------------------------------------------------

EVENTS = st.one_of(
    st.none(),
    st.sampled_from(POWERTRAIN_PARTS).map(PartReplacementEvent),
    st.sampled_from(SAFETY_FAILURES).map(SafetyFailureEvent),
)


@st.composite
def cases(draw: st.DrawFn) -> WarrantyCase:
    """Any valid case: history between the start date and as_of."""
    start = draw(st.dates(date(2022, 1, 1), date(2030, 12, 31)))
    age = draw(st.integers(0, 1200))
    records = []
    for _ in range(draw(st.integers(0, 6))):
        begin = draw(st.integers(0, age))
        end = draw(st.one_of(st.none(), st.integers(begin, age)))
        records.append(
            RepairRecord(
                start=start + timedelta(days=begin),
                end=None if end is None else start + timedelta(days=end),
                problem=draw(st.sampled_from(["noise", "Noise ", "leak", "airbag"])),
                system=draw(st.sampled_from(["engine", "transmission", "steering", "brake", "other"])),
                replaced=draw(st.sampled_from([None, "assembly", "main_part"])),
                part=draw(st.sampled_from([None, "rack", "pump"])),
                serious_safety=draw(st.booleans()),
                resolved=draw(st.booleans()),
            )
        )
    return WarrantyCase(
        start_date=start,
        as_of=start + timedelta(days=age),
        odometer_km=draw(st.integers(0, 70000)),
        use=draw(st.sampled_from(["household", "household", "commercial"])),
        event=draw(EVENTS),
        history=tuple(records),
        exclusions=tuple(draw(st.lists(st.sampled_from(ART32_EXCLUSIONS), max_size=1))),
    )


def _later(case: WarrantyCase, days: int, km: int) -> WarrantyCase:
    return WarrantyCase(
        case.start_date,
        case.as_of + timedelta(days=days),
        case.odometer_km + km,
        case.use,
        case.price,
        case.usage_coefficient,
        case.event,
        case.history,
        case.exclusions,
    )


def _window_remedies(result: WarrantyResult) -> set[tuple[str, int]]:
    return {(r.code, r.article) for r in result.remedies if r.article in (20, 22, 23)}


@settings(max_examples=300, deadline=None)
@given(cases(), st.integers(0, 400), st.integers(0, 5000))
def test_later_or_further_never_adds_a_window_remedy(case: WarrantyCase, days: int, km: int) -> None:
    assert _window_remedies(assess(_later(case, days, km))) <= _window_remedies(assess(case))


@settings(max_examples=200, deadline=None)
@given(cases(), st.integers(0, 400), st.integers(0, 5000))
def test_a_period_never_restarts(case: WarrantyCase, days: int, km: int) -> None:
    before, after = assess(case).periods, assess(_later(case, days, km)).periods
    assert all(before[code].active or not after[code].active for code in before)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_excluded_means_no_remedies_and_four_periods(case: WarrantyCase) -> None:
    result = assess(case)
    assert list(result.periods) == ["repair_warranty", "three_guarantees", "seven_day", "sixty_day"]
    assert bool(result.excluded) == (case.use == "commercial" or bool(case.exclusions))
    if result.excluded:
        assert result.remedies == ()
    assert len({r.code for r in result.remedies}) == len(result.remedies)
