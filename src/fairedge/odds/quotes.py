"""Quotes as ingestion hands them to the store: validated, outcomes in canonical order, as columns.

A quote is one bookmaker's prices for every outcome of one market. Markets have two or three outcomes
(h2h with a draw), so a quote is at most three prices: stored as ``price_0..2``, NaN-padded in arrays.
Columns rather than one object per quote: about 90,000 quotes arrive per refresh of a large board, and
an object each costs more than everything the store then does with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

MAX_OUTCOMES = 3
SPREAD_KEYS = frozenset({"spreads", "alternate_spreads"})


class MarketIdentity(NamedTuple):
    key: str
    period: str
    point: float  # home side's line for spreads, the total for totals, 0 when the market has none
    player: str  # '' unless a player prop


# (provider event id, market key, period, point, player): a market before it has a database id.
MarketKey = tuple[str, str, str, float, str]


@dataclass(slots=True)
class QuoteColumns:
    """A snapshot's valid quotes, one entry per quote in each per-quote list.

    Markets and books are numbered in order of first appearance, so each is hashed once per quote and
    mapped to database ids once per market or book. Every book of the snapshot is listed, with or without
    a valid quote.
    """

    markets: list[MarketKey] = field(default_factory=list)  # the distinct markets
    outcomes: list[tuple[str, ...]] = field(default_factory=list)  # each market's outcome names
    books: list[str] = field(default_factory=list)  # the distinct bookmaker keys
    book_titles: list[str] = field(default_factory=list)  # their titles, as first listed
    market: list[int] = field(default_factory=list)  # per quote: index into ``markets``
    bookmaker: list[int] = field(default_factory=list)  # per quote: index into ``books``
    price_0: list[float] = field(default_factory=list)
    price_1: list[float] = field(default_factory=list)
    price_2: list[float] = field(default_factory=list)  # NaN for two-way markets
    last_update: list[datetime] = field(default_factory=list)  # the book's stamp, never after the fetch

    def __len__(self) -> int:
        return len(self.market)

    def market_keys(self) -> list[MarketKey]:
        """The market of each quote."""
        return [self.markets[i] for i in self.market]


@dataclass(frozen=True, slots=True)
class QuoteArrays:
    """Stored quotes as arrays, one entry per quote. Times are integer microseconds since 1970 (UTC)."""

    market_id: NDArray[np.int64]
    bookmaker_id: NDArray[np.int64]
    prices: NDArray[np.float64]  # (quotes, MAX_OUTCOMES), NaN where the market has no such outcome
    first_seen: NDArray[np.int64]
    last_update: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.market_id.size)

    def take(self, which: NDArray[np.intp]) -> QuoteArrays:
        return QuoteArrays(
            self.market_id[which],
            self.bookmaker_id[which],
            self.prices[which],
            self.first_seen[which],
            self.last_update[which],
        )

    def width(self) -> NDArray[np.int64]:
        """Outcomes per quote."""
        counts: NDArray[np.int64] = np.count_nonzero(~np.isnan(self.prices), axis=1).astype(np.int64)
        return counts

    @classmethod
    def concat(cls, parts: Sequence[QuoteArrays]) -> QuoteArrays:
        if not parts:
            return cls.empty()
        return cls(
            np.concatenate([p.market_id for p in parts]),
            np.concatenate([p.bookmaker_id for p in parts]),
            np.concatenate([p.prices for p in parts]),
            np.concatenate([p.first_seen for p in parts]),
            np.concatenate([p.last_update for p in parts]),
        )

    @classmethod
    def empty(cls) -> QuoteArrays:
        ints = np.empty(0, dtype=np.int64)
        return cls(ints, ints, np.empty((0, MAX_OUTCOMES)), ints, ints)


def outcome_point(market_key: str, point: float, index: int) -> float | None:
    """The line of one outcome: h2h has none; spreads store the home line, the away side has its mirror."""
    if market_key.startswith("h2h"):
        return None
    if market_key in SPREAD_KEYS:
        return point if index == 0 else -point
    return point


@dataclass(frozen=True, slots=True)
class QuotePeriod:
    """One book's quote of one market while it held: ended (``superseded_at`` set) or current."""

    prices: tuple[float, ...]  # by outcome index
    first_seen: datetime
    last_update: datetime
    last_seen: datetime | None  # the last fetch that carried it; None while current
    superseded_at: datetime | None


@dataclass(frozen=True, slots=True)
class PricePoint:
    """One outcome's price from ``first_seen`` until ``superseded_at`` (None: still current)."""

    outcome_index: int
    price: float
    first_seen: datetime
    last_update: datetime
    last_seen: datetime | None
    superseded_at: datetime | None


def price_points(periods: Sequence[QuotePeriod]) -> list[PricePoint]:
    """One book's quote periods of one market, oldest first → each outcome's price changes.

    A quote changes when any of its prices does; an outcome whose price carried over into the next
    period (which starts when the previous one was superseded) keeps one point. Outcome order, then time.
    """
    points: list[PricePoint] = []
    width = max((len(p.prices) for p in periods), default=0)
    for index in range(width):
        current: PricePoint | None = None
        for period in periods:
            if index >= len(period.prices):
                continue
            price = period.prices[index]
            if current is not None and current.price == price and current.superseded_at == period.first_seen:
                current = replace(current, last_seen=period.last_seen, superseded_at=period.superseded_at)
                continue
            if current is not None:
                points.append(current)
            current = PricePoint(
                index, price, period.first_seen, period.last_update, period.last_seen, period.superseded_at
            )
        if current is not None:
            points.append(current)
    return points
