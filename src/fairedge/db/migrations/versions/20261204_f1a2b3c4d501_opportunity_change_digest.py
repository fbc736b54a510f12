"""Opportunity change digest for the live stream (issue 8).

``opportunities.digest``: a stable 64-bit hash of the values an opportunity is served with (every column the
scan writes except the instants ``confirmed_at`` and ``book_updated_at``). The scan compares it with the
digest it computes for the same key to tell an opportunity whose values changed (sent on the live stream as
``updated``) from one merely confirmed again (``confirmed``). Rows written before this revision have none and
read as changed at the next scan.

Revision ID: f1a2b3c4d501
Revises: e5b7c9d1f203
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1a2b3c4d501"
down_revision: str | None = "e5b7c9d1f203"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("opportunities") as batch:
        batch.add_column(sa.Column("digest", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("opportunities") as batch:
        batch.drop_column("digest")
