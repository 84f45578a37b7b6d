"""roadside_message: the advisors' group messages of a roadside request (its alert, the location, the customer's
messages relayed under it, the advisors' replies), so an advisor's reply to any of them reaches the customer; no
personal data, so a row outlives its request (/forget) and a reply to it is told the request is gone

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "roadside_message",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["roadside_request.id"], name="fk_roadside_message_request", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("chat_id", "message_id", name="pk_roadside_message"),
    )
    op.create_index("ix_roadside_message_request", "roadside_message", ["request_id"], unique=False)
    # Nothing to copy: alerts sent before are found by roadside_request.alert_message_id (the group's id is
    # configuration, not in the database).


def downgrade() -> None:
    op.drop_index("ix_roadside_message_request", table_name="roadside_message")
    op.drop_table("roadside_message")
