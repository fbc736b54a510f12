"""User preferences: ``kelly_fraction`` becomes ``kelly_multiplier`` (one name, one meaning).

An opportunity's ``kelly_fraction`` is the full-Kelly share of the bankroll; the preference is the multiplier
applied to it (0.25 = quarter Kelly), so it gets its own name. Every stored ``auth.users.preferences``
document has the key renamed, the value unchanged; the downgrade renames it back.

Revision ID: f1a2b3c4d506
Revises: f1a2b3c4d505
Create Date: 2026-12-02 18:45:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from fairedge.db.base import PortableJSON

revision: str = "f1a2b3c4d506"
down_revision: str | None = "f1a2b3c4d505"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rename_key(old: str, new: str) -> None:
    # Read and rewritten in Python: the same code on SQLite and PostgreSQL (JSON and JSONB).
    bind = op.get_bind()
    users = sa.table(
        "users",
        sa.column("id", sa.BigInteger()),
        sa.column("preferences", PortableJSON),
        schema="auth" if bind.dialect.name == "postgresql" else None,  # auth.users is users on SQLite
    )
    rows = bind.execute(sa.select(users.c.id, users.c.preferences)).all()
    changed: list[dict[str, Any]] = []
    for row in rows:
        stored = row.preferences
        if isinstance(stored, dict) and old in stored:
            renamed = {new if key == old else key: value for key, value in stored.items()}
            changed.append({"row_id": row.id, "renamed": renamed})
    if changed:
        stmt = (
            users.update()
            .where(users.c.id == sa.bindparam("row_id"))
            .values(preferences=sa.bindparam("renamed", type_=PortableJSON))
        )
        bind.execute(stmt, changed)


def upgrade() -> None:
    _rename_key("kelly_fraction", "kelly_multiplier")


def downgrade() -> None:
    _rename_key("kelly_multiplier", "kelly_fraction")
