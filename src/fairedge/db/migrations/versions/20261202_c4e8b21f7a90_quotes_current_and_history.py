"""Odds store by quote: ``current_quotes`` updated in place, ``quote_history`` append-only; ``prices`` goes.

A quote is one book's prices for every outcome of one market. ``prices`` kept a row per outcome and closed
it with an UPDATE when it changed; now the board is one row per (market, book), updated in place (HOT:
no indexed column changes), and a quote that ends is appended once to the history.

Data, upgrade: the current quotes are the current price rows grouped by (market, book). Past quotes are
rebuilt from the price rows: a quote period starts at every time any outcome's price started; at that
time each outcome's price is its latest row started then or before (a running max per outcome, then an
equality join: no range join); the period ended when the first of those rows ended, and was last seen
when that row was. Downgrade writes one price row per outcome of every quote (an outcome whose price did
not change in a quote change gets a row of its own per quote).

Revision ID: c4e8b21f7a90
Revises: a1f0c3d2e001
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from fairedge.db.base import UTCDateTime

revision: str = "c4e8b21f7a90"
down_revision: str | None = "a1f0c3d2e001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _quote_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("bookmaker_id", sa.Integer(), nullable=False),
        sa.Column("price_0", sa.Float(), nullable=False),
        sa.Column("price_1", sa.Float(), nullable=False),
        sa.Column("price_2", sa.Float(), nullable=True),
        sa.Column("first_seen", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_update", UTCDateTime(timezone=True), nullable=False),
    ]


def _by_outcome(column: str, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(
        f"max(CASE WHEN {prefix}outcome_index = {k} THEN {prefix}{column} END) AS {column}_{k}"
        for k in range(3)
    )


CURRENT_FROM_PRICES = f"""
INSERT INTO current_quotes (market_id, bookmaker_id, price_0, price_1, price_2, first_seen, last_update)
SELECT market_id, bookmaker_id, price_0, price_1, price_2, first_seen, last_update FROM (
    SELECT market_id, bookmaker_id, {_by_outcome("price")},
           max(first_seen) AS first_seen, max(coalesce(last_update, first_seen)) AS last_update
    FROM prices WHERE superseded_at IS NULL
    GROUP BY market_id, bookmaker_id
) AS q
WHERE price_0 IS NOT NULL AND price_1 IS NOT NULL
"""

HISTORY_FROM_PRICES = f"""
INSERT INTO quote_history
    (market_id, bookmaker_id, price_0, price_1, price_2, first_seen, last_update, last_seen, superseded_at)
