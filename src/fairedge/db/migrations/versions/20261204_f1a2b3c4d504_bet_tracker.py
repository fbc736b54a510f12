"""Bet tracker: bets, results, settlement (issue 11).

One table in the default schema, beside ``auth.users`` it points at (on SQLite the ``auth`` schema is
translated away) and ``events`` (set to NULL when the odds retention removes the event: a bet keeps its own
copy of what it needs).

Revision ID: f1a2b3c4d504
Revises: f1a2b3c4d503
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fairedge.db.base

revision: str = "f1a2b3c4d504"
down_revision: str | None = "f1a2b3c4d503"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, fairedge.db.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    users_id = "users.id" if op.get_bind().dialect.name == "sqlite" else "auth.users.id"
    op.create_table(
        "bets",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("sport_key", sa.String(length=64), nullable=False),
        sa.Column("home_team", sa.String(length=128), nullable=False),
        sa.Column("away_team", sa.String(length=128), nullable=False),
        _when("commence_time"),
        sa.Column("market_key", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=128), nullable=False),
        sa.Column("point", sa.Float(), nullable=True),
        sa.Column("bookmaker", sa.String(length=64), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("stake", sa.Float(), nullable=False),
        _when("placed_at"),
        sa.Column("opportunity_id", ID, nullable=True),
        sa.Column("opportunity_kind", sa.String(length=16), nullable=True),
        sa.Column("ev_at_placement", sa.Float(), nullable=True),
        sa.Column("fair_prob_at_placement", sa.Float(), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("profit", sa.Float(), nullable=True),
        _when("settled_at", nullable=True),
        sa.Column("settled_by", sa.String(length=8), nullable=True),
        sa.Column("home_score", sa.Integer(), nullable=True),
        sa.Column("away_score", sa.Integer(), nullable=True),
        sa.Column("price_clv_status", sa.String(length=24), nullable=False),
        sa.Column("closing_price", sa.Float(), nullable=True),
        sa.Column("clv_price", sa.Float(), nullable=True),
        sa.Column("prob_clv_status", sa.String(length=24), nullable=False),
        sa.Column("closing_fair_prob", sa.Float(), nullable=True),
        sa.Column("clv_prob", sa.Float(), nullable=True),
        sa.Column("clv_method", sa.String(length=16), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.CheckConstraint("stake > 0", name=op.f("ck_bets_stake_positive")),
        sa.CheckConstraint("price > 1", name=op.f("ck_bets_price_above_one")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_bets_event_id_events"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], [users_id], name=op.f("fk_bets_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bets")),
    )
    op.create_index("ix_bets_open", "bets", ["result", "event_id"], unique=False)
    op.create_index("ix_bets_user_id_placed_at", "bets", ["user_id", "placed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_bets_user_id_placed_at", table_name="bets")
    op.drop_index("ix_bets_open", table_name="bets")
    op.drop_table("bets")
