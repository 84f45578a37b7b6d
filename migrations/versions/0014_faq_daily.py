"""faq_daily: the FAQ's outcomes counted per day (anonymous), for /stats' answered / did-you-mean / fallback rates

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "faq_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "decision"),
    )


def downgrade() -> None:
    op.drop_table("faq_daily")
