"""Odds store: sports, events, bookmakers, markets and every price a book ever quoted.

A *quote* is one book's prices for every outcome of one market (at most three: markets are two- or
three-way). ``current_quotes`` holds the board, one row per (market, book), updated in place when a price
changes; ``quote_history`` holds every quote that ended, appended once. A current quote was last confirmed
when its event was last refreshed (``events.last_seen_at``): a line a book pulls leaves the board at
once, so an unchanged price writes nothing. Neither table has foreign keys: their per-row checks doubled
the cost of a bulk refresh, and only the repository writes quotes, with ids it has just read (deleting
markets or bookmakers deletes their quotes first).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from fairedge.db.base import Base, PortableJSON


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


class CurrentQuote(Base):
    """A book's current quote of a market: one row per (market, bookmaker), updated in place.

    ``fillfactor`` 50 leaves room on each page, and no index covers a price or a time, so an update is a
    HOT update: the new row version lands on the same page and no index is written.
    """

    __tablename__ = "current_quotes"
    __table_args__ = ({"postgresql_with": {"fillfactor": 50}},)

    market_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bookmaker_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    price_0: Mapped[float] = mapped_column(Float)  # decimal odds of outcome 0 of the market's outcomes
    price_1: Mapped[float] = mapped_column(Float)
    price_2: Mapped[float | None] = mapped_column(Float)  # three-way markets only
    first_seen: Mapped[datetime]  # the first fetch that carried these prices
    last_update: Mapped[datetime]  # the book's own timestamp for the quote (the fetch's when it gives none)


class QuoteHistory(Base):
    """A quote that is no longer current, appended once when it ends (changed or pulled), never updated.

    ``last_seen`` is the last fetch that carried it, ``superseded_at`` the fetch that replaced or pulled it.
    No primary key in the database: a key index cost as much as the rows themselves on every refresh, and
    nothing looks a row up by one (reads go by market, retention by physical order). The mapper's key is
    the quote and when it started.
    """

    __tablename__ = "quote_history"
    __table_args__ = (Index("ix_quote_history_market_id", "market_id"),)

    market_id: Mapped[int] = mapped_column(Integer)
    bookmaker_id: Mapped[int] = mapped_column(Integer)
    price_0: Mapped[float] = mapped_column(Float)
    price_1: Mapped[float] = mapped_column(Float)
    price_2: Mapped[float | None] = mapped_column(Float)
    first_seen: Mapped[datetime] = mapped_column()
    last_update: Mapped[datetime]
    last_seen: Mapped[datetime]
    superseded_at: Mapped[datetime]

    __mapper_args__ = {"primary_key": [market_id, bookmaker_id, first_seen]}  # noqa: RUF012


# --- The Odds API feed: what it costs and how each sport is polled (odds/feed.py) ---------------------------


class FeedSport(Base):
    """A polled sport's plan (cadence and why) and its last successful refresh: what /health/odds-feed shows
    and judges staleness by. Written by the process that polls; a sport no longer polled is deleted."""

    __tablename__ = "odds_feed_sports"

    sport_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(16))  # live | soon | idle | no_events
    cadence_seconds: Mapped[float] = mapped_column(Float)  # planned, after the budget's stretch
    base_cadence_seconds: Mapped[float] = mapped_column(Float)  # what the start times alone ask for
    events_soon: Mapped[int] = mapped_column(Integer, default=0)
    events_live: Mapped[int] = mapped_column(Integer, default=0)
    next_commence: Mapped[datetime | None]
    cycle_cost: Mapped[int] = mapped_column(Integer, default=0)  # credits one refresh costs at most
    tracked_since: Mapped[datetime]
    planned_at: Mapped[datetime]
    last_refresh_at: Mapped[datetime | None]


class FeedState(Base):
    """The one row (``id`` 1) of the feed's shared state: pause, refused keys (by digest), quota headers."""

    __tablename__ = "odds_feed_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paused_at: Mapped[datetime | None]
    pause_reason: Mapped[str | None] = mapped_column(String(32))
    last_probe_at: Mapped[datetime | None]
    refused_keys: Mapped[dict[str, dict[str, str]]] = mapped_column(PortableJSON)  # digest → reason, at
    quota_remaining: Mapped[int | None] = mapped_column(Integer)
    quota_used: Mapped[int | None] = mapped_column(Integer)
    quota_last: Mapped[int | None] = mapped_column(Integer)
    quota_at: Mapped[datetime | None]


class CreditSpend(Base):
    """Credits spent per UTC day: the budget's ledger (a month is the sum of its days)."""

    __tablename__ = "odds_api_credits"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    credits: Mapped[int] = mapped_column(Integer, default=0)
    calls: Mapped[int] = mapped_column(Integer, default=0)


# --- Closing lines: captured from the stored history when an event starts (odds/closing.py) -----------------


class ClosingCapture(Base):
    """An event's closing lines were captured, for this start time (a postponed event is captured again)."""

    __tablename__ = "closing_captures"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    commence_time: Mapped[datetime]
    captured_at: Mapped[datetime]
    quotes: Mapped[int] = mapped_column(Integer, default=0)


class ClosingQuote(Base):
    """A book's last quote of a market before the event started: prices by outcome index, as the board's."""

    __tablename__ = "closing_quotes"

    market_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bookmaker_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    price_0: Mapped[float] = mapped_column(Float)
    price_1: Mapped[float] = mapped_column(Float)
    price_2: Mapped[float | None] = mapped_column(Float)
    first_seen: Mapped[datetime]  # the fetch that first carried these prices
    confirmed_at: Mapped[datetime]  # the last fetch before the start that still carried them


class ClosingFairLine(Base):
    """A market's fair line at the start, per devig method: from the sharp books' closing quotes (else the
    consensus), as the scan would have priced it at that moment."""

    __tablename__ = "closing_fair_lines"

    market_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    prob_0: Mapped[float | None] = mapped_column(Float)
    prob_1: Mapped[float | None] = mapped_column(Float)
    prob_2: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))  # sharp | consensus | none
    sharp_books: Mapped[list[str]] = mapped_column(PortableJSON)
