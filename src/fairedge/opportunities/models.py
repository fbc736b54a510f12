"""Opportunities found by the scan: +EV bets, arbitrages and middles, with their lifespan.

One name, one meaning, one unit: rates are fractions, and each kind has its own fields.

- +EV bet (``ev``): ``ev`` (expected profit per unit staked at the book's net price), ``fair_prob``,
  ``kelly_fraction``, ``hold`` of the book's market, ``devig_method`` and ``fair_source`` of the fair line.
- Arbitrage: ``profit_margin`` = ``1/Σ(1/d) − 1``, the guaranteed return on the total stake.
- Middle: ``ev`` (per unit of total stake), ``hit_probability`` (both legs win), ``max_loss`` (share of the
  total stake lost when only one leg wins; ≤ 0 when that still profits), and the window on the result axis.

``legs`` (JSON) holds every bet to place: bookmaker, market, outcome, point, quoted price, net price, stake
(share of the total stake, the legs' stakes sum to 1) and payout (per unit of total stake if that leg wins).

Ages are never stored: ``confirmed_at`` is the oldest leg's last confirmation by the provider and
``book_updated_at`` its book's own stamp; the API serves ``now − confirmed_at``.

The scan replaces the active set atomically: an opportunity found again keeps its row (``key`` is its
identity); a new one is inserted; one that vanished is ended with ``end_reason`` ``gone``. The expiry job
ends those whose quotes went stale (``stale``) or whose event started (``started``). Ended rows stay.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from fairedge.db.base import Base, BigIntId

KINDS = ("ev", "arbitrage", "middle")
END_REASONS = ("gone", "stale", "started")


class Opportunity(Base):
    __tablename__ = "opportunities"
    __table_args__ = (
        Index(
            "ix_opportunities_active_key",
            "key",
            unique=True,
            postgresql_where=text("active"),
            sqlite_where=text("active"),
        ),
        Index("ix_opportunities_active_ev", "active", "kind", "ev"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # ev | arbitrage | middle
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # No foreign keys, as for quotes: their per-row checks cost a third of writing a scan's 30,000 rows.
    # Only the scan writes these, with ids it has just read; the retention job removes the rows whose
    # event is gone.
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    market_id: Mapped[int] = mapped_column(Integer)  # the first leg's
    sport_key: Mapped[str] = mapped_column(String(64))
    market_key: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))
    # Plain JSON, not JSONB, on PostgreSQL: written on every scan, read whole; the bookmaker filter casts.
    legs: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    ev: Mapped[float | None] = mapped_column(Float)
    fair_prob: Mapped[float | None] = mapped_column(Float)
    kelly_fraction: Mapped[float | None] = mapped_column(Float)
    hold: Mapped[float | None] = mapped_column(Float)
    devig_method: Mapped[str | None] = mapped_column(String(32))
    fair_source: Mapped[str | None] = mapped_column(String(16))  # sharp | consensus
    sharp_books: Mapped[list[str]] = mapped_column(JSON)  # books behind the fair line
    profit_margin: Mapped[float | None] = mapped_column(Float)
    hit_probability: Mapped[float | None] = mapped_column(Float)
    max_loss: Mapped[float | None] = mapped_column(Float)
    window_low: Mapped[float | None] = mapped_column(Float)  # middle: both legs win when low < result < high
    window_high: Mapped[float | None] = mapped_column(Float)
    axis: Mapped[str | None] = mapped_column(String(16))  # middle: total | home_margin
    commence_time: Mapped[datetime]
    confirmed_at: Mapped[datetime]
    book_updated_at: Mapped[datetime]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(16))  # gone | stale | started
    scan_count: Mapped[int] = mapped_column(Integer, default=1)
    # A stable hash of the served values (the found columns but the two instants): the scan tells an
    # opportunity whose values changed from one only confirmed again (the live stream's updated/confirmed).
    digest: Mapped[int | None] = mapped_column(BigInteger)
