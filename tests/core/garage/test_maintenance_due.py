"""Table tests for inspections, insurance, 三包 periods ending and due items (bot.core.garage.inspection,
maintenance_due)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from bot.core.garage.due import due_items, insurance_due, warranty_ending
from bot.core.garage.inspection import inspection_due
from bot.core.garage.maintenance import OdometerReading, ServiceVisit, VehicleFacts, add_months, odometer_facts
from bot.core.garage.schedule import default_schedule
from bot.core.warranty.engine import WarrantyCase, assess
from bot.core.warranty.rules import default_rules

D = date.fromisoformat
REGISTERED = D("2020-05-10")
RULES = default_rules()
SCHEDULE = default_schedule()


def in_year(year: int) -> date:
    """A day in the car's `year`-th year: the day after its (year − 1)-th anniversary."""
    return add_months(REGISTERED, 12 * (year - 1)) + timedelta(days=1)


CN_YEARS = [
    (1, 24, "online_decal"), (2, 24, "online_decal"), (3, 48, "online_decal"), (4, 48, "online_decal"),
    (5, 72, "on_site"), (6, 72, "on_site"), (7, 96, "online_decal"), (8, 96, "online_decal"),
    (9, 120, "on_site"), (10, 120, "on_site"), (11, 132, "on_site"), (12, 144, "on_site"),
    (13, 156, "on_site"), (14, 168, "on_site"), (15, 180, "on_site"), (16, 186, "on_site"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("year", "months", "kind"), [pytest.param(*row, id=f"cn-year-{row[0]}-{row[2]}") for row in CN_YEARS]
)
def test_cn_inspection_by_year(year: int, months: int, kind: str) -> None:
    due = inspection_due(REGISTERED, "CN", in_year(year))
    assert due is not None
    assert (due.age_months, due.kind, due.due) == (months, kind, add_months(REGISTERED, months))
    assert due.window_start == add_months(REGISTERED, months - 3)
    assert due.window_end == due.due


@pytest.mark.parametrize(
    ("year", "months"),
    [
        pytest.param(1, 24, id="not-exempt-year-1-on-site"),
        pytest.param(3, 48, id="not-exempt-year-3-on-site"),
        pytest.param(7, 84, id="not-exempt-yearly-after-6"),
        pytest.param(16, 186, id="not-exempt-half-yearly-after-15"),
    ],
)
def test_cn_not_exempt_is_always_on_site(year: int, months: int) -> None:
    due = inspection_due(REGISTERED, "CN", in_year(year), vehicle_kind="not_exempt")
    assert due is not None and (due.age_months, due.kind) == (months, "on_site")


@pytest.mark.parametrize(
    ("registered", "today", "due", "window_start"),
    [
        pytest.param("2020-05-10", "2022-05-10", "2022-05-10", "2022-02-10", id="cn-deadline-day-still-due"),
        pytest.param("2020-05-10", "2022-05-11", "2024-05-10", "2024-02-10", id="cn-day-after-next-deadline"),
        pytest.param("2020-02-29", "2021-01-01", "2022-02-28", "2021-11-29", id="cn-leap-day-registration"),
        pytest.param("2020-02-29", "2023-01-01", "2024-02-29", "2023-11-29", id="cn-leap-day-in-leap-year"),
        pytest.param("2019-11-30", "2020-01-01", "2021-11-30", "2021-08-30", id="cn-month-end-window"),
    ],
)
def test_cn_inspection_dates(registered: str, today: str, due: str, window_start: str) -> None:
    found = inspection_due(D(registered), "CN", D(today))
    assert found is not None and (found.due, found.window_start) == (D(due), D(window_start))


@pytest.mark.parametrize(
    ("region", "today", "months", "kind", "window"),
    [
        pytest.param("TW", "2021-01-01", 60, "on_site", ("2025-04-10", "2025-06-10"), id="tw-under-5-exempt"),
        pytest.param("TW", "2025-06-10", 60, "on_site", ("2025-04-10", "2025-06-10"), id="tw-month-after-still-open"),
        pytest.param("TW", "2025-06-11", 72, "on_site", ("2026-04-10", "2026-06-10"), id="tw-yearly-from-5"),
        pytest.param("TW", "2030-01-01", 120, "on_site", ("2030-04-10", "2030-06-10"), id="tw-year-10"),
        pytest.param("TW", "2030-06-11", 126, "on_site", ("2030-10-10", "2030-12-10"), id="tw-twice-a-year-from-10"),
        pytest.param("HK", "2022-01-01", 84, "examination", ("2027-04-10", "2027-05-10"), id="hk-under-6-none-yet"),
        pytest.param("HK", "2026-05-11", 84, "examination", ("2027-04-10", "2027-05-10"), id="hk-at-6-not-over-6"),
        pytest.param("HK", "2027-05-11", 96, "examination", ("2028-04-10", "2028-05-10"), id="hk-annual-after"),
    ],
)  # fmt: skip
def test_tw_and_hk_inspection(region: str, today: str, months: int, kind: str, window: tuple[str, str]) -> None:
    due = inspection_due(REGISTERED, region, D(today))  # type: ignore[arg-type]
    assert due is not None
    assert (due.age_months, due.kind, due.due) == (months, kind, add_months(REGISTERED, months))
    assert (due.window_start, due.window_end) == (D(window[0]), D(window[1]))
    assert not due.overdue(D(today))


def test_inspection_needs_a_registration_date_and_a_known_region() -> None:
    assert inspection_due(None, "CN", D("2024-01-01")) is None
    with pytest.raises(ValueError, match="unknown region 'MO'"):
        inspection_due(REGISTERED, "MO", D("2024-01-01"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown vehicle kind 'truck'"):
        inspection_due(REGISTERED, "CN", D("2024-01-01"), "truck")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("today", "days_left", "expired"),
    [
        pytest.param("2025-02-01", 28, False, id="insurance-expires-in-4-weeks"),
        pytest.param("2025-03-01", 0, False, id="insurance-last-day-still-covered"),
        pytest.param("2025-03-02", -1, True, id="insurance-expired"),
    ],
)
def test_insurance_due(today: str, days_left: int, expired: bool) -> None:
    due = insurance_due(D("2025-03-01"), D(today))
    assert due is not None and (due.expires_on, due.days_left, due.expired) == (D("2025-03-01"), days_left, expired)


def test_insurance_unknown_expiry() -> None:
    assert insurance_due(None, D("2025-01-01")) is None


DELIVERED = D("2024-03-01")


@pytest.mark.parametrize(
    ("readings", "today", "repair", "three"),
    [
        pytest.param([("2024-04-01", 1000)], "2024-05-01", ("2027-03-01", "time"), ("2026-03-01", "time"),
                     id="warranty-low-km-ends-by-time"),
        pytest.param([("2024-03-31", 3000)], "2024-05-01", ("2025-10-22", "distance"), ("2025-07-14", "distance"),
                     id="warranty-100-km-a-day-ends-by-distance"),
        pytest.param([], "2024-05-01", ("2027-03-01", "time"), ("2026-03-01", "time"),
                     id="warranty-no-readings-default-40-a-day"),
        pytest.param([("2024-03-31", 3000), ("2024-04-30", 3000)], "2024-05-01", ("2027-03-01", "time"),
                     ("2026-03-01", "time"), id="warranty-parked-car-never-reaches-km"),
    ],
)  # fmt: skip
def test_warranty_ending(
    readings: list[tuple[str, int]], today: str, repair: tuple[str, str], three: tuple[str, str]
) -> None:
    odometer = odometer_facts([OdometerReading(D(day), km) for day, km in readings], DELIVERED)
    endings = {ending.code: ending for ending in warranty_ending(DELIVERED, odometer, D(today), RULES)}
    assert (endings["repair_warranty"].ends_on.isoformat(), endings["repair_warranty"].by) == repair
    assert (endings["three_guarantees"].ends_on.isoformat(), endings["three_guarantees"].by) == three
    assert endings["repair_warranty"].km_limit == 60000 and endings["three_guarantees"].km_limit == 50000


def test_warranty_leap_day_delivery() -> None:
    odometer = odometer_facts([], D("2024-02-29"))
    ends = [ending.time_ends_on for ending in warranty_ending(D("2024-02-29"), odometer, D("2024-03-01"), RULES)]
    assert ends == [D("2027-02-28"), D("2026-02-28")]


@pytest.mark.parametrize(
    ("km", "day"),
    [
        pytest.param(60_000, "2025-03-01", id="engine-60000-km-is-in"),
        pytest.param(60_001, "2025-03-01", id="engine-60001-km-is-out"),
        pytest.param(50_000, "2025-03-01", id="engine-50000-km-is-in"),
        pytest.param(50_001, "2025-03-01", id="engine-50001-km-is-out"),
        pytest.param(10_000, "2026-03-01", id="engine-last-day-of-three-guarantees"),
        pytest.param(10_000, "2026-03-02", id="engine-day-after-three-guarantees"),
        pytest.param(10_000, "2027-03-02", id="engine-day-after-repair-warranty"),
    ],
)
def test_warranty_ending_agrees_with_the_engine(km: int, day: str) -> None:
    """With a reading on the day itself, "ended" is exactly the engine's "not active"."""
    odometer = odometer_facts([OdometerReading(D(day), km)], DELIVERED)
    periods = assess(WarrantyCase(start_date=DELIVERED, as_of=D(day), odometer_km=km), RULES).periods
    for ending in warranty_ending(DELIVERED, odometer, D(day), RULES):
        assert ending.ended is not periods[ending.code].active
        assert ending.time_ends_on == periods[ending.code].ends_on


def household(**fields: object) -> VehicleFacts:
    values: dict[str, object] = {
        "id": 42, "make": "豐田", "delivery_date": DELIVERED, "insurance_expiry": D("2025-02-28"),
        "readings": (OdometerReading(D("2024-05-01"), 2000),),
    }  # fmt: skip
    return VehicleFacts(**(values | fields))  # type: ignore[arg-type]


def test_due_items_for_a_household_car() -> None:
    items = due_items(household(), SCHEDULE, "CN", D("2024-05-02"), RULES)
    assert [(item.kind, item.due.isoformat()) for item in items] == [
        ("service", "2024-06-01"),
        ("insurance", "2025-02-28"),
        ("inspection", "2026-03-01"),
        ("warranty_three_guarantees", "2026-03-01"),
        ("warranty_repair", "2027-03-01"),
    ]
    assert items[0].idempotency_key == "reminder:42:service:2024-06-01"
    assert items[0].details["stage"] == "first" and items[0].details["plan"]["make"] == "Toyota"  # type: ignore[index]
    assert items[2].details["kind"] == "online_decal"
    json.dumps([item.details for item in items])


def test_due_items_keys_do_not_move_with_today() -> None:
    keys = {item.idempotency_key for n in range(0, 28, 3) for item in due_items(
        household(), SCHEDULE, "CN", D("2024-05-02") + timedelta(days=n), RULES)}  # fmt: skip
    assert len(keys) == 5


@pytest.mark.parametrize(
    ("fields", "region", "today", "kinds"),
    [
        pytest.param({"use": "commercial"}, "CN", "2024-05-02", {"service", "insurance", "inspection"},
                     id="commercial-car-outside-sanbao"),
        pytest.param({"delivery_date": D("2020-01-01")}, "CN", "2024-05-02",
                     {"service", "insurance", "inspection"}, id="ended-warranty-not-reminded"),
        pytest.param({"delivery_date": None, "readings": (), "insurance_expiry": None}, "CN", "2024-05-02", set(),
                     id="nothing-known-nothing-due"),
        pytest.param({"visits": (ServiceVisit(D("2024-04-01"), 1500),)}, "TW", "2024-05-02",
                     {"service", "insurance", "inspection", "warranty_repair", "warranty_three_guarantees"},
                     id="serviced-car-in-taiwan"),
    ],
)  # fmt: skip
def test_due_items_kinds(fields: dict[str, object], region: str, today: str, kinds: set[str]) -> None:
    items = due_items(household(**fields), SCHEDULE, region, D(today), RULES)  # type: ignore[arg-type]
    assert {item.kind for item in items} == kinds
    assert [item.due for item in items] == sorted(item.due for item in items)


def test_due_items_flag_overdue_service_and_expired_insurance() -> None:
    items = {item.kind: item for item in due_items(household(), SCHEDULE, "CN", D("2025-03-02"), RULES)}
    assert items["service"].overdue and items["insurance"].overdue
    assert not items["inspection"].overdue


def test_registration_date_drives_inspection() -> None:
    vehicle = household(registration_date=D("2024-04-15"))
    inspection = next(item for item in due_items(vehicle, SCHEDULE, "TW", D("2024-05-02"), RULES)
                      if item.kind == "inspection")  # fmt: skip
    assert inspection.due == D("2029-04-15")
