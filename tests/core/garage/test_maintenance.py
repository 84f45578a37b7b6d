"""Table tests for maintenance schedules, odometer history and the next service (bot.core.garage.maintenance*)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.core.common.config_files import ConfigError
from bot.core.garage.maintenance import (
    OdometerError,
    OdometerReading,
    ServiceVisit,
    VehicleFacts,
    add_months,
    average_daily_km,
    check_new_reading,
    next_service,
)
from bot.core.garage.schedule import MaintenanceSchedule, default_schedule

SCHEDULE = default_schedule()
D = date.fromisoformat


def r(day: str, km: int) -> OdometerReading:
    return OdometerReading(D(day), km)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        pytest.param("2024-02-29", 12, "2025-02-28", id="leap-day-plus-12-months-clamps"),
        pytest.param("2024-02-29", 48, "2028-02-29", id="leap-day-plus-4-years-is-leap-day"),
        pytest.param("2023-01-31", 1, "2023-02-28", id="jan31-plus-1-month-common-year"),
        pytest.param("2024-01-31", 1, "2024-02-29", id="jan31-plus-1-month-leap-year"),
        pytest.param("2024-01-31", 6, "2024-07-31", id="jan31-plus-6-months-not-chained"),
        pytest.param("2024-08-31", 1, "2024-09-30", id="aug31-plus-1-month"),
        pytest.param("2024-12-31", 2, "2025-02-28", id="dec31-plus-2-months-over-new-year"),
        pytest.param("2024-05-31", -3, "2024-02-29", id="minus-3-months-to-leap-feb"),
    ],
)
def test_add_months_clamps_to_month_end(start: str, months: int, expected: str) -> None:
    assert add_months(D(start), months) == D(expected)


@pytest.mark.parametrize(
    ("written", "make"),
    [
        pytest.param("豐田", "Toyota", id="toyota-traditional"),
        pytest.param("丰田", "Toyota", id="toyota-simplified"),
        pytest.param(" TOYOTA ", "Toyota", id="toyota-upper-case-spaces"),
        pytest.param("Ｔｏｙｏｔａ", "Toyota", id="toyota-full-width"),
        pytest.param("一汽-豐田", "Toyota", id="toyota-jv-hyphen-traditional"),
        pytest.param("本田", "Honda", id="honda-chinese"),
        pytest.param("日產", "Nissan", id="nissan-traditional"),
        pytest.param("日产", "Nissan", id="nissan-simplified"),
        pytest.param("vw", "Volkswagen", id="volkswagen-vw"),
        pytest.param("上汽大眾", "Volkswagen", id="volkswagen-saic-traditional"),
        pytest.param("Mercedes Benz", "Mercedes-Benz", id="mercedes-space-for-hyphen"),
        pytest.param("賓士", "Mercedes-Benz", id="mercedes-taiwan-name"),
        pytest.param("平治", "Mercedes-Benz", id="mercedes-hong-kong-name"),
        pytest.param("寶馬", "BMW", id="bmw-chinese"),
        pytest.param("特斯拉", "Tesla", id="tesla-chinese"),
        pytest.param("比亞迪", "BYD", id="byd-traditional"),
        pytest.param("現代", "Hyundai", id="hyundai-traditional"),
        pytest.param("Lada", None, id="unknown-make"),
        pytest.param("", None, id="empty-make"),
    ],
)
def test_make_names_and_aliases(written: str, make: str | None) -> None:
    assert SCHEDULE.find_make(written) == make
    assert SCHEDULE.plan_for(written).make == make


@pytest.mark.parametrize(
    ("make", "kind", "first", "interval"),
    [
        pytest.param("Toyota", "oil_service", (3, 5000), (6, 10000), id="toyota"),
        pytest.param("Honda", "oil_service", (3, 5000), (6, 5000), id="honda"),
        pytest.param("Nissan", "oil_service", (3, 5000), (6, 10000), id="nissan"),
        pytest.param("Volkswagen", "oil_service", (6, 5000), (12, 7500), id="volkswagen"),
        pytest.param("Audi", "oil_service", None, (12, 10000), id="audi"),
        pytest.param("BMW", "condition_based", None, (12, None), id="bmw-condition-based-yearly"),
        pytest.param("Mercedes-Benz", "condition_based", None, (12, None), id="mercedes-condition-based-yearly"),
        pytest.param("Tesla", "check", None, (12, 10000), id="tesla-no-oil-tyre-rotation"),
        pytest.param("BYD", "oil_service", (6, 5000), (12, 20000), id="byd"),
        pytest.param("Hyundai", "oil_service", None, (12, 13000), id="hyundai"),
    ],
)
def test_shipped_schedules(
    make: str, kind: str, first: tuple[int, int] | None, interval: tuple[int, int | None]
) -> None:
    plan = SCHEDULE.plan_for(make)
    assert plan.kind == kind
    given = plan.first_service
    assert (given.months, given.km) == first if given is not None else first is None
    assert (plan.interval.months, plan.interval.km) == interval
    assert plan.note.startswith(("[B]", "[U]"))


def test_unknown_make_gets_the_default_schedule() -> None:
    plan = SCHEDULE.plan_for("Lada", "Niva")
    assert (plan.make, plan.model) == (None, None)
    assert plan.first_service == SCHEDULE.default.first_service
    assert plan.interval == SCHEDULE.default.interval


OVERRIDES = """
default_daily_km: 30
default: {interval: {km: 10000, months: 12}}
makes:
  Toyota:
    aliases: [豐田]
    first_service: {km: 5000, months: 3}
    interval: {km: 10000, months: 6}
    models:
      Camry: {aliases: [凱美瑞], interval: {km: 10000, months: 12}, note: manual p. 12}
      Camry Hybrid: {interval: {km: 15000, months: 12}}
      GR86: {first_service: null, kind: check}
