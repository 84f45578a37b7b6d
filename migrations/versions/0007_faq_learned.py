"""faq_learned: (question → entry) pairs customers confirmed, reviewed with `kb learn` (issue 14)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "faq_learned",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("normalized", sa.String(length=512), nullable=False),
        sa.Column("question", sa.String(length=1024), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("normalized", "lang", "entry_id", "source", name="uq_faq_learned_pair"),
    )


def downgrade() -> None:
    op.drop_table("faq_learned")
