"""integrity: a draft key on appointments and roadside requests (a double tap stores one row); forgotten
customers (a bare row keeps their opt-outs); the day a car claimed in the chat changed hands

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = {"appointment": "uq_appointment_draft_key", "roadside_request": "uq_roadside_draft_key"}


def upgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("vehicle", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_since", sa.Date(), nullable=True))
    for table, constraint in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("draft_key", sa.String(length=40), nullable=True))
            batch_op.create_unique_constraint(constraint, ["draft_key"])


def downgrade() -> None:
    for table, constraint in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(constraint, type_="unique")
            batch_op.drop_column("draft_key")
    with op.batch_alter_table("vehicle", schema=None) as batch_op:
        batch_op.drop_column("owner_since")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("forgotten_at")
