"""User preferences for the web app (issue 9).

``auth.users.preferences``: JSON (JSONB on PostgreSQL), null until the user sets one; only what the user
set is stored (bankroll, kelly_fraction, odds_format, theme, default_filters), the defaults are filled in
when served.

Revision ID: f1a2b3c4d502
Revises: f1a2b3c4d501
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "f1a2b3c4d502"
down_revision: str | None = "f1a2b3c4d501"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _auth() -> str | None:
    # ALTER is not schema-translated: on SQLite auth.users is plain users (db/engine.py).
    return "auth" if op.get_bind().dialect.name == "postgresql" else None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column(
            "preferences",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        schema=_auth(),
    )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=_auth()) as batch_op:
        batch_op.drop_column("preferences")
