"""secure: a generated CALLBACK_SECRET shared by the replicas; the asker of an FAQ miss / learned pair for /forget

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 16:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deployment_secret",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    for table in ("faq_miss", "faq_learned"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("asked_by", sa.BigInteger(), nullable=True))
            batch.create_index(f"ix_{table}_asked_by", ["asked_by"])


def downgrade() -> None:
    for table in ("faq_miss", "faq_learned"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_asked_by")
            batch.drop_column("asked_by")
    op.drop_table("deployment_secret")
