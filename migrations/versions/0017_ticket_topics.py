"""ticket_topic: the forum topics the bot opened for tickets, so an advisor who writes in the topic of a ticket
that went with its customer (/forget) is told the conversation is gone instead of hearing nothing; no personal
data and no time, so a row outlives its ticket (its ticket_id becomes NULL)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 20:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_topic",
        sa.Column("topic_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_ticket_topic_ticket", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("topic_id"),
    )
    op.create_index("ix_ticket_topic_ticket", "ticket_topic", ["ticket_id"], unique=False)
    # The topics of the tickets there are now (the latest ticket of a topic, as ticket_repo.by_topic finds it);
    # those whose tickets /forget already deleted left nothing to find them by.
    op.execute(
        "INSERT INTO ticket_topic (topic_id, ticket_id) SELECT topic_id, MAX(id) FROM ticket"
        " WHERE topic_id IS NOT NULL GROUP BY topic_id"
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_topic_ticket", table_name="ticket_topic")
    op.drop_table("ticket_topic")
