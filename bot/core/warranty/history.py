"""What the repair history proves: long single repairs (Art. 21) and the four grounds of Art. 24 para. 1.

How records are grouped (see also `bot.core.warranty.engine`):
- "the same problem" (Art. 24 (1), (4)) = the same `problem` text after NFKC, case folding and collapsing
  whitespace; "the same main part" (Art. 24 (3)) = the same system and the same `part` name (the problem
  text when no part is named); an assembly (Art. 24 (2)) is identified by its system.
- Assembly replacements and main-part replacements are counted apart (Art. 24 para. 2).
- "replaced/repaired N times and still not working" = at least N records, and the fault was still there
  after the N-th: a record from the N-th on has `resolved` false, or there is an (N+1)-th record, which
  shows the N-th did not cure it. A later successful repair does not undo a ground once it was met.
- Records are ordered by start time, then by their position in the input.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from bot.core.warranty.case import RepairRecord, SafetyFailureEvent, WarrantyCase, repair_days
from bot.core.warranty.rules import ChargedRefundRule, WarrantyRules

KeyT = TypeVar("KeyT", bound=Hashable)


@dataclass(frozen=True)
class Finding:
    """One fact pattern in the history that meets a rule: a stable code, an English sentence, the facts."""

    code: str
    reason: str
    facts: dict[str, object] = field(default_factory=dict)


def _ordered(records: Iterable[tuple[int, RepairRecord]]) -> list[tuple[int, RepairRecord]]:
    """(input index, record) pairs by start time, then input position."""
    return sorted(records, key=lambda item: (item[1].started_at, item[0]))


def _group(
    records: Iterable[tuple[int, RepairRecord]], key_of: Callable[[RepairRecord], KeyT]
) -> dict[KeyT, list[RepairRecord]]:
    """Records grouped by `key_of`, each group in order; groups in order of their first record."""
    groups: dict[KeyT, list[RepairRecord]] = {}
    for _, record in _ordered(records):
        groups.setdefault(key_of(record), []).append(record)
    return groups


def _still_failing_after(group: Sequence[RepairRecord], times: int) -> bool:
    """At least `times` records and the fault still there after the `times`-th."""
    if len(group) < times:
        return False
    return len(group) > times or any(not record.resolved for record in group[times - 1 :])


def long_repairs(case: WarrantyCase, rules: WarrantyRules) -> list[dict[str, object]]:
    """Art. 21: every single repair longer than the limit, with its Art. 40 day count."""
    limit = rules.remedies.substitute_vehicle.single_repair_days_over
    found: list[dict[str, object]] = []
    for index, record in enumerate(case.history):
        days = repair_days(record, case.as_of, rules.repair_day_hours)
        if days > limit:
            ongoing = record.end is None
            found.append({"index": index, "problem": record.problem, "days": days, "ongoing": ongoing})
    return found


def _serious_safety(case: WarrantyCase, rule: ChargedRefundRule) -> Finding | None:
    """Art. 24 (1): a serious safety fault repaired N times and still there, or a new one after that."""
    times = rule.serious_safety_repairs
    serious = _ordered((i, r) for i, r in enumerate(case.history) if r.serious_safety)
    groups = _group(serious, lambda record: record.problem_key)
    for group in groups.values():
        if _still_failing_after(group, times):
            problem = group[0].problem
            return Finding(
                "serious_safety_fault_persists",
                f'serious safety fault "{problem}" repaired {len(group)} times and still present',
                {"problem": problem, "repairs": len(group), "times": times},
            )
    for key, group in groups.items():
        if len(group) < times:
            continue
        nth = group[times - 1]
        later = [r for _, r in serious if r.started_at >= nth.started_at and r.problem_key != key]
        new_fault = later[0].problem if later else None
        if new_fault is None and isinstance(case.event, SafetyFailureEvent):
            new_fault = case.event.failure
        if new_fault is not None:
            problem = group[0].problem
            return Finding(
                "new_serious_safety_fault",
                f'new serious safety fault "{new_fault}" after "{problem}" was repaired {times} times',
                {"problem": problem, "repairs": len(group), "times": times, "new_fault": new_fault},
            )
    return None


def _replacements(case: WarrantyCase, rule: ChargedRefundRule) -> list[Finding]:
    """Art. 24 (2) the same assembly, (3) the same main part, replaced N times and still not working."""
    assembly = [
        (i, r) for i, r in enumerate(case.history) if r.replaced == "assembly" and r.system in rule.assembly_systems
    ]
    # A powertrain assembly counts under (2) only; any other replacement in a listed system is a main part.
    main_part = [
        (i, r)
        for i, r in enumerate(case.history)
        if r.replaced is not None
        and r.system in rule.main_part_systems
        and not (r.replaced == "assembly" and r.system in rule.assembly_systems)
    ]
    found: list[Finding] = []
    for system, group in _group(assembly, lambda record: record.system).items():
        if _still_failing_after(group, rule.assembly_replacements):
            found.append(
                Finding(
                    "assembly_replaced_repeatedly",
                    f"{system} assembly replaced {len(group)} times and still not working normally",
                    {"system": system, "replacements": len(group), "times": rule.assembly_replacements},
                )
            )
    parts = _group(main_part, lambda record: (record.system, record.part_key))
    for (system, _), group in parts.items():
        if _still_failing_after(group, rule.main_part_replacements):
            part = group[0].part or group[0].problem
            found.append(
                Finding(
                    "main_part_replaced_repeatedly",
                    f'{system} main part "{part}" replaced {len(group)} times and still not working normally',
                    {
                        "system": system,
                        "part": part,
                        "replacements": len(group),
                        "times": rule.main_part_replacements,
                    },
                )
            )
    return found


def _repair_totals(case: WarrantyCase, rules: WarrantyRules) -> list[Finding]:
    """Art. 24 (4): total repair time over the limit, or the same problem repaired over the limit."""
    rule = rules.remedies.refund_or_replace_with_usage_charge
    found: list[Finding] = []
    total = sum(repair_days(record, case.as_of, rules.repair_day_hours) for record in case.history)
    limit_days, repairs = rule.total_repair_days_over, len(case.history)
    if total > limit_days:
        found.append(
            Finding(
                "total_repair_days",
                f"total repair time {total} days in {repairs} repair{'' if repairs == 1 else 's'}, over {limit_days}",
                {"total_days": total, "repairs": repairs, "limit_days": limit_days},
            )
        )
    groups = _group(enumerate(case.history), lambda record: record.problem_key)
    repeated = [group for group in groups.values() if len(group) > rule.same_problem_repairs_over]
    if repeated:
        group = max(repeated, key=len)
        problem, limit_repairs = group[0].problem, rule.same_problem_repairs_over
        found.append(
            Finding(
                "same_problem_repairs",
                f'"{problem}" repaired {len(group)} times, over {limit_repairs}',
                {"problem": problem, "repairs": len(group), "limit_repairs": limit_repairs},
            )
        )
    return found


def charged_refund_grounds(case: WarrantyCase, rules: WarrantyRules) -> list[Finding]:
    """Every ground of Art. 24 para. 1 the case meets, in the order of the article's items."""
    rule = rules.remedies.refund_or_replace_with_usage_charge
    serious = _serious_safety(case, rule)
    return [*([serious] if serious else []), *_replacements(case, rule), *_repair_totals(case, rules)]
