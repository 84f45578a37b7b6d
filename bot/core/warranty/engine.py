"""The 三包 rule engine: which warranty periods run and which remedies a household car's owner has.

Regulation: 家用汽车产品修理更换退货责任规定 (SAMR Order No. 43, in force 2022-01-01), Arts. 18–24, 27,
29, 32, 40. Every figure and article number comes from knowledge/warranty.yaml (`WarrantyRules`); this
module holds only the reading of the text, stated here once:

Start date. Art. 18 para. 2: the periods run "自销售者开具购车发票之日起计算；…不一致的，自交付之日起计算" —
the caller passes that date as `start_date` (after a replacement car, the replacement date: Art. 29).

Counting days of a period. Art. 40 defines only 单次修理时间 and 累计修理时间, not how "7日内", "60日内" or
"2年" are counted, so the Civil Code's general rule applies (民法典 Art. 204 leaves room only for a law that
says otherwise): Art. 201 "按照年、月、日计算期间的，开始的当日不计入，自下一日开始计算";
Art. 202 "到期月的对应日为期间的最后一日；没有对应日的，月末日为期间的最后一日";
Art. 1259 "「以内」… 包括本数；「超过」… 不包括本数".
So the start date is day 0 and `as_of` is day (as_of − start_date). "7日内" covers days 0–7: day 7 is in,
day 8 is out; "60日内" covers days 0–60, day 61 is out. Two years from 2024-03-05 run through 2026-03-05;
from 2024-02-29 through 2026-02-28 (no 29th: month end). `ends_on` is that last day, inclusive.
Not applied: Art. 203's extension when the last day is a public holiday (the engine has no holiday calendar).

Counting distance. "行驶里程3000公里之内" includes 3,000 (Art. 1259): 3,000 km is in, 3,001 km is out. The
50,000 / 60,000 km limits are read the same way. `km_left` = limit − odometer, never below 0; the 7-day
window has no distance limit (km_left None). `ends_on` is the time limit even when distance ended the period
first: the engine knows today's odometer, not the date the limit was passed.

Counting repair days. Art. 40: "单次修理时间…以小时计算，每满24小时，为1日；余下时间不足24小时的，以1日计";
"累计修理时间，指单次修理时间累加之和". Each repair runs from `start` to `end` (a bare date = 00:00; an open
repair runs to 00:00 of `as_of`) and counts ceil(hours / 24) days, at least 1; the total is the sum of the
per-repair days. "超过5日" (Art. 21) excludes 5: exactly 5 × 24 h is 5 days (no substitute car), 5 days and
1 hour is 6 days (substitute car). "超过30日" needs 31; "超过4次" needs 5 repairs of the same problem.
Not deducted (no input for it): the shipping time of VIN-specific parts and of the power battery and rescue
travel (Art. 24 para. 3) — enter repair records net of them.

When things happen. The `event` happens at `as_of` with today's odometer: Arts. 20, 22 and 23 apply when
their window is running at `as_of`. History records carry no odometer, so they never trigger those three.
Arts. 21 and 24 read the whole history (every record lies between `start_date` and `as_of`) and apply when
their period runs at `as_of`. Art. 19 free repair is reported whenever the 包修期 runs.

Exclusions. Commercial use is outside "家用汽车产品…为生活消费需要而购买和使用" (Art. 40); Art. 32 lists five
grounds (`exclusions`). An excluded case gets no remedies; its periods are still reported.

Output. At most one remedy per code, ordered by article; each has an English `reason` and the same facts as
data (`facts`) so the chat layer can word it in any locale. How repair records are grouped is described in
`bot.core.warranty.history`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from bot.core.warranty.case import (
    PartReplacementEvent,
    RepairRecord,
    SafetyFailureEvent,
    WarrantyCase,
    WarrantyEvent,
    period_last_day,
)
from bot.core.warranty.history import charged_refund_grounds, long_repairs
from bot.core.warranty.rules import (
    PERIOD_CODES,
    AssemblyReplacementRule,
    PeriodCode,
    UsageChargeRule,
    WarrantyRules,
    default_rules,
)

__all__ = [
    "PartReplacementEvent",
    "PeriodStatus",
    "Remedy",
    "RemedyCode",
    "RepairRecord",
    "SafetyFailureEvent",
    "WarrantyCase",
    "WarrantyEvent",
    "WarrantyResult",
    "WarrantyRules",
    "assess",
    "compute_usage_charge",
    "default_rules",
]

RemedyCode = Literal[
    "free_repair",
    "free_assembly_replacement",
    "substitute_vehicle",
    "refund_or_replace_free",
    "refund_or_replace_with_usage_charge",
]


@dataclass(frozen=True)
class PeriodStatus:
    """One period at `as_of`. `ended_by` says which limits are passed: "time", "distance", both or none."""

    code: PeriodCode
    article: int | tuple[int, ...]  # the 60-day window is Arts. 20 and 23
    active: bool
    ends_on: date
    km_left: int | None
    km_limit: int | None
    ended_by: tuple[Literal["time", "distance"], ...] = ()


@dataclass(frozen=True)
class Remedy:
    """One remedy the owner has: stable code, article, English reason, the facts behind it as data."""

    code: RemedyCode
    article: int
    reason: str
    facts: dict[str, object] = field(default_factory=dict)
    usage_charge: Decimal | None = None


PeriodMap = dict[PeriodCode, PeriodStatus]


@dataclass(frozen=True)
class WarrantyResult:
    """The assessment: every period, the remedies (none when excluded) and the exclusion codes."""

    periods: dict[PeriodCode, PeriodStatus]
    remedies: tuple[Remedy, ...]
    excluded: tuple[str, ...]

    def remedy(self, code: RemedyCode) -> Remedy | None:
        """The remedy with this code, if the owner has it."""
        return next((remedy for remedy in self.remedies if remedy.code == code), None)


def _period_status(case: WarrantyCase, code: PeriodCode, rules: WarrantyRules) -> PeriodStatus:
    rule = rules.periods.get(code)
    ends_on = period_last_day(case.start_date, rule)
    ended_by: list[Literal["time", "distance"]] = []
    if case.as_of > ends_on:
        ended_by.append("time")
    if rule.km is not None and case.odometer_km > rule.km:
        ended_by.append("distance")
    km_left = None if rule.km is None else max(0, rule.km - case.odometer_km)
    return PeriodStatus(code, rule.article, not ended_by, ends_on, km_left, rule.km, tuple(ended_by))


def _label(name: str) -> str:
    return name.replace("_", " ")


def _window_facts(case: WarrantyCase, period: PeriodStatus, rules: WarrantyRules) -> dict[str, object]:
    rule = rules.periods.get(period.code)
    facts: dict[str, object] = {"period": period.code, "day": case.day, "ends_on": period.ends_on}
    if rule.days is not None:
        facts["window_days"] = rule.days
    if rule.years is not None:
        facts["period_years"] = rule.years
    facts |= {"odometer_km": case.odometer_km, "km_limit": period.km_limit, "km_left": period.km_left}
    return facts


def _where(case: WarrantyCase, period: PeriodStatus, rules: WarrantyRules) -> str:
    """'on day 5 of 7' or 'on day 12 of 60, at 1,500 km of 3,000'."""
    days = rules.periods.get(period.code).days
    text = f"on day {case.day} of {days}"
    if period.km_limit is not None:
        text += f", at {case.odometer_km:,} km of {period.km_limit:,}"
    return text


def compute_usage_charge(price: Decimal, km: int, coefficient: Decimal, rule: UsageChargeRule) -> Decimal:
    """Art. 27: price × km / 1000 × n, rounded half up to the rule's decimals; n over the max is refused."""
    if coefficient < 0 or coefficient > Decimal(str(rule.max_coefficient)):
        limit = rule.max_coefficient
        raise ValueError(f"usage coefficient {coefficient} outside 0..{limit} (Art. {rule.article})")
    raw = price * km / rule.km_per_unit * coefficient
    return raw.quantize(Decimal(1).scaleb(-rule.decimals), rounding=ROUND_HALF_UP)


