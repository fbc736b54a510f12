"""What each The Odds API call costs in usage credits, computed before the call is made.

The provider's rules (v4 guide): ``/sports`` and ``/sports/{sport}/events`` are free; ``/sports/{sport}/odds``
costs markets × regions, where up to ten listed ``bookmakers`` count as one region (eleven to twenty as two…);
``/events/{id}/odds`` costs the markets it returns × regions, so the markets asked for are its upper bound;
``/scores`` costs 1, or 2 with ``daysFrom``; the historical odds cost ten times the live ones. An answer that
carries no event is free: these are upper bounds, and the real cost of a call is read from its
``x-requests-last`` header afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
    "FEATURED_MARKETS",
    "HISTORICAL_FACTOR",
    "event_odds_cost",
    "featured",
    "historical_odds_cost",
    "odds_cost",
    "region_units",
    "scores_cost",
    "split_markets",
]

# What /sports/{sport}/odds serves; any other market key (player props, alternates, periods) needs a
# per-event call.
FEATURED_MARKETS = frozenset({"h2h", "spreads", "totals", "outrights", "h2h_lay", "outrights_lay"})
HISTORICAL_FACTOR = 10
BOOKMAKERS_PER_REGION = 10


def featured(market: str) -> bool:
    return market in FEATURED_MARKETS


def split_markets(markets: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(featured, per_event)``: the markets one ``/odds`` call serves and those only per event."""
    return tuple(m for m in markets if featured(m)), tuple(m for m in markets if not featured(m))


def region_units(regions: Sequence[str], bookmakers: Sequence[str]) -> int:
    """How many regions a call is billed for: listed bookmakers replace regions, ten to a region."""
    if bookmakers:
        return math.ceil(len(bookmakers) / BOOKMAKERS_PER_REGION)
    return len(regions)


def odds_cost(markets: Sequence[str], regions: Sequence[str], bookmakers: Sequence[str]) -> int:
    """One ``/sports/{sport}/odds`` call: markets × regions."""
    return len(markets) * region_units(regions, bookmakers)


def event_odds_cost(markets: Sequence[str], regions: Sequence[str], bookmakers: Sequence[str]) -> int:
    """One ``/sports/{sport}/events/{id}/odds`` call at most: every market asked for returned × regions."""
    return len(markets) * region_units(regions, bookmakers)


def scores_cost(days_from: int | None) -> int:
    return 2 if days_from else 1


def historical_odds_cost(markets: Sequence[str], regions: Sequence[str], bookmakers: Sequence[str]) -> int:
    """One ``/historical/sports/{sport}/odds`` snapshot: ten times the live call."""
    return HISTORICAL_FACTOR * odds_cost(markets, regions, bookmakers)
