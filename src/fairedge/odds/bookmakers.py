"""Facts about bookmakers that providers do not tell: which books are sharp and how much their line counts,
which are exchanges and what they charge. Keys as The Odds API spells them.

The one place for these facts: ingestion stores them on each bookmaker row, the scan and the CLI read
them as numbers. ``pricing`` takes weights and commissions as arrays and never sees a bookmaker key.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# Commission on net winnings, as the exchanges publish their base rates.
EXCHANGE_COMMISSION: dict[str, float] = {
    "betfair_ex_eu": 0.05,
    "betfair_ex_uk": 0.05,
    "betfair_ex_au": 0.05,
    "matchbook": 0.02,
    "smarkets": 0.02,
    "novig_us_ex": 0.0,
    "prophetx": 0.0,
}


@dataclass(frozen=True)
class SharpBook:
    """A book whose devigged line counts towards the fair line, with its weight.

    ``commission`` on net winnings; ``None`` means the exchange's published rate (0 for other books).
    """

    key: str
    weight: float = 1.0
    commission: float | None = None


DEFAULT_SHARP_BOOKS: tuple[SharpBook, ...] = (
    # Pinnacle: the reference market maker (low margin, high limits, bets sharp money): full weight.
    SharpBook("pinnacle", 1.0),
    # Exchanges: efficient where liquid, but thin markets drift, so a little less than Pinnacle.
    SharpBook("betfair_ex_eu", 0.8),
    SharpBook("betfair_ex_uk", 0.8),
    SharpBook("matchbook", 0.6),
    SharpBook("smarkets", 0.6),
    # Reduced-juice US offshore books: follow the market closely, but copy more than they make.
    SharpBook("lowvig", 0.5),
    SharpBook("betonlineag", 0.4),
)


def is_exchange(key: str) -> bool:
    return key in EXCHANGE_COMMISSION or "_ex_" in key or key.endswith("_ex")


@dataclass(frozen=True, slots=True)
class BookPolicy:
    """What FairEdge holds true of one book: stored on its bookmaker row at every refresh."""

    is_sharp: bool
    is_exchange: bool
    commission: float
    sharp_weight: float


def book_policy(key: str, sharp: dict[str, SharpBook]) -> BookPolicy:
    """The policy of ``key`` given the sharp books by key (configuration: ``SHARP_BOOKS``)."""
    spec = sharp.get(key)
    commission = spec.commission if spec is not None and spec.commission is not None else None
    return BookPolicy(
        is_sharp=spec is not None,
        is_exchange=is_exchange(key),
        commission=EXCHANGE_COMMISSION.get(key, 0.0) if commission is None else commission,
        sharp_weight=spec.weight if spec is not None else 0.0,
    )


def book_weights(
    book_keys: Sequence[str], sharp_books: Sequence[SharpBook] = DEFAULT_SHARP_BOOKS
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per row: the sharp weight (0 for books not in ``sharp_books``) and the commission."""
    sharp = {book.key: book for book in sharp_books}
    policies = [book_policy(key, sharp) for key in book_keys]
    weights = np.array([p.sharp_weight for p in policies], dtype=np.float64)
    commission = np.array([p.commission for p in policies], dtype=np.float64)
    return weights, commission


def parse_sharp_books(specs: Sequence[str]) -> tuple[SharpBook, ...]:
    """Parse ``key[:weight[:commission]]`` specs (``"pinnacle:1.0"``, ``"betfair_ex_eu:0.8:0.05"``).

    ``weight`` ≥ 0 (default 1), ``commission`` in ``[0, 1)`` (default: the exchange's published rate, 0
    for other books); a key may appear once. Raises ``ValueError`` naming the bad spec.
    """
    books: list[SharpBook] = []
    seen: set[str] = set()
    for spec in specs:
        parts = spec.strip().split(":")
        key = parts[0].strip()
        if not key or len(parts) > 3 or any(ch.isspace() for ch in key):
            raise ValueError(f"bad sharp book spec {spec!r}: expected key[:weight[:commission]]")
        try:
            weight = float(parts[1]) if len(parts) > 1 else 1.0
            commission = float(parts[2]) if len(parts) > 2 else None
        except ValueError:
            raise ValueError(f"bad sharp book spec {spec!r}: weight and commission must be numbers") from None
        if not (math.isfinite(weight) and weight >= 0):
            raise ValueError(f"bad sharp book spec {spec!r}: weight must be ≥ 0")
        if commission is not None and not 0 <= commission < 1:
            raise ValueError(f"bad sharp book spec {spec!r}: commission must be in [0, 1)")
        if key in seen:
            raise ValueError(f"bad sharp book spec {spec!r}: {key!r} given twice")
        seen.add(key)
        books.append(SharpBook(key, weight, commission))
    return tuple(books)
