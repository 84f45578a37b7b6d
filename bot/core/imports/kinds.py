"""What one batch of valid rows means for the database: look up what is stored, merge, classify, write.

Each kind keeps the keys it has seen in this file, so a key repeated further down the file is rejected with
the line that had it first (and the result is the same with --dry-run, where nothing is committed).
Merging: a given value replaces the stored one, a blank cell keeps it; opt-outs are only ever switched on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.common.identifiers import format_plate
from bot.core.garage.records import Reading, reading_conflict
from bot.core.imports import repo
from bot.db.common.base import utcnow

Action = Literal["insert", "update", "unchanged", "rejected"]
_OPTIONAL_DATES = ("delivery_date", "insurance_expiry", "registration_date")


@dataclass
class Row:
    """A row whose cells all parsed: its spreadsheet line number and typed values (blank cells absent)."""

    line: int
    values: dict[str, Any]


@dataclass
class Planned:
    """A row ready to write: what it does and the full set of values to write."""

    line: int
    action: Action
    row: dict[str, Any]
    key: str = ""
    reading: dict[str, Any] | None = None
    replaces: str | None = None


@dataclass
class Plan:
    """A batch's planned rows and its rejections as (line, field, reason)."""

    rows: list[Planned] = field(default_factory=list)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)


class Kind(Protocol):
    """One importable file type: customers, vehicles or visits."""

    async def plan(self, session: AsyncSession, rows: list[Row]) -> Plan: ...

    async def write(self, session: AsyncSession, planned: list[Planned]) -> None: ...


def _action(old: dict[str, Any] | None, new: dict[str, Any], fields: tuple[str, ...]) -> Action:
    if old is None:
        return "insert"
    return "unchanged" if all(old[name] == new[name] for name in fields) else "update"


def _kept(values: dict[str, Any], old: dict[str, Any] | None, name: str, default: Any = None) -> Any:
    if name in values:
        return values[name]
    return old[name] if old is not None else default


def _first_seen(seen: dict[Any, int], key: Any, line: int) -> int | None:
    """The line that had `key` before, or None (and `key` is now taken by `line`)."""
    if key in seen:
        return seen[key]
    seen[key] = line
    return None


