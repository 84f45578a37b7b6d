"""owner_imported: whether a car's owner link is the dealer's (its vehicles.csv, by the owner's phone) or a
claim made in the chat, so /forget leaves the dealer's cars on the dealer's customer record

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch: on SQLite a batch copies the table and drops the old one, and with
    # foreign keys on, dropping `vehicle` deletes every row that cascades from it (readings, visits, bookings).
    op.add_column("vehicle", sa.Column("owner_imported", sa.Boolean(), server_default=sa.false(), nullable=False))
    # Cars already owned: the dealer's unless claimed in the chat (owner_since) or registered there (a car
    # registered in the chat starts with the reading typed there and has no visit from the dealer's system).
    # A car this guesses wrong is put right by the next vehicles.csv import, which marks every car it writes.
    vehicle = sa.table("vehicle", sa.column("id"), sa.column("customer_id"), sa.column("owner_since"),
                       sa.column("owner_imported"))  # fmt: skip
    visit = sa.table("service_visit", sa.column("vehicle_id"))
    reading = sa.table("odometer_reading", sa.column("vehicle_id"), sa.column("source"))
    has_visit = sa.exists().where(visit.c.vehicle_id == vehicle.c.id)
    typed = sa.exists().where(reading.c.vehicle_id == vehicle.c.id, reading.c.source == "customer")
    op.execute(
        vehicle.update()
        .where(vehicle.c.customer_id.is_not(None), vehicle.c.owner_since.is_(None), sa.or_(has_visit, ~typed))
        .values(owner_imported=sa.true())
    )


def downgrade() -> None:
    op.drop_column("vehicle", "owner_imported")  # SQLite 3.35+ drops a column in place (no copy, see above)
