"""The Odds API feed's state (credits per day, each sport's plan, pause and quota) and closing lines.

``odds_api_credits``: the budget's ledger, credits spent per UTC day. ``odds_feed_sports``: each polled
sport's cadence, why, and its last successful refresh. ``odds_feed_state``: one row, the pause, the keys
refused (by digest, never the key) and the last quota headers. ``closing_captures`` / ``closing_quotes`` /
``closing_fair_lines``: each book's last quote before an event started and the fair line at that moment
per devig method, deleted with their event.

Revision ID: e5b7c9d1f203
Revises: d7a3e5b90c12
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from fairedge.db.base import UTCDateTime

revision: str = "e5b7c9d1f203"
down_revision: str | None = "d7a3e5b90c12"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def _event_id(table: str) -> list[Any]:
    return [
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f(f"fk_{table}_event_id_events"), ondelete="CASCADE"
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "odds_api_credits",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_odds_api_credits")),
    )
    op.create_table(
        "odds_feed_sports",
        sa.Column("sport_key", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("cadence_seconds", sa.Float(), nullable=False),
        sa.Column("base_cadence_seconds", sa.Float(), nullable=False),
        sa.Column("events_soon", sa.Integer(), nullable=False),
        sa.Column("events_live", sa.Integer(), nullable=False),
        _when("next_commence", nullable=True),
        sa.Column("cycle_cost", sa.Integer(), nullable=False),
        _when("tracked_since"),
        _when("planned_at"),
        _when("last_refresh_at", nullable=True),
        sa.PrimaryKeyConstraint("sport_key", name=op.f("pk_odds_feed_sports")),
    )
    op.create_table(
        "odds_feed_state",
        sa.Column("id", sa.Integer(), nullable=False),
        _when("paused_at", nullable=True),
        sa.Column("pause_reason", sa.String(length=32), nullable=True),
        _when("last_probe_at", nullable=True),
        sa.Column("refused_keys", JSON, nullable=False),
        sa.Column("quota_remaining", sa.Integer(), nullable=True),
        sa.Column("quota_used", sa.Integer(), nullable=True),
        sa.Column("quota_last", sa.Integer(), nullable=True),
        _when("quota_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odds_feed_state")),
    )
    op.create_table(
        "closing_captures",
        *_event_id("closing_captures"),
        _when("commence_time"),
        _when("captured_at"),
        sa.Column("quotes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_closing_captures")),
    )
    op.create_table(
        "closing_quotes",
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("bookmaker_id", sa.Integer(), nullable=False),
        *_event_id("closing_quotes"),
        sa.Column("price_0", sa.Float(), nullable=False),
        sa.Column("price_1", sa.Float(), nullable=False),
        sa.Column("price_2", sa.Float(), nullable=True),
        _when("first_seen"),
        _when("confirmed_at"),
        sa.PrimaryKeyConstraint("market_id", "bookmaker_id", name=op.f("pk_closing_quotes")),
    )
    op.create_index(op.f("ix_closing_quotes_event_id"), "closing_quotes", ["event_id"])
    op.create_table(
        "closing_fair_lines",
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        *_event_id("closing_fair_lines"),
        sa.Column("prob_0", sa.Float(), nullable=True),
        sa.Column("prob_1", sa.Float(), nullable=True),
        sa.Column("prob_2", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("sharp_books", JSON, nullable=False),
        sa.PrimaryKeyConstraint("market_id", "method", name=op.f("pk_closing_fair_lines")),
    )
    op.create_index(op.f("ix_closing_fair_lines_event_id"), "closing_fair_lines", ["event_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_closing_fair_lines_event_id"), table_name="closing_fair_lines")
    op.drop_table("closing_fair_lines")
    op.drop_index(op.f("ix_closing_quotes_event_id"), table_name="closing_quotes")
    op.drop_table("closing_quotes")
    op.drop_table("closing_captures")
    op.drop_table("odds_feed_state")
    op.drop_table("odds_feed_sports")
    op.drop_table("odds_api_credits")
