"""handled_update: the update ids already handled, so a re-delivered update is handled once (failover)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handled_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index("ix_handled_update_handled_at", "handled_update", ["handled_at"])


def downgrade() -> None:
    op.drop_index("ix_handled_update_handled_at", table_name="handled_update")
    op.drop_table("handled_update")
