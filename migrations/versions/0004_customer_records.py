"""customer records: phone and opt-outs on customer; vehicle, odometer_reading, service_visit

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    # batch_alter_table: SQLite cannot alter a column's nullability in place, so the table is copied.
    with op.batch_alter_table("customer") as batch:
        batch.alter_column("telegram_user_id", existing_type=sa.BigInteger(), nullable=True)
        batch.alter_column("chat_id", existing_type=sa.BigInteger(), nullable=True)
        batch.add_column(sa.Column("phone", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("name", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reminders_opt_out", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("marketing_opt_out", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.create_unique_constraint("uq_customer_phone", ["phone"])
        batch.create_index("ix_customer_external_id", ["external_id"])
    op.create_table(
        "vehicle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("plate", sa.String(length=16), nullable=True),
        sa.Column("vin", sa.String(length=17), nullable=True),
        sa.Column("make", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=True),
        sa.Column("use", sa.String(length=16), server_default="household", nullable=False),
        sa.Column("insurance_expiry", sa.Date(), nullable=True),
        sa.Column("registration_date", sa.Date(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name="fk_vehicle_customer", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plate", name="uq_vehicle_plate"),
        sa.UniqueConstraint("vin", name="uq_vehicle_vin"),
    )
    op.create_index("ix_vehicle_customer_id", "vehicle", ["customer_id"])
    op.create_table(
        "odometer_reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("read_on", sa.Date(), nullable=False),
        sa.Column("km", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["vehicle_id"], ["vehicle.id"], name="fk_odometer_vehicle", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vehicle_id", "read_on", "km", name="uq_odometer_reading"),
    )
    op.create_table(
        "service_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_no", sa.String(length=64), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("km", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("work_done", sa.Text(), nullable=True),
        sa.Column("advisor", sa.String(length=64), nullable=True),
        sa.Column("completed", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["vehicle_id"], ["vehicle.id"], name="fk_service_visit_vehicle", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("visit_no", name="uq_service_visit_visit_no"),
    )
    op.create_index("ix_service_visit_vehicle_date", "service_visit", ["vehicle_id", "visit_date"])


def downgrade() -> None:

    op.drop_index("ix_service_visit_vehicle_date", table_name="service_visit")
    op.drop_table("service_visit")
    op.drop_table("odometer_reading")
    op.drop_index("ix_vehicle_customer_id", table_name="vehicle")
    op.drop_table("vehicle")
    # Customers without Telegram ids (imported, never linked) cannot survive the NOT NULL columns of 0003.
    op.execute("DELETE FROM customer WHERE telegram_user_id IS NULL OR chat_id IS NULL")
    with op.batch_alter_table("customer") as batch:
        batch.drop_index("ix_customer_external_id")
        batch.drop_constraint("uq_customer_phone", type_="unique")
        for column in ("marketing_opt_out", "reminders_opt_out", "consent_at", "external_id", "name", "phone"):
            batch.drop_column(column)
        batch.alter_column("chat_id", existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column("telegram_user_id", existing_type=sa.BigInteger(), nullable=False)