def _event_remedies(case: WarrantyCase, rules: WarrantyRules, periods: PeriodMap) -> list[Remedy]:
    """Arts. 20, 22, 23: the event at `as_of`, inside a running window."""
    found: list[Remedy] = []
    event, remedies = case.event, rules.remedies
    if isinstance(event, PartReplacementEvent):
        routes: tuple[tuple[RemedyCode, AssemblyReplacementRule], ...] = (
            ("free_assembly_replacement", remedies.free_assembly_replacement),
            ("refund_or_replace_free", remedies.refund_or_replace_free.part_replacement),
        )
        for code, rule in routes:
            period = periods[rule.within]
            if period.active and event.part in rule.parts:
                reason = f"{_label(event.part)} main part must be replaced {_where(case, period, rules)}"
                facts = {"part": event.part, **_window_facts(case, period, rules)}
                found.append(Remedy(code, rule.article, reason, facts))
    elif isinstance(event, SafetyFailureEvent):
        rule23 = remedies.refund_or_replace_free.safety_failure
        period = periods[rule23.within]
        if period.active and event.failure in rule23.failures:
            reason = f"{_label(event.failure)} failure {_where(case, period, rules)}"
            facts = {"failure": event.failure, **_window_facts(case, period, rules)}
            found.append(Remedy("refund_or_replace_free", rule23.article, reason, facts))
    return found


