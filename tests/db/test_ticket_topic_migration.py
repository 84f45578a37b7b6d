"""Migration 0017 lists the topics of the tickets there are (the latest ticket of a topic, as by_topic finds it), so
an advisor who writes in one after its customer's /forget is told the conversation is gone; /forget then leaves the
topic's id linked to nothing (ON DELETE SET NULL), with no time and no name."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from bot.db.common.migrate import upgrade


def test_existing_ticket_topics_are_listed_and_outlive_their_tickets(tmp_path: Path) -> None:
    path = tmp_path / "0016.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "0016")
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("INSERT INTO customer (id, telegram_user_id) VALUES (1, 501), (2, 502)")
        tickets = [(1, 1, 40), (2, 2, 41), (3, 2, 41), (4, 2, None)]  # id, customer, topic (two tickets in 41)
        db.executemany("INSERT INTO ticket (id, customer_id, kind, trigger, status, topic_id) "
                       "VALUES (?, ?, 'handoff', 'menu', 'closed', ?)", tickets)  # fmt: skip
    upgrade(url)
    with closing(sqlite3.connect(path)) as db, db:
        assert sorted(db.execute("SELECT topic_id, ticket_id FROM ticket_topic").fetchall()) == [(40, 1), (41, 3)]
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("DELETE FROM customer WHERE id = 2")  # as /forget deletes the customer row (tickets cascade)
        rows = sorted(db.execute("SELECT * FROM ticket_topic").fetchall())
    assert rows == [(40, 1), (41, None)]  # the topic's id alone is kept: nothing else to keep