WITH starts AS (
    SELECT market_id, bookmaker_id, first_seen AS t,
           max(CASE WHEN outcome_index = 0 THEN first_seen END) AS s0,
           max(CASE WHEN outcome_index = 1 THEN first_seen END) AS s1,
           max(CASE WHEN outcome_index = 2 THEN first_seen END) AS s2
    FROM prices GROUP BY market_id, bookmaker_id, first_seen
), running AS (
    SELECT market_id, bookmaker_id, t,
           max(s0) OVER w AS s0, max(s1) OVER w AS s1, max(s2) OVER w AS s2
    FROM starts
    WINDOW w AS (PARTITION BY market_id, bookmaker_id ORDER BY t ROWS UNBOUNDED PRECEDING)
), covering AS (
    SELECT r.market_id, r.bookmaker_id, r.t, p.outcome_index, p.price, p.last_update, p.first_seen,
           p.last_seen, p.superseded_at
    FROM running AS r JOIN prices AS p ON p.market_id = r.market_id AND p.bookmaker_id = r.bookmaker_id
         AND p.outcome_index = 0 AND p.first_seen = r.s0
    UNION ALL
    SELECT r.market_id, r.bookmaker_id, r.t, p.outcome_index, p.price, p.last_update, p.first_seen,
           p.last_seen, p.superseded_at
    FROM running AS r JOIN prices AS p ON p.market_id = r.market_id AND p.bookmaker_id = r.bookmaker_id
         AND p.outcome_index = 1 AND p.first_seen = r.s1
    UNION ALL
    SELECT r.market_id, r.bookmaker_id, r.t, p.outcome_index, p.price, p.last_update, p.first_seen,
           p.last_seen, p.superseded_at
    FROM running AS r JOIN prices AS p ON p.market_id = r.market_id AND p.bookmaker_id = r.bookmaker_id
         AND p.outcome_index = 2 AND p.first_seen = r.s2
), periods AS (
    SELECT market_id, bookmaker_id, t, {_by_outcome("price")},
           max(coalesce(last_update, first_seen)) AS last_update,
           coalesce(min(last_seen), min(superseded_at)) AS last_seen,
           min(superseded_at) AS superseded_at,
           min(CASE WHEN superseded_at IS NULL OR superseded_at > t THEN 1 ELSE 0 END) AS alive
    FROM covering GROUP BY market_id, bookmaker_id, t
)
SELECT market_id, bookmaker_id, price_0, price_1, price_2, t, last_update, last_seen, superseded_at
FROM periods
WHERE superseded_at IS NOT NULL AND alive = 1 AND price_0 IS NOT NULL AND price_1 IS NOT NULL
"""


def upgrade() -> None:
    op.create_table(
        "current_quotes",
        *_quote_columns(),
        sa.PrimaryKeyConstraint("market_id", "bookmaker_id", name=op.f("pk_current_quotes")),
        postgresql_with={"fillfactor": 50},
    )
    op.create_table(  # no primary key: see QuoteHistory
        "quote_history",
        *_quote_columns(),
        sa.Column("last_seen", UTCDateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.execute(CURRENT_FROM_PRICES)
    op.execute(HISTORY_FROM_PRICES)
    with op.batch_alter_table("quote_history") as batch:  # after the data: one index build, not 1 per row
        batch.create_index("ix_quote_history_market_id", ["market_id"], unique=False)
    with op.batch_alter_table("prices") as batch:
        batch.drop_index("ix_prices_history")
        batch.drop_index(
            "ix_prices_current",
            postgresql_where=sa.text("superseded_at IS NULL"),
            sqlite_where=sa.text("superseded_at IS NULL"),
        )
    op.drop_table("prices")


PRICES_FROM_QUOTES = " UNION ALL ".join(
    f"SELECT market_id, bookmaker_id, {k}, price_{k}, first_seen, last_update, {ended} FROM {table}"
    + (" WHERE price_2 IS NOT NULL" if k == 2 else "")
    for table, ended in (("quote_history", "last_seen, superseded_at"), ("current_quotes", "NULL, NULL"))
    for k in range(3)
)


def downgrade() -> None:
    op.create_table(
        "prices",
        sa.Column("id", ID, nullable=False),
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("bookmaker_id", sa.Integer(), nullable=False),
        sa.Column("outcome_index", sa.SmallInteger(), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("first_seen", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_update", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_seen", UTCDateTime(timezone=True), nullable=True),
        sa.Column("superseded_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prices")),
    )
    op.execute(
        "INSERT INTO prices (market_id, bookmaker_id, outcome_index, price, first_seen, last_update, "
        f"last_seen, superseded_at) {PRICES_FROM_QUOTES}"
    )
    with op.batch_alter_table("prices") as batch:
        batch.create_index(
            "ix_prices_current",
            ["market_id", "bookmaker_id", "outcome_index"],
            unique=True,
            postgresql_where=sa.text("superseded_at IS NULL"),
            postgresql_include=["price", "first_seen", "last_update", "id"],
            sqlite_where=sa.text("superseded_at IS NULL"),
        )
        batch.create_index("ix_prices_history", ["market_id", "first_seen"], unique=False)
    with op.batch_alter_table("quote_history") as batch:
        batch.drop_index("ix_quote_history_market_id")
    op.drop_table("quote_history")
    op.drop_table("current_quotes")