class Customers:
    """customers.csv: keyed by phone."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    async def plan(self, session: AsyncSession, rows: list[Row]) -> Plan:
        stored = await repo.customers_by_phone(session, {row.values["phone"] for row in rows})
        plan = Plan()
        for row in rows:
            values, phone = row.values, row.values["phone"]
            if (first := _first_seen(self.seen, phone, row.line)) is not None:
                plan.rejected.append((row.line, "phone", f"{phone} already appears on line {first}"))
                continue
            old = stored.get(phone)
            new = {
                "phone": phone,
                "name": _kept(values, old, "name"),
                "external_id": _kept(values, old, "external_id"),
                "reminders_opt_out": bool(values.get("reminders_opt_out") or (old and old["reminders_opt_out"])),
                "marketing_opt_out": bool(values.get("marketing_opt_out") or (old and old["marketing_opt_out"])),
            }
            plan.rows.append(Planned(row.line, _action(old, new, repo.CUSTOMER_FIELDS), new))
        return plan

    async def write(self, session: AsyncSession, planned: list[Planned]) -> None:
        await repo.upsert_customers(session, [p.row for p in planned])


class Vehicles:
    """vehicles.csv: keyed by VIN when there is one, else by plate; the owner is found by phone."""

    def __init__(self) -> None:
        self.seen_plates: dict[str, int] = {}
        self.seen_vins: dict[str, int] = {}
        self.seen_ids: dict[int, int] = {}

    def _conflict(self, row: Row, plate: str | None, vin: str | None, old: dict[str, Any] | None) -> tuple[str, str]:
        if not plate and not vin:
            return "plate", "give a plate or a VIN (or both)"
        if plate and (first := self.seen_plates.get(plate)) is not None:
            return "plate", f"{format_plate(plate)} already appears on line {first}"
        if vin and (first := self.seen_vins.get(vin)) is not None:
            return "vin", f"{vin} already appears on line {first}"
        if old is not None and (first := self.seen_ids.get(old["id"])) is not None:
            return "plate", f"line {first} already updates this vehicle"
        return "", ""

    async def plan(self, session: AsyncSession, rows: list[Row]) -> Plan:
        plates = {row.values["plate"] for row in rows if "plate" in row.values}
        vins = {row.values["vin"] for row in rows if "vin" in row.values}
        owners = await repo.customer_ids_by_phone(session, {row.values["phone"] for row in rows})
        by_plate, by_vin = await repo.vehicles_by_key(session, plates, vins)
        plan, now = Plan(), utcnow()
        for row in rows:
            values = row.values
            plate, vin, owner = values.get("plate"), values.get("vin"), owners.get(values["phone"])
            at_vin, at_plate = by_vin.get(vin or ""), by_plate.get(plate or "")
            old = at_vin or at_plate
            problem = self._conflict(row, plate, vin, old)
            if not problem[0] and owner is None:
                problem = ("phone", f"no customer with phone {values['phone']}; import customers first")
            elif not problem[0] and at_vin and at_plate and at_vin["id"] != at_plate["id"]:
                problem = ("plate", f"{format_plate(plate or '')} belongs to another vehicle (VIN {at_plate['vin']})")
            elif not problem[0] and old and vin and old["vin"] and old["vin"] != vin:
                problem = ("vin", f"{format_plate(plate or '')} is on file with VIN {old['vin']}, not {vin}")
            if problem[0]:
                plan.rejected.append((row.line, *problem))
                continue
            for seen, key in ((self.seen_plates, plate), (self.seen_vins, vin)):
                if key:
                    seen[key] = row.line
            if old is not None:
                self.seen_ids[old["id"]] = row.line
            new = {
                "customer_id": owner,
                "plate": plate or (old and old["plate"]),
                "vin": vin or (old and old["vin"]),
                **{name: values[name] for name in ("make", "model")},
                **{name: _kept(values, old, name) for name in _OPTIONAL_DATES},
                "use": _kept(values, old, "use", "household"),
                "released_at": old["released_at"] if old and old["customer_id"] == owner else None,
                "owner_imported": True,  # the dealer's own link of car and phone (/forget keeps it)
            }
            key = "vin" if (old["vin"] if old else vin) else "plate"
            action = _action(old, new, repo.VEHICLE_FIELDS)
            plan.rows.append(Planned(row.line, action, {**new, "updated_at": now}, key=key))
        return plan

    async def write(self, session: AsyncSession, planned: list[Planned]) -> None:
        for key in ("vin", "plate"):
            await repo.upsert_vehicles(session, [p.row for p in planned if p.key == key], key)


class Visits:
    """visits.csv: keyed by visit number; the car is found by plate or VIN; the km becomes an odometer reading."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.readings: dict[int, list[Reading]] = {}

    def _vehicle(self, row: Row, by_plate: dict[str, Any], by_vin: dict[str, Any]) -> tuple[Any, str, str]:
        plate, vin = row.values.get("plate"), row.values.get("vin")
        if not plate and not vin:
            return None, "plate", "give the car's plate or VIN"
        at_plate, at_vin = by_plate.get(plate or ""), by_vin.get(vin or "")
        if at_plate and at_vin and at_plate["id"] != at_vin["id"]:
            return None, "vin", f"plate {format_plate(plate or '')} and VIN {vin} are two different vehicles on file"
        if at_vin or at_plate:
            return at_vin or at_plate, "", ""
        named = " or ".join(part for part in (plate and f"plate {format_plate(plate)}", vin and f"VIN {vin}") if part)
        return None, "plate" if plate else "vin", f"no vehicle with {named}; import vehicles first"

    async def plan(self, session: AsyncSession, rows: list[Row]) -> Plan:
        plates = {row.values["plate"] for row in rows if "plate" in row.values}
        vins = {row.values["vin"] for row in rows if "vin" in row.values}
        by_plate, by_vin = await repo.vehicles_by_key(session, plates, vins)
        stored = await repo.visits_by_no(session, {row.values["visit_no"] for row in rows})
        missing = {v["id"] for v in (*by_plate.values(), *by_vin.values())} - self.readings.keys()
        for vehicle_id, found in (await repo.readings_of(session, missing)).items():
            self.readings[vehicle_id] = [Reading(*reading) for reading in found]
        plan, now = Plan(), utcnow()
        for row in rows:
            values, number = row.values, row.values["visit_no"]
            vehicle, problem_field, problem = self._vehicle(row, by_plate, by_vin)
            if vehicle is not None and (first := self.seen.get(number)) is not None:
                problem_field, problem = "visit_no", f"{number} already appears on line {first}"
            old, source = stored.get(number), f"visit:{number}"
            new: dict[str, Any] = {}
            if vehicle is not None and not problem:
                new = {
                    "visit_no": number,
                    "vehicle_id": vehicle["id"],
                    "visit_date": values["visit_date"],
                    "km": _kept(values, old, "km"),
                    "kind": _kept(values, old, "kind", "other"),
                    "work_done": _kept(values, old, "work_done"),
                    "advisor": _kept(values, old, "advisor"),
                    "completed": _kept(values, old, "completed", True),
                    "promised_at": _kept(values, old, "promised_at"),
                    "ready_at": _kept(values, old, "ready_at"),
                    "comeback": _kept(values, old, "comeback", False),
                }
                if new["km"] is not None:
                    others = [r for r in self.readings[vehicle["id"]] if r.source != source]
                    problem_field, problem = "km", reading_conflict(others, new["visit_date"], new["km"]) or ""
            if problem:
                plan.rejected.append((row.line, problem_field, problem))
                continue
            self.seen[number] = row.line
            action = _action(old, new, repo.VISIT_FIELDS)
            reading = self._remember(new, source, old)
            plan.rows.append(
                Planned(row.line, action, {**new, "updated_at": now}, reading=reading,
                        replaces=source if action == "update" else None)
            )
        return plan

    def _remember(self, new: dict[str, Any], source: str, old: dict[str, Any] | None) -> dict[str, Any] | None:
        """Keep the in-file odometer history current: the visit's own reading replaces its previous one."""
        for vehicle_id in {new["vehicle_id"], old["vehicle_id"] if old else new["vehicle_id"]}:
            if vehicle_id in self.readings:
                self.readings[vehicle_id] = [r for r in self.readings[vehicle_id] if r.source != source]
        if new["km"] is None:
            return None
        visit_date: dt.date = new["visit_date"]
        self.readings[new["vehicle_id"]].append(Reading(visit_date, new["km"], source))
        return {"vehicle_id": new["vehicle_id"], "read_on": visit_date, "km": new["km"], "source": source}

    async def write(self, session: AsyncSession, planned: list[Planned]) -> None:
        await repo.upsert_visits(
            session,
            [p.row for p in planned],
            [p.reading for p in planned if p.reading],
            [p.replaces for p in planned if p.replaces],
        )


def make_kind(name: str) -> Kind:
    """A fresh planner for one file (it remembers the keys seen in that file)."""
    return {"customers": Customers, "vehicles": Vehicles, "visits": Visits}[name]()
