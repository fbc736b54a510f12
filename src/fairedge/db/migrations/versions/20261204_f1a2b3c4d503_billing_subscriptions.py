"""Stripe billing: customers, subscriptions, webhook events (issue 11).

Placeholder in the migration chain, filled in by the work that owns it.

Revision ID: f1a2b3c4d503
Revises: f1a2b3c4d502
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "f1a2b3c4d503"
down_revision: str | None = "f1a2b3c4d502"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
