"""Opportunities found by the scan: +EV bets, arbitrages and middles, with their lifespan.

The scan replaces the active set atomically: an opportunity found again keeps its row (``key`` is its
identity) and moves ``last_seen``; a new one is inserted; one that vanished is closed (``active`` false,
``ended_at`` set) and stays as history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from fairedge.db.base import Base, BigIntId, PortableJSON


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
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("markets.id", ondelete="CASCADE"))
    sport_key: Mapped[str] = mapped_column(String(64))
    market_key: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(255))  # the side bet; "A / B" for several legs
    point: Mapped[float | None] = mapped_column(Float)
    bookmaker: Mapped[str] = mapped_column(String(255))  # book key; "a / b" for several legs
    price: Mapped[float] = mapped_column(Float)  # decimal odds (first leg for arbitrage/middle)
    fair_prob: Mapped[float | None] = mapped_column(Float)
    ev: Mapped[float] = mapped_column(Float)  # EV per unit staked; arbitrage: guaranteed profit margin
    kelly: Mapped[float | None] = mapped_column(Float)
    devig_method: Mapped[str | None] = mapped_column(String(32))
    sharp_books: Mapped[list[str]] = mapped_column(
        PortableJSON
    )  # books behind the fair line, or ["consensus"]
    hold: Mapped[float | None] = mapped_column(Float)
    quote_age_seconds: Mapped[float] = mapped_column(Float)
    commence_time: Mapped[datetime]
    details: Mapped[dict[str, Any]] = mapped_column(PortableJSON)  # legs, stakes, middle window
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    scan_count: Mapped[int] = mapped_column(Integer, default=1)
