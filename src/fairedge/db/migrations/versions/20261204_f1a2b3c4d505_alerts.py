"""Alerts: saved filters and deliveries (issue 11).

``alerts`` (a user's saved filter, webhook and state) and ``alert_deliveries`` (one row per alert and
opportunity: the unique pair is what sends an opportunity once per alert). Both in the default schema; the
owner is ``auth.users`` (translated away on SQLite).

Revision ID: f1a2b3c4d505
Revises: f1a2b3c4d504
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import fairedge.db.base

revision: str = "f1a2b3c4d505"
down_revision: str | None = "f1a2b3c4d504"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _when(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, fairedge.db.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # SQLite skips a foreign key to another schema: there, auth.users is the table users.
    users_id = "users.id" if op.get_bind().dialect.name == "sqlite" else "auth.users.id"
    op.create_table(
        "alerts",
        sa.Column("id", BIGINT_ID, nullable=False),
        sa.Column("user_id", BIGINT_ID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paused_reason", sa.Text(), nullable=True),
        _when("paused_at", True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("webhook_url", sa.Text(), nullable=False),
        sa.Column("kinds", JSON, nullable=False),
        sa.Column("sport", sa.String(length=64), nullable=True),
        sa.Column("league", sa.String(length=64), nullable=True),
        sa.Column("market", sa.String(length=64), nullable=True),
        sa.Column("bookmakers", JSON, nullable=False),
        sa.Column("min_ev", sa.Float(), nullable=True),
        sa.Column("min_profit_margin", sa.Float(), nullable=True),
        sa.Column("method", sa.String(length=32), nullable=True),
        _when("watermark", False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        _when("created_at", False),
        _when("updated_at", False),
        sa.CheckConstraint("status IN ('active', 'paused')", name=op.f("ck_alerts_status")),
        sa.CheckConstraint("channel IN ('generic', 'discord', 'slack')", name=op.f("ck_alerts_channel")),
        sa.ForeignKeyConstraint(
            ["user_id"], [users_id], name=op.f("fk_alerts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index(op.f("ix_alerts_user_id"), "alerts", ["user_id"], unique=False)
    op.create_table(
        "alert_deliveries",
        sa.Column("id", BIGINT_ID, nullable=False),
        sa.Column("alert_id", BIGINT_ID, nullable=False),
        sa.Column("opportunity_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at", True),
        _when("last_attempt_at", True),
        _when("delivered_at", True),
        sa.Column("response_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("payload", JSON, nullable=False),
        _when("created_at", False),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed', 'cancelled')",
            name=op.f("ck_alert_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_deliveries_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
        sa.UniqueConstraint(
            "alert_id", "opportunity_id", name=op.f("uq_alert_deliveries_alert_id_opportunity_id")
        ),
    )
    op.create_index(
        "ix_alert_deliveries_due", "alert_deliveries", ["status", "next_attempt_at"], unique=False
    )
    op.create_index(op.f("ix_alert_deliveries_created_at"), "alert_deliveries", ["created_at"], unique=False)
    op.create_index(
        op.f("ix_alert_deliveries_opportunity_id"), "alert_deliveries", ["opportunity_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_deliveries_opportunity_id"), table_name="alert_deliveries")
    op.drop_index(op.f("ix_alert_deliveries_created_at"), table_name="alert_deliveries")
    op.drop_index("ix_alert_deliveries_due", table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_index(op.f("ix_alerts_user_id"), table_name="alerts")
    op.drop_table("alerts")
