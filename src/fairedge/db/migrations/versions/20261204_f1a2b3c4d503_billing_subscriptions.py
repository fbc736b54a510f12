"""Stripe billing: customers, subscriptions, webhook events (issue 11).

Tables in the default schema, beside ``auth.users`` they point at (on SQLite the ``auth`` schema is
translated away).

Revision ID: f1a2b3c4d503
Revises: f1a2b3c4d502
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fairedge.db.base

revision: str = "f1a2b3c4d503"
down_revision: str | None = "f1a2b3c4d502"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, fairedge.db.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # SQLite skips a foreign key to another schema: there, auth.users is the table users.
    users_id = "users.id" if op.get_bind().dialect.name == "sqlite" else "auth.users.id"
    op.create_table(
        "billing_customers",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.ForeignKeyConstraint(
            ["user_id"], [users_id], name=op.f("fk_billing_customers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_billing_customers")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_billing_customers_customer_id")),
    )
    op.create_table(
        "billing_subscriptions",
        sa.Column("id", ID, nullable=False),
        sa.Column("subscription_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("plan", sa.String(length=16), nullable=True),
        sa.Column("price_id", sa.String(length=64), nullable=True),
        _when("current_period_end", nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        _when("payment_failed_at", nullable=True),
        _when("last_event_at"),
        _when("created_at"),
        _when("updated_at"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [users_id],
            name=op.f("fk_billing_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_subscriptions")),
        sa.UniqueConstraint("subscription_id", name=op.f("uq_billing_subscriptions_subscription_id")),
    )
    op.create_index(
        op.f("ix_billing_subscriptions_customer_id"), "billing_subscriptions", ["customer_id"], unique=False
    )
    op.create_index(
        op.f("ix_billing_subscriptions_user_id"), "billing_subscriptions", ["user_id"], unique=False
    )
    op.create_table(
        "billing_webhook_events",
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        _when("created_at"),
        _when("received_at"),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("subscription_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_billing_webhook_events")),
    )
    op.create_index(
        op.f("ix_billing_webhook_events_received_at"), "billing_webhook_events", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_billing_webhook_events_received_at"), table_name="billing_webhook_events")
    op.drop_table("billing_webhook_events")
    op.drop_index(op.f("ix_billing_subscriptions_user_id"), table_name="billing_subscriptions")
    op.drop_index(op.f("ix_billing_subscriptions_customer_id"), table_name="billing_subscriptions")
    op.drop_table("billing_subscriptions")
    op.drop_table("billing_customers")
