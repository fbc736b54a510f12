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
