"""Alerts: webhook URLs encrypted at rest (a Discord or Slack webhook URL is a bearer secret).

``alerts.webhook_url`` (plain text) becomes ``alerts.webhook_ciphertext``: the same column renamed, each URL
replaced by its Fernet token under the key the secrets store derives from ``SECRET_KEY``
(``fairedge.secretstore.store.fernet_for``). The rename makes any reader of the old name fail instead of
posting ciphertext; a rename keeps SQLite from rebuilding ``alerts``, whose rebuild would cascade-delete the
deliveries. The downgrade decrypts every URL first, then renames the column back.

SECRET_KEY comes from the same settings the app reads (the environment and ``.env``, ``get_settings()``, as
env.py reads DATABASE_URL): run ``fairedge db upgrade`` with the production SECRET_KEY. URLs sealed under
another key cannot be read by the processes that deliver alerts: they log ``alert_webhook_unreadable``
and leave those deliveries pending (nothing lost, the alerts stay active); running the processes with the key
used here, or the owner saving the URL again, resumes delivery. A downgrade with another key stops before
changing anything.

Revision ID: f1a2b3c4d507
Revises: f1a2b3c4d506
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import InvalidToken

from fairedge.config import get_settings
from fairedge.secretstore.store import fernet_for

revision: str = "f1a2b3c4d507"
down_revision: str | None = "f1a2b3c4d506"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rewrite(column: str, convert: Callable[[str], str]) -> None:
    """Every alert's ``column`` replaced by ``convert`` of it, all converted before any is written."""
    bind = op.get_bind()
    alerts = sa.table("alerts", sa.column("id", sa.BigInteger()), sa.column(column, sa.Text()))
    rows = bind.execute(sa.select(alerts.c.id, alerts.c[column])).all()
    if not rows:
        return
    changed = [{"row_id": row_id, "value": convert(value)} for row_id, value in rows]
    bind.execute(
        alerts.update().where(alerts.c.id == sa.bindparam("row_id")).values({column: sa.bindparam("value")}),
        changed,
    )


def upgrade() -> None:
    fernet = fernet_for(get_settings().SECRET_KEY.get_secret_value())
    _rewrite("webhook_url", lambda url: fernet.encrypt(url.encode()).decode())
    op.alter_column(
        "alerts",
        "webhook_url",
        new_column_name="webhook_ciphertext",
        existing_type=sa.Text(),
        existing_nullable=False,
    )


def downgrade() -> None:
    fernet = fernet_for(get_settings().SECRET_KEY.get_secret_value())

    def decrypt(token: str) -> str:
        try:
            return fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise RuntimeError(
                "an alert's webhook URL was encrypted under another SECRET_KEY: downgrade with the key that "
                "encrypted it"
            ) from None

    _rewrite("webhook_ciphertext", decrypt)
    op.alter_column(
        "alerts",
        "webhook_ciphertext",
        new_column_name="webhook_url",
        existing_type=sa.Text(),
        existing_nullable=False,
    )
