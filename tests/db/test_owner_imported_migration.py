"""Migration 0015 marks the cars already owned whose owner link is the dealer's, so /forget keeps them on the
dealer's record: not a car claimed in the chat (owner_since), nor one registered there (it starts with a reading
typed in the chat and has no visit from the dealer's system)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from bot.db.common.migrate import upgrade


def test_cars_already_owned_are_marked_by_where_their_owner_link_came_from(tmp_path: Path) -> None:
    path = tmp_path / "0014.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "0014")
    cars = {  # plate: (owner, owner_since, readings' sources, visits)
        "IMPORTED": (1, None, ["visit:RO-1"], 1),
        "IMPORTED_TYPED": (1, None, ["customer"], 1),  # a visit: the dealer's, though they typed a reading
        "IMPORTED_BARE": (1, None, [], 0),  # no history yet
        "REGISTERED": (1, None, ["customer"], 0),  # registered in the chat
        "CLAIMED": (1, "2026-11-01", ["visit:RO-2", "customer"], 1),  # claimed in the chat from no owner
        "NO_OWNER": (None, None, ["visit:RO-3"], 1),
    }
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("INSERT INTO customer (id, phone) VALUES (1, '+8613800000001')")
        for number, (plate, (owner, since, sources, visits)) in enumerate(cars.items(), start=1):
            db.execute("INSERT INTO vehicle (id, customer_id, plate, make, model, owner_since) "
                       "VALUES (?, ?, ?, 'Honda', 'Accord', ?)", (number, owner, plate, since))  # fmt: skip
            for km, source in enumerate(sources, start=1):
                db.execute("INSERT INTO odometer_reading (vehicle_id, read_on, km, source) "
                           "VALUES (?, '2026-01-01', ?, ?)", (number, km * 1000, source))  # fmt: skip
            for visit in range(visits):
                db.execute("INSERT INTO service_visit (visit_no, vehicle_id, visit_date, kind, completed, comeback) "
                           "VALUES (?, ?, '2026-01-01', 'maintenance', 1, 0)",
                           (f"{plate}-{visit}", number))  # fmt: skip
    upgrade(url)
    with closing(sqlite3.connect(path)) as db:
        marked = dict(db.execute("SELECT plate, owner_imported FROM vehicle").fetchall())
        kept = [db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("odometer_reading", "service_visit")]
    assert kept == [6, 4]  # the column is added in place: copying the table would have cascaded to these
    assert marked == {"IMPORTED": 1, "IMPORTED_TYPED": 1, "IMPORTED_BARE": 1, "REGISTERED": 0, "CLAIMED": 0,
                      "NO_OWNER": 0}  # fmt: skip