"""


@pytest.fixture
def overrides(tmp_path: Path) -> MaintenanceSchedule:
    path = tmp_path / "maintenance.yaml"
    path.write_text(OVERRIDES, encoding="utf-8")
    return MaintenanceSchedule.load(path)


@pytest.mark.parametrize(
    ("model", "matched", "first", "interval_months", "interval_km"),
    [
        pytest.param("Camry", "Camry", (3, 5000), 12, 10000, id="model-by-name-inherits-first-service"),
        pytest.param("凯美瑞", "Camry", (3, 5000), 12, 10000, id="model-by-alias-other-script"),
        pytest.param("Camry 2.0G", "Camry", (3, 5000), 12, 10000, id="model-by-prefix"),
        pytest.param("camry hybrid 2.5", "Camry Hybrid", (3, 5000), 12, 15000, id="longest-prefix-wins"),
        pytest.param("GR86", "GR86", None, 6, 10000, id="explicit-null-first-service"),
        pytest.param("Corolla", None, (3, 5000), 6, 10000, id="unknown-model-uses-make"),
        pytest.param("", None, (3, 5000), 6, 10000, id="no-model-uses-make"),
    ],
)
def test_model_overrides(
    overrides: MaintenanceSchedule,
    model: str,
    matched: str | None,
    first: tuple[int, int] | None,
    interval_months: int,
    interval_km: int,
) -> None:
    plan = overrides.plan_for("豐田", model)
    assert plan.model == matched
    assert plan.first_service == (None if first is None else overrides.makes["Toyota"].first_service)
    assert (plan.interval.months, plan.interval.km) == (interval_months, interval_km)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("makes: {Toyota: {interval: {km: 10000}}}", "makes.Toyota.interval.months: Field required",
                     id="missing-months"),
        pytest.param("makes: {Toyota: {interval: {months: 6, km: 10}}}", "makes.Toyota.interval.km:",
                     id="km-too-small"),
        pytest.param("makes: {Toyota: {intervall: {months: 6}}}", "makes.Toyota.intervall: Extra inputs",
                     id="misspelt-key"),
        pytest.param("makes: {Toyota: {interval: {months: 6}, kind: oil}}", "makes.Toyota.kind:",
                     id="unknown-kind"),
        pytest.param("makes: {Toyota: {aliases: [丰田], interval: {months: 6}}, Lexus: {aliases: [豐田], "
                     "interval: {months: 6}}}", "'豐田' of 'Lexus' is already a name of 'Toyota'",
                     id="alias-of-two-makes"),
        pytest.param("makes: {}\ndefault: {aliases: [x], interval: {months: 6}}", "default: Value error",
                     id="default-with-aliases"),
    ],
)  # fmt: skip
def test_bad_schedule_file_names_file_and_field(tmp_path: Path, text: str, expected: str) -> None:
    base = {"default_daily_km": "default_daily_km: 40\n", "default": "default: {interval: {months: 12}}\n"}
    head = "".join(line for key, line in base.items() if f"{key}:" not in text)
    path = tmp_path / "maintenance.yaml"
    path.write_text(head + text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        MaintenanceSchedule.load(path)
    assert str(path) in str(error.value)
    assert expected in str(error.value)


def test_missing_schedule_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"maintenance\.yaml: file not found"):
        MaintenanceSchedule.load(tmp_path / "maintenance.yaml")


HISTORY = [r("2024-04-01", 10_000), r("2024-05-01", 11_200)]


@pytest.mark.parametrize(
    ("km", "read_on"),
    [
        pytest.param(11_500, "2024-06-01", id="higher-later"),
        pytest.param(11_200, "2024-06-01", id="same-km-later-parked"),
        pytest.param(10_500, "2024-04-15", id="late-entry-between-two-readings"),
        pytest.param(9_000, "2024-03-01", id="late-entry-before-all"),
    ],
)
def test_odometer_reading_accepted(km: int, read_on: str) -> None:
    check_new_reading(HISTORY, km, D(read_on))  # raises when the reading does not fit


@pytest.mark.parametrize(
    ("km", "read_on", "message"),
    [
        pytest.param(11_000, "2024-06-01", "11,000 km on 2024-06-01 is lower than the 11,200 km read on 2024-05-01",
                     id="backwards-after-last"),
        pytest.param(11_100, "2024-05-01", "11,100 km on 2024-05-01 is lower than the 11,200 km read on 2024-05-01",
                     id="backwards-same-day"),
        pytest.param(10_500, "2024-03-01", "10,500 km on 2024-03-01 is higher than the 10,000 km read later, on "
                     "2024-04-01", id="earlier-date-higher-km"),
        pytest.param(-5, "2024-06-01", "-5 km is not an odometer reading", id="negative"),
    ],
)  # fmt: skip
def test_odometer_going_backwards_rejected(km: int, read_on: str, message: str) -> None:
    with pytest.raises(OdometerError) as error:
        check_new_reading(HISTORY, km, D(read_on))
    assert message in str(error.value)
    assert (error.value.km, error.value.read_on) == (km, D(read_on))


@pytest.mark.parametrize(
    ("readings", "delivery", "expected"),
    [
        pytest.param(HISTORY, "2024-01-01", 40.0, id="from-history-30-days"),
        pytest.param(list(reversed(HISTORY)), None, 40.0, id="history-in-any-order"),
        pytest.param([r("2024-04-01", 3000), r("2024-04-08", 3500)], "2024-01-01", 3500 / 98,
                     id="short-history-from-delivery"),
        pytest.param([r("2024-04-01", 3000)], "2024-01-02", 3000 / 90, id="one-reading-from-delivery"),
        pytest.param([r("2024-01-10", 900)], "2024-01-01", 40.0, id="delivery-too-recent-default"),
        pytest.param([], "2024-01-01", 40.0, id="no-readings-default"),
        pytest.param([], None, 40.0, id="nothing-known-default"),
        pytest.param([r("2024-01-01", 500), r("2024-03-01", 500)], None, 0.0, id="parked-car-zero"),
    ],
)  # fmt: skip
def test_average_daily_km(readings: list[OdometerReading], delivery: str | None, expected: float) -> None:
    assert average_daily_km(readings, D(delivery) if delivery else None) == pytest.approx(expected)


def test_average_daily_km_default_is_configurable() -> None:
    assert average_daily_km([], None, default=25.0) == 25.0


def car(make: str = "Toyota", delivered: str | None = "2024-01-10", **fields: object) -> VehicleFacts:
    return VehicleFacts(id=1, make=make, delivery_date=D(delivered) if delivered else None, **fields)  # type: ignore[arg-type]


def visit(day: str, km: int) -> ServiceVisit:
    return ServiceVisit(D(day), km)


SERVICE_CASES = [
    # never serviced: the first service from delivery; 40 km/day reaches 5,000 km after 125 days > 3 months
    pytest.param(car(), "2024-02-01", ("2024-04-10", "time", "first", 5000, False), id="never-serviced-by-time"),
    pytest.param(car(readings=(r("2024-02-09", 3000),)), "2024-02-10",
                 ("2024-02-29", "distance", "first", 5000, False), id="never-serviced-by-km-100-a-day"),
    pytest.param(car("Audi"), "2024-02-01", ("2024-09-16", "distance", "first", 10000, False),
                 id="never-serviced-no-first-service-uses-interval-default-40-a-day"),
    pytest.param(car("Lada"), "2024-02-01", ("2024-05-14", "distance", "first", 5000, False),
                 id="unknown-make-default-schedule"),
    pytest.param(car(visits=(visit("2024-04-10", 3000),)), "2024-05-01",
                 ("2024-10-10", "time", "regular", 13000, False), id="regular-by-time"),
    pytest.param(car(visits=(visit("2024-04-10", 5000),), readings=(r("2024-05-10", 8000),)), "2024-05-11",
                 ("2024-07-19", "distance", "regular", 15000, False), id="regular-by-distance"),
    pytest.param(car(visits=(visit("2024-04-10", 3000),)), "2024-10-11",
                 ("2024-10-10", "time", "regular", 13000, True), id="overdue-by-time"),
    pytest.param(car(visits=(visit("2024-04-10", 3000),)), "2024-10-10",
                 ("2024-10-10", "time", "regular", 13000, False), id="due-today-not-overdue"),
    pytest.param(car(visits=(visit("2024-04-10", 5000),), readings=(r("2024-05-10", 9000), r("2024-06-09", 17000))),
                 "2024-06-10", ("2024-06-02", "distance", "regular", 15000, True),
                 id="overdue-by-distance-interpolated-between-readings"),
    pytest.param(car("BMW", visits=(visit("2024-03-15", 9000),), readings=(r("2024-05-15", 30000),)), "2024-06-01",
                 ("2025-03-15", "time", "regular", None, False), id="condition-based-bmw-yearly-no-km"),
    pytest.param(car("Tesla", readings=(r("2024-02-09", 3000),)), "2024-02-10",
                 ("2024-04-19", "distance", "first", 10000, False), id="tesla-tyre-rotation-by-km"),
    pytest.param(car(visits=(visit("2024-01-31", 500),)), "2024-02-01",
                 ("2024-07-31", "time", "regular", 10500, False), id="month-end-jan31-plus-6-months"),
    pytest.param(car("Honda", "2023-11-30"), "2023-12-01", ("2024-02-29", "time", "first", 5000, False),
                 id="month-end-nov30-plus-3-months-leap"),
    pytest.param(car("Volkswagen", "2022-02-28", visits=(visit("2024-02-29", 10000),)), "2024-03-01",
                 ("2025-02-28", "time", "regular", 17500, False), id="leap-day-plus-12-months"),
    pytest.param(car(readings=(r("2024-01-20", 400), r("2024-03-20", 400))), "2024-03-21",
                 ("2024-04-10", "time", "first", 5000, False), id="parked-car-by-time"),
    pytest.param(car("Audi", "2023-01-01", visits=(visit("2024-01-01", 10000),), readings=(r("2024-01-31", 10820),)),
                 "2024-02-01", ("2025-01-01", "time", "regular", 20000, False), id="tie-goes-to-time"),
]  # fmt: skip


@pytest.mark.parametrize(("vehicle", "today", "expected"), SERVICE_CASES)
def test_next_service(vehicle: VehicleFacts, today: str, expected: tuple[str, str, str, int | None, bool]) -> None:
    due = next_service(vehicle, SCHEDULE, D(today))
    assert due is not None
    assert (due.due.isoformat(), due.by, due.stage, due.due_km, due.overdue) == expected


def test_tie_has_both_limits_on_the_same_day() -> None:
    vehicle = car("Audi", "2023-01-01", visits=(visit("2024-01-01", 10000),), readings=(r("2024-01-31", 10820),))
    due = next_service(vehicle, SCHEDULE, D("2024-02-01"))
    assert due is not None and due.time_due == due.distance_due == D("2025-01-01")


def test_next_service_without_delivery_or_visit_is_unknown() -> None:
    assert next_service(car(delivered=None), SCHEDULE, D("2024-05-01")) is None


def test_never_serviced_without_delivery_counts_from_visit() -> None:
    due = next_service(car(delivered=None, visits=(visit("2024-03-01", 4000),)), SCHEDULE, D("2024-03-02"))
    assert due is not None and due.stage == "regular" and due.due == D("2024-09-01")


def test_due_date_does_not_move_with_today() -> None:
    vehicle = car(visits=(visit("2024-04-10", 5000),), readings=(r("2024-05-10", 8000),))
    dues = {next_service(vehicle, SCHEDULE, D("2024-05-11") + timedelta(days=n)).due for n in range(0, 200, 7)}  # type: ignore[union-attr]
    assert dues == {D("2024-07-19")}


def test_estimated_km_today() -> None:
    vehicle = car(visits=(visit("2024-04-10", 5000),), readings=(r("2024-05-10", 8000),))
    due = next_service(vehicle, SCHEDULE, D("2024-05-20"))
    assert due is not None
    assert due.daily_km == pytest.approx(100.0)
    assert due.estimated_km == 9000