def _history_remedies(case: WarrantyCase, rules: WarrantyRules, periods: PeriodMap) -> list[Remedy]:
    """Arts. 21 and 24 (with the Art. 27 charge): what the repair history proves, inside a running period."""
    found: list[Remedy] = []
    substitute = rules.remedies.substitute_vehicle
    long = long_repairs(case, rules) if periods[substitute.within].active else []
    if long:
        limit = substitute.single_repair_days_over
        said = "; ".join(
            f'repair of "{item["problem"]}" {"has taken" if item["ongoing"] else "took"} {item["days"]} days'
            for item in long
        )
        facts = {"repairs": long, "limit_days": limit, "from_day": limit + 1}
        found.append(Remedy("substitute_vehicle", substitute.article, f"{said}, over {limit}", facts))
    charged = rules.remedies.refund_or_replace_with_usage_charge
    grounds = charged_refund_grounds(case, rules) if periods[charged.within].active else []
    if grounds:
        reason = "; ".join(ground.reason for ground in grounds)
        charge = None
        price, coefficient = case.price, case.usage_coefficient
        if price is not None and coefficient is not None:
            charge = compute_usage_charge(price, case.odometer_km, coefficient, rules.usage_charge)
            reason += (
                f"; usage charge ¥{price:,} × {case.odometer_km:,} km / {rules.usage_charge.km_per_unit:,}"
                f" × {coefficient} = ¥{charge:,}"
            )
        facts = {
            "grounds": [{"code": ground.code, **ground.facts} for ground in grounds],
            "price": case.price,
            "odometer_km": case.odometer_km,
            "usage_coefficient": case.usage_coefficient,
            "usage_charge": charge,
            "charge_article": rules.usage_charge.article,
        }
        found.append(Remedy("refund_or_replace_with_usage_charge", charged.article, reason, facts, charge))
    return found


def _free_repair(case: WarrantyCase, rules: WarrantyRules, periods: PeriodMap) -> list[Remedy]:
    """Art. 19: free repair while the 包修期 runs."""
    rule = rules.remedies.free_repair
    period = periods[rule.within]
    if not period.active:
        return []
    reason = (
        f"repair warranty runs to {period.ends_on.isoformat()} or {period.km_limit:,} km"
        f" (day {case.day}, {case.odometer_km:,} km)"
    )
    return [Remedy("free_repair", rule.article, reason, _window_facts(case, period, rules))]


def excluded_by(case: WarrantyCase) -> tuple[str, ...]:
    """Exclusion codes in a stable order: commercial use first, then the Art. 32 grounds as given."""
    codes = ["commercial_use"] if case.use == "commercial" else []
    codes += [code for code in dict.fromkeys(case.exclusions) if code not in codes]
    return tuple(codes)


def assess(case: WarrantyCase, rules: WarrantyRules | None = None) -> WarrantyResult:
    """Which periods run at `case.as_of` and which remedies apply (none when the case is excluded)."""
    rules = rules or default_rules()
    periods = {code: _period_status(case, code, rules) for code in PERIOD_CODES}
    excluded = excluded_by(case)
    remedies: list[Remedy] = []
    if not excluded:
        remedies = [
            *_free_repair(case, rules, periods),
            *_event_remedies(case, rules, periods),
            *_history_remedies(case, rules, periods),
        ]
        remedies.sort(key=lambda remedy: remedy.article)
    return WarrantyResult(periods, tuple(remedies), excluded)
