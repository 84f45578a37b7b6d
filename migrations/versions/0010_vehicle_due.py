"""vehicle due: what falls due per car, kept current for the daily reminder sweep

The tables start empty and vehicle_due_state holds no rules hash, so the first sweep computes every car
(bot.core.reminders.due_store). Triggers mark a car in vehicle_due_stale whenever its facts change, whoever
writes them: on PostgreSQL once per statement (transition tables: a COPY or a batch of an import marks its cars
in one INSERT … SELECT), on SQLite per row.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The facts each table contributes to a car's due dates; an update that changes none of them marks nothing.
WATCHED = {
    "vehicle": ("id", ("make", "model", "delivery_date", "registration_date", "insurance_expiry", "use")),
    "odometer_reading": ("vehicle_id", ("vehicle_id", "read_on", "km")),
    "service_visit": ("vehicle_id", ("vehicle_id", "visit_date", "km", "kind", "completed")),
}


def upgrade() -> None:
    op.create_table(
        "vehicle_due",
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("kind_order", sa.SmallInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("odometer_on", sa.Date(), nullable=True),
        sa.Column("odometer_km", sa.Integer(), nullable=True),
        sa.Column("daily_km", sa.Float(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["vehicle_id"], ["vehicle.id"], name="fk_vehicle_due_vehicle", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("vehicle_id", "kind"),
    )
    op.create_index("ix_vehicle_due_sweep", "vehicle_due", ["due_on", "kind_order", "vehicle_id"])
    for column in ("valid_until", "valid_from"):
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(f"ix_vehicle_due_{column}", "vehicle_due", [column], sqlite_where=where,
                        postgresql_where=where)  # fmt: skip
    op.create_table("vehicle_due_stale", sa.Column("vehicle_id", sa.Integer(), autoincrement=False, nullable=False),
                    sa.PrimaryKeyConstraint("vehicle_id"))  # fmt: skip
    op.create_table(
        "vehicle_due_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _changed(columns: Sequence[str], old: str, new: str) -> str:
    return " OR ".join(f"{new}.{c} IS DISTINCT FROM {old}.{c}" for c in columns)


def _postgresql_triggers() -> None:
    for table, (car, columns) in WATCHED.items():
        mark = "INSERT INTO vehicle_due_stale (vehicle_id) SELECT DISTINCT {car} FROM {rows} WHERE {car} IS NOT NULL"
        # An update marks the car the row belongs to now and, for a reading or visit moved to another car, before.
        changed = f"FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {_changed(columns, 'o', 'n')}"
        cars = f"SELECT n.{car} {changed}" + ("" if table == "vehicle" else f" UNION SELECT o.{car} {changed}")
        op.execute(f"""
            CREATE FUNCTION vehicle_due_mark_{table}() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT
            AS $$ BEGIN
                IF TG_OP = 'INSERT' THEN
                    {mark.format(car=car, rows="new_rows")} ON CONFLICT DO NOTHING;
                ELSIF TG_OP = 'DELETE' THEN
                    {mark.format(car=car, rows="old_rows")} ON CONFLICT DO NOTHING;
                ELSE
                    INSERT INTO vehicle_due_stale (vehicle_id) SELECT c FROM ({cars}) AS t (c)
                    WHERE c IS NOT NULL ON CONFLICT DO NOTHING;
                END IF;
                RETURN NULL;
            END $$
        """)
        events = {"insert": "NEW TABLE AS new_rows", "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}
        if table != "vehicle":  # a deleted car takes its vehicle_due rows with it (ON DELETE CASCADE)
            events["delete"] = "OLD TABLE AS old_rows"
        for event, referencing in events.items():
            op.execute(
                f"CREATE TRIGGER vehicle_due_{table}_{event} AFTER {event.upper()} ON {table} "
                f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION vehicle_due_mark_{table}()"
            )


def _sqlite_triggers() -> None:
    for table, (car, columns) in WATCHED.items():
        # Not INSERT OR IGNORE: inside an upsert's DO UPDATE, SQLite applies the outer statement's conflict policy
        # (ABORT) to the trigger's statements, so a car marked twice would fail the import.
        mark = (
            "INSERT INTO vehicle_due_stale (vehicle_id) SELECT {row}.{car} WHERE {row}.{car} IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM vehicle_due_stale WHERE vehicle_id = {row}.{car});"
        )
        op.execute(
            f"CREATE TRIGGER vehicle_due_{table}_insert AFTER INSERT ON {table} "
            f"BEGIN {mark.format(row='NEW', car=car)} END"
        )
        both = mark.format(row="NEW", car=car) + ("" if table == "vehicle" else mark.format(row="OLD", car=car))
        watched = ", ".join(columns)
        op.execute(
            f"CREATE TRIGGER vehicle_due_{table}_update AFTER UPDATE OF {watched} ON {table} "
            f"WHEN {_changed(columns, 'OLD', 'NEW').replace('IS DISTINCT FROM', 'IS NOT')} BEGIN {both} END"
        )
        if table != "vehicle":
            op.execute(
                f"CREATE TRIGGER vehicle_due_{table}_delete AFTER DELETE ON {table} "
                f"BEGIN {mark.format(row='OLD', car=car)} END"
            )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED:
        for event in ("insert", "update", "delete"):
            if table == "vehicle" and event == "delete":
                continue
            op.execute(f"DROP TRIGGER IF EXISTS vehicle_due_{table}_{event}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS vehicle_due_mark_{table}()")
    op.drop_table("vehicle_due_state")
    op.drop_table("vehicle_due_stale")
    op.drop_index("ix_vehicle_due_valid_from", table_name="vehicle_due")
    op.drop_index("ix_vehicle_due_valid_until", table_name="vehicle_due")
    op.drop_index("ix_vehicle_due_sweep", table_name="vehicle_due")
    op.drop_table("vehicle_due")
