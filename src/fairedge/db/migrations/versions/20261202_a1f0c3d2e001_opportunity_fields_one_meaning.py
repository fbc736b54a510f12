"""Opportunities: one name, one meaning, one unit; structured legs; instants instead of stored ages.

- ``ev`` stays EV per unit staked (+EV bets, middles); arbitrage gets ``profit_margin`` = 1/Σ(1/d) − 1
  (the old ``ev`` of an arbitrage was 1 − Σ(1/d)); middles get ``hit_probability`` (was ``fair_prob``) and
  ``max_loss`` (a share of the stake).
- ``legs`` (JSON) replaces the ``bookmaker``/``outcome``/``point``/``price`` strings and the ``details`` blob;
  stakes become shares of the total stake and payouts per unit of total stake (were per 100 bankroll).
- No foreign keys to events and markets (their per-row checks were a third of writing a scan), and plain JSON
  rather than JSONB for ``legs``/``sharp_books`` on PostgreSQL (written every scan, read whole).
- ``confirmed_at``/``book_updated_at`` replace ``quote_age_seconds``: an old row's instant is its last scan
  minus the age it had then (the best the old data knows). Ended rows get ``end_reason`` ``gone``.

Revision ID: a1f0c3d2e001
Revises: 93905fefb17f
Create Date: 2026-12-02 06:40:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from fairedge.db.base import PortableJSON, UTCDateTime

revision: str = "a1f0c3d2e001"
down_revision: str | None = "93905fefb17f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, type); added nullable, then NOT NULL where listed below once the data is in.
NEW_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("legs", sa.JSON()),
    ("kelly_fraction", sa.Float()),
    ("fair_source", sa.String(length=16)),
    ("profit_margin", sa.Float()),
    ("hit_probability", sa.Float()),
    ("max_loss", sa.Float()),
    ("window_low", sa.Float()),
    ("window_high", sa.Float()),
    ("axis", sa.String(length=16)),
    ("confirmed_at", UTCDateTime(timezone=True)),
    ("book_updated_at", UTCDateTime(timezone=True)),
    ("end_reason", sa.String(length=16)),
)
OLD_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("outcome", sa.String(length=255)),
    ("point", sa.Float()),
    ("bookmaker", sa.String(length=255)),
    ("price", sa.Float()),
    ("kelly", sa.Float()),
    ("quote_age_seconds", sa.Float()),
    ("details", PortableJSON),
)
NOT_NULL_NEW = ("legs", "confirmed_at", "book_updated_at")
NOT_NULL_OLD = ("outcome", "bookmaker", "price", "quote_age_seconds", "details")


def _table() -> Any:
    """Every column either revision has, typed, for reading and writing data in both directions."""
    return sa.table(
        "opportunities",
        sa.column("id", sa.BigInteger()),
        sa.column("kind", sa.String()),
        sa.column("ev", sa.Float()),
        sa.column("fair_prob", sa.Float()),
        sa.column("last_seen", UTCDateTime()),
        sa.column("ended_at", UTCDateTime()),
        sa.column("market_id", sa.Integer()),
        *(sa.column(name, type_) for name, type_ in (*NEW_COLUMNS, *OLD_COLUMNS)),
    )


def _legs_from_old(row: Any) -> list[dict[str, Any]]:
    details = row.details or {}
    if row.kind == "ev":
        net = details.get("net_price", row.price)
        return [
            {
                "bookmaker": row.bookmaker,
                "market_id": row.market_id,
                "outcome_index": 0,
                "outcome": row.outcome,
                "point": row.point,
                "price": row.price,
                "net_price": net,
                "stake": 1.0,
                "payout": net,
            }
        ]
    bankroll = float(details.get("bankroll") or 100.0)
    legs = []
    for leg in details.get("legs", []):
        stake = float(leg.get("stake", 0.0)) / bankroll
        net = float(leg.get("net_price", leg.get("price", 0.0)))
        legs.append(
            {
                "bookmaker": leg.get("bookmaker"),
                "market_id": leg.get("market_id", row.market_id),
                "outcome_index": leg.get("outcome_index", 0),
                "outcome": leg.get("outcome", ""),
                "point": leg.get("point"),
                "price": leg.get("price"),
                "net_price": net,
                "stake": stake,
                "payout": float(leg["payout"]) / bankroll if "payout" in leg else stake * net,
            }
        )
    return legs


def _upgrade_values(row: Any) -> dict[str, Any]:
    details = row.details or {}
    confirmed = row.last_seen - timedelta(seconds=row.quote_age_seconds or 0.0)
    values: dict[str, Any] = {
        "id": row.id,
        "legs": _legs_from_old(row),
        "confirmed_at": confirmed,
        "book_updated_at": confirmed,
        "end_reason": "gone" if row.ended_at is not None else None,
        "kelly_fraction": None,
        "fair_source": None,
        "profit_margin": None,
        "hit_probability": None,
        "max_loss": None,
        "window_low": None,
        "window_high": None,
        "axis": None,
        "ev": row.ev,
        "fair_prob": row.fair_prob,
    }
    if row.kind == "ev":
        values["kelly_fraction"] = row.kelly
        values["fair_source"] = details.get("source", "sharp")
    elif row.kind == "arbitrage":
        booksum = 1.0 - row.ev  # the old value was 1 − Σ(1/d)
        values.update(ev=None, fair_prob=None, profit_margin=1.0 / booksum - 1.0)
    else:
        bankroll = float(details.get("bankroll") or 100.0)
        hit = details.get("hit_probability")
        window = details.get("window") or [None, None]
        values.update(
            ev=row.ev if hit is not None else None,
            fair_prob=None,
            hit_probability=hit,
            max_loss=-float(details.get("loss_if_not", 0.0)) / bankroll,
            window_low=window[0],
            window_high=window[1],
            axis=details.get("axis", "total"),
            fair_source="sharp" if hit is not None else None,
        )
    return values


def _downgrade_values(row: Any) -> dict[str, Any]:
    legs = row.legs or []
    first = legs[0] if legs else {}
    values: dict[str, Any] = {
        "id": row.id,
        "outcome": " / ".join(str(leg.get("outcome", "")) for leg in legs),
        "point": first.get("point"),
        "bookmaker": " / ".join(str(leg.get("bookmaker", "")) for leg in legs),
        "price": first.get("price", 0.0),
        "kelly": row.kelly_fraction,
        "quote_age_seconds": max((row.last_seen - row.confirmed_at).total_seconds(), 0.0),
        "ev": row.ev,
        "fair_prob": row.fair_prob,
    }
    bankroll = 100.0
    money_legs = [
        {**leg, "stake": leg["stake"] * bankroll, "payout": leg["payout"] * bankroll} for leg in legs
    ]
    if row.kind == "ev":
        values["details"] = {
            "fair_odds": 1.0 / row.fair_prob if row.fair_prob else None,
            "net_price": first.get("net_price"),
            "source": row.fair_source or "sharp",
        }
    elif row.kind == "arbitrage":
        values["ev"] = 1.0 - 1.0 / (1.0 + row.profit_margin)
        values["details"] = {"legs": money_legs, "bankroll": bankroll, "profit": row.profit_margin * bankroll}
    else:
        loss = -(row.max_loss or 0.0) * bankroll
        values["ev"] = row.ev if row.ev is not None else loss / bankroll
        values["fair_prob"] = row.hit_probability
        values["details"] = {
            "axis": row.axis,
            "window": [row.window_low, row.window_high],
            "legs": money_legs,
            "bankroll": bankroll,
            "loss_if_not": loss,
            "hit_probability": row.hit_probability,
        }
    return values


def _rewrite(values: list[dict[str, Any]]) -> None:
    if not values:
        return
    table = _table()
    names = [k for k in values[0] if k != "id"]
    stmt = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values({name: sa.bindparam(f"v_{name}") for name in names})
    )
    op.get_bind().execute(
        stmt, [{"row_id": v["id"], **{f"v_{name}": v[name] for name in names}} for v in values]
    )


FOREIGN_KEYS = (("event_id", "events"), ("market_id", "markets"))


def _json_to(type_: Any, batch: Any) -> None:
    """``sharp_books`` between JSONB and JSON (PostgreSQL; SQLite has one JSON)."""
    if op.get_bind().dialect.name == "postgresql":
        target = "jsonb" if isinstance(type_, JSONB) else "json"
        batch.alter_column("sharp_books", type_=type_, postgresql_using=f"sharp_books::{target}")


def upgrade() -> None:
    with op.batch_alter_table("opportunities") as batch:
        for column, table in FOREIGN_KEYS:
            batch.drop_constraint(f"fk_opportunities_{column}_{table}", type_="foreignkey")
        _json_to(sa.JSON(), batch)
        for name, type_ in NEW_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.alter_column("ev", existing_type=sa.Float(), nullable=True)
    rows = op.get_bind().execute(sa.select(_table())).all()
    _rewrite([_upgrade_values(row) for row in rows])
    with op.batch_alter_table("opportunities") as batch:
        for name, type_ in NEW_COLUMNS:
            if name in NOT_NULL_NEW:
                batch.alter_column(name, existing_type=type_, nullable=False)
        for name, _ in OLD_COLUMNS:
            batch.drop_column(name)


def downgrade() -> None:
    with op.batch_alter_table("opportunities") as batch:
        for name, type_ in OLD_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    rows = op.get_bind().execute(sa.select(_table())).all()
    _rewrite([_downgrade_values(row) for row in rows])
    with op.batch_alter_table("opportunities") as batch:
        for name, type_ in OLD_COLUMNS:
            if name in NOT_NULL_OLD:
                batch.alter_column(name, existing_type=type_, nullable=False)
        batch.alter_column("ev", existing_type=sa.Float(), nullable=False)
        for name, _ in NEW_COLUMNS:
            batch.drop_column(name)
    bind = op.get_bind()
    for column, table in FOREIGN_KEYS:  # rows whose event or market is gone cannot keep a foreign key
        bind.execute(sa.text(f"DELETE FROM opportunities WHERE {column} NOT IN (SELECT id FROM {table})"))
    with op.batch_alter_table("opportunities") as batch:
        _json_to(JSONB(), batch)
        for column, table in FOREIGN_KEYS:
            batch.create_foreign_key(
                f"fk_opportunities_{column}_{table}", table, [column], ["id"], ondelete="CASCADE"
            )
