"""A validated quote: what ingestion hands to the repository.

NamedTuples, not dataclasses: about 150,000 are built per refresh of a large board, and frozen dataclasses
cost three times as much to create.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple


class MarketIdentity(NamedTuple):
    key: str
    period: str
    point: float  # home side's line for spreads, the total for totals, 0 when the market has none
    player: str  # '' unless a player prop


class Quote(NamedTuple):
    """One bookmaker's complete, valid quote of one market, outcomes in canonical order."""

    event_id: str
    bookmaker: str
    market: MarketIdentity
    outcomes: tuple[str, ...]
    prices: tuple[float, ...]
    last_update: datetime


SPREAD_KEYS = frozenset({"spreads", "alternate_spreads"})


def outcome_point(market_key: str, point: float, index: int) -> float | None:
    """The line of one outcome: h2h has none; spreads store the home line, the away side has its mirror."""
    if market_key.startswith("h2h"):
        return None
    if market_key in SPREAD_KEYS:
        return point if index == 0 else -point
    return point
