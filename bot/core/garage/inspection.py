"""When a private car's next periodic inspection is due, in mainland China, Taiwan or Hong Kong.

Rules (shared/domain/FACTS.md §3); every deadline is counted in months from the registration date with
`add_months` (month ends clamped), each from the registration date itself, never chained:

- CN, small non-operating passenger cars (the 2022-10-01 policy [B]): online decal via 交管12123 at years
  2, 4 and 8; on-site inspection at years 6 and 10; yearly on-site after 10. After 15 years the statutory
  base rule (道路交通安全法实施条例 Art. 16 [A]: every 6 months after 15) is kept, because the 2022 policy
  as recorded in FACTS.md changes the first 10 years only; `CN_HALF_YEARLY_AFTER_YEARS` is the one number to
  change if the dealer's vehicle office says otherwise. Cars outside the exemption (`vehicle_kind`
  "not_exempt": minivans, illegally modified cars, cars in injury or fatal accidents) follow the base rule:
  on-site every 2 years for 6 years, yearly after 6, every 6 months after 15. The window opens 3 months
  before the deadline (decal applications, FACTS.md §3 [A]). The deadline is taken as the anniversary day;
  a decal states only the month, so this is the conservative reading.
- TW, private cars (道路交通安全規則 Art. 44 [A]): under 5 years exempt; yearly from 5 to 10 years; twice a
  year from 10 years; a window of 1 month either side of the due date. The rule counts from the month the
  car left the factory; the registration date is used here as the closest date the dealer holds.
- HK, private cars over 6 years: an annual roadworthiness examination before licence renewal [A]. The
  licence is taken as renewed on each registration anniversary, so the first examination is due at the
  7th (the car is then over 6); a licence bought for 4 months or on another date moves this. The 1-month
  window before renewal is an assumption (FACTS.md gives none).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from bot.core.garage.maintenance import VehicleKind, add_months

Region = Literal["CN", "TW", "HK"]
InspectionKind = Literal["online_decal", "on_site", "examination"]

REGIONS: tuple[Region, ...] = get_args(Region)
VEHICLE_KINDS: tuple[VehicleKind, ...] = get_args(VehicleKind)
CN_HALF_YEARLY_AFTER_YEARS = 15
CN_WINDOW_MONTHS = 3
TW_WINDOW_MONTHS = 1
HK_EXAMINATION_FROM_YEARS = 7  # "over 6 years" at the renewal on the anniversary
HK_WINDOW_MONTHS = 1  # assumption, see the module docstring

_RULES: dict[tuple[Region, VehicleKind], str] = {
    ("CN", "small_passenger"): (
        "CN 2022 policy: online decal at years 2, 4, 8; on-site at 6, 10; yearly after 10; every 6 months after 15"
    ),
    ("CN", "not_exempt"): "CN Art. 16 base rule: on-site every 2 years to 6, yearly after 6, every 6 months after 15",
    ("TW", "small_passenger"): "TW Art. 44: exempt under 5 years, yearly 5-10 years, twice a year from 10",
    ("HK", "small_passenger"): "HK: annual examination before licence renewal for private cars over 6 years",
}


@dataclass(frozen=True)
class InspectionDue:
    """The next inspection: its deadline, what it is, and the window in which it can be done.

    `due` is the nominal date (the registration anniversary or half-year); in Taiwan the window runs a month
    past it, so `window_end` is the real last day. `age_months` is the car's age at `due`.
    """

    due: date
    kind: InspectionKind
    window_start: date
    window_end: date
    region: Region
    age_months: int
    rule: str

    def overdue(self, today: date) -> bool:
        """True once the window has closed."""
        return today > self.window_end


def _half_yearly_after(months: int) -> Iterator[int]:
    while True:
        months += 6
        yield months


def _cn_schedule(vehicle_kind: VehicleKind) -> Iterator[tuple[int, InspectionKind]]:
    if vehicle_kind == "small_passenger":
        yield from ((24, "online_decal"), (48, "online_decal"), (72, "on_site"), (96, "online_decal"))
        yield 120, "on_site"
        yearly_from = 11
    else:
        yield from ((24, "on_site"), (48, "on_site"), (72, "on_site"))
        yearly_from = 7
    last_yearly = CN_HALF_YEARLY_AFTER_YEARS * 12
    for months in range(yearly_from * 12, last_yearly + 1, 12):
        yield months, "on_site"
    for months in _half_yearly_after(last_yearly):
        yield months, "on_site"


def _tw_schedule() -> Iterator[tuple[int, InspectionKind]]:
    for years in range(5, 10):
        yield years * 12, "on_site"
    yield 120, "on_site"
    for months in _half_yearly_after(120):
        yield months, "on_site"


def _hk_schedule() -> Iterator[tuple[int, InspectionKind]]:
    months = HK_EXAMINATION_FROM_YEARS * 12
    while True:
        yield months, "examination"
        months += 12


def inspection_due(
    registration_date: date | None, region: Region, today: date, vehicle_kind: VehicleKind = "small_passenger"
) -> InspectionDue | None:
    """The first inspection whose window has not closed by `today`; None without a registration date.

    Past deadlines are not reported: the core has no record of inspections done, so a deadline whose window
    has closed is taken as met. `vehicle_kind` matters in mainland China only (the 2022 exemption).
    """
    if region not in REGIONS:
        raise ValueError(f"unknown region {region!r}; expected one of {', '.join(REGIONS)}")
    if vehicle_kind not in VEHICLE_KINDS:
        raise ValueError(f"unknown vehicle kind {vehicle_kind!r}; expected one of {', '.join(VEHICLE_KINDS)}")
    if registration_date is None:
        return None
    if region == "CN":
        schedule, before, after = _cn_schedule(vehicle_kind), CN_WINDOW_MONTHS, 0
    elif region == "TW":
        schedule, before, after = _tw_schedule(), TW_WINDOW_MONTHS, TW_WINDOW_MONTHS
    else:
        schedule, before, after = _hk_schedule(), HK_WINDOW_MONTHS, 0
    rule = _RULES.get((region, vehicle_kind), _RULES[(region, "small_passenger")])
    for months, kind in schedule:
        due = add_months(registration_date, months)
        window_end = add_months(registration_date, months + after)
        if window_end >= today:
            window_start = add_months(registration_date, months - before)
            return InspectionDue(due, kind, window_start, window_end, region, months, rule)
    raise AssertionError("inspection schedules never end")  # pragma: no cover
