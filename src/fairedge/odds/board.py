"""A board of quotes as arrays, and its fair lines: built here once for the scan, the event board,
``fairedge price --board`` and the benches.

Input is one entry per price (market, bookmaker, outcome index, decimal odds, instants). Prices are grouped
into *quote rows*: one bookmaker's full quote of one market, outcomes NaN-padded, so every book's every
outcome is priced with array operations. Bookmaker facts (sharp weight, commission) come in as numbers
(:class:`BookFacts`); ``pricing`` never sees a bookmaker key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fairedge.pricing.fair import FairLine, fair_line
from fairedge.pricing.odds import net_of_commission

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


@dataclass(frozen=True)
class BookFacts:
    """Bookmaker facts indexed by bookmaker id (arrays sized max id + 1)."""

    key: dict[int, str]
    weight: F64  # sharp weight; 0 for books that are not sharp
    commission: F64  # on net winnings (exchanges)

    @classmethod
    def build(cls, books: Iterable[tuple[int, str, float, float]]) -> BookFacts:
        """From (id, key, sharp weight, commission) tuples."""
        rows = list(books)
        size = max((b[0] for b in rows), default=0) + 1
        weight = np.zeros(size)
        commission = np.zeros(size)
        for book_id, _key, w, c in rows:
            weight[book_id] = w
            commission[book_id] = c
        return cls({b[0]: b[1] for b in rows}, weight, commission)


@dataclass(frozen=True)
class QuoteBoard:
    odds: F64  # (rows, width) quoted decimal odds, NaN-padded
    net: F64  # the same net of exchange commission (what a backer receives)
    book: I64  # (rows,) bookmaker id
    market_index: I64  # (rows,) index into market_ids
    market_ids: I64  # (markets,)
    confirmed_at: F64  # (rows,) epoch seconds: the provider last confirmed the quote (its oldest price)
    book_updated_at: F64  # (rows,) epoch seconds: the book's own stamp (its oldest price)

    @property
    def n_markets(self) -> int:
        return int(self.market_ids.size)

    def ages(self, now: float) -> F64:
        """Seconds since each quote row was last confirmed, at ``now`` (epoch seconds)."""
        return np.maximum(now - self.confirmed_at, 0.0)

    def width_of_markets(self) -> I64:
        """Outcomes per market: the widest quote defines it."""
        counts = (~np.isnan(self.odds)).sum(axis=1)
        width = np.zeros(self.n_markets, dtype=np.int64)
        np.maximum.at(width, self.market_index, counts)
        return width


def build_quotes(
    market_id: ArrayLike,
    bookmaker_id: ArrayLike,
    outcome_index: ArrayLike,
    price: ArrayLike,
    *,
    confirmed_at: ArrayLike,
    book_updated_at: ArrayLike | None = None,
    books: BookFacts,
) -> QuoteBoard:
    m = np.asarray(market_id, dtype=np.int64)
    b = np.asarray(bookmaker_id, dtype=np.int64)
    o = np.asarray(outcome_index, dtype=np.int64)
    pair = m * (len(books.weight) + 1) + b
    _pairs, first, row = np.unique(pair, return_index=True, return_inverse=True)
    width = int(o.max()) + 1 if o.size else 1
    odds = np.full((first.size, width), np.nan)
    odds[row, o] = np.asarray(price, dtype=np.float64)
    confirmed = _oldest(row, first.size, confirmed_at)
    updated = confirmed if book_updated_at is None else _oldest(row, first.size, book_updated_at)
    market_ids, market_index = np.unique(m[first], return_inverse=True)
    book = b[first]
    return QuoteBoard(
        odds=odds,
        net=net_of_commission(odds, books.commission[book][:, None]),
        book=book,
        market_index=market_index.astype(np.int64),
        market_ids=market_ids.astype(np.int64),
        confirmed_at=confirmed,
        book_updated_at=updated,
    )


def _oldest(row: NDArray[np.intp], rows: int, stamps: ArrayLike) -> F64:
    oldest = np.full(rows, np.inf)
    np.minimum.at(oldest, row, np.asarray(stamps, dtype=np.float64))
    return oldest


def fair_lines(
    quotes: QuoteBoard,
    books: BookFacts,
    *,
    method: str,
    ages: F64 | None = None,
    max_age_seconds: float | None = None,
) -> FairLine:
    """The fair line of every market from its sharp books (else the consensus), stale quotes left out."""
    return fair_line(
        quotes.odds,
        quotes.market_index,
        books.weight[quotes.book],
        n_markets=quotes.n_markets,
        method=method,
        commission=books.commission[quotes.book],
        age_seconds=ages,
        max_age_seconds=max_age_seconds if ages is not None else None,
    )
