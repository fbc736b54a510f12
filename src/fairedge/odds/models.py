"""Odds store: sports, events, bookmakers, markets and every price a book ever quoted.

``prices`` is the full history: a changed price is a new row and supersedes the old one (``superseded_at``,
``last_seen``). The current board is the rows with ``superseded_at IS NULL``, served by a partial covering
index (the fast path). A current price was last seen when its event was last refreshed
(``events.last_seen_at``): a line that a book pulls is superseded at once, so no per-price write is needed
to move an unchanged price's last-seen time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from fairedge.db.base import Base, BigIntId, PortableJSON


class Sport(Base):
    __tablename__ = "sports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # basketball_nba
    group_name: Mapped[str] = mapped_column(String(64))  # Basketball
    title: Mapped[str] = mapped_column(String(128))  # NBA (the league)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    has_outrights: Mapped[bool] = mapped_column(Boolean, default=False)


class Bookmaker(Base):
    __tablename__ = "bookmakers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(128))
    region: Mapped[str | None] = mapped_column(String(16))
    is_sharp: Mapped[bool] = mapped_column(Boolean, default=False)
    is_exchange: Mapped[bool] = mapped_column(Boolean, default=False)
    commission: Mapped[float] = mapped_column(Float, default=0.0)
    sharp_weight: Mapped[float] = mapped_column(Float, default=0.0)


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(128), unique=True)
    sport_id: Mapped[int] = mapped_column(ForeignKey("sports.id", ondelete="CASCADE"), index=True)
    home_team: Mapped[str] = mapped_column(String(128))
    away_team: Mapped[str] = mapped_column(String(128))
    commence_time: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="upcoming")  # upcoming | live | completed
    home_score: Mapped[int | None] = mapped_column(Integer)
    away_score: Mapped[int | None] = mapped_column(Integer)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class Market(Base):
    """One event's market at one line. ``point`` is the home side's line for spreads, the total for totals,
    0 for markets without a line; ``player`` is '' unless it is a player prop (NOT NULL keeps the unique key
    portable: NULLs never collide in unique constraints)."""

    __tablename__ = "markets"
    __table_args__ = (UniqueConstraint("event_id", "key", "period", "point", "player"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16), default="full")
    point: Mapped[float] = mapped_column(Float, default=0.0)
    player: Mapped[str] = mapped_column(String(128), default="")
    outcomes: Mapped[list[str]] = mapped_column(PortableJSON)  # canonical order; prices refer by index


class Price(Base):
    __tablename__ = "prices"
    __table_args__ = (
        Index(
            "ix_prices_current",
            "market_id",
            "bookmaker_id",
            "outcome_index",
            unique=True,
            postgresql_where=text("superseded_at IS NULL"),
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_include=["price", "first_seen", "last_update", "id"],
        ),
        Index("ix_prices_history", "market_id", "first_seen"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    # No foreign keys here on purpose: their per-row checks doubled the cost of a bulk refresh (measured:
    # COPY of 62,000 rows 2.5 s with, 1.1 s without). Only the repository writes prices, with ids it has
    # just read; deleting markets or bookmakers must delete their prices first.
    market_id: Mapped[int] = mapped_column(Integer)
    bookmaker_id: Mapped[int] = mapped_column(Integer)
    outcome_index: Mapped[int] = mapped_column(SmallInteger)
    price: Mapped[float] = mapped_column(Float)  # decimal odds
    first_seen: Mapped[datetime]
    last_update: Mapped[datetime | None]  # the book's own timestamp for the quote
    last_seen: Mapped[datetime | None]  # set when superseded; while current, the event's last_seen_at
    superseded_at: Mapped[datetime | None]
