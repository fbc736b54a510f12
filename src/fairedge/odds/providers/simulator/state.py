"""What the simulated market remembers between fetches: per game, per book on it, per market of that book."""

from __future__ import annotations

from datetime import datetime

from fairedge.odds.providers.base import BookmakerQuote, MarketQuote
from fairedge.odds.providers.simulator.bookmakers import BookSpec
from fairedge.odds.providers.simulator.leagues import SportSpec

__all__ = ["BookState", "EventState", "MarketState"]


class MarketState:
    __slots__ = ("offset", "quote", "shade", "shade_side", "shade_to")

    def __init__(self, offset: float) -> None:
        self.offset = offset
        self.shade_side = -1  # the side a soft book shades (price better than its margin allows), -1: none
        self.shade_to = 0  # the side that pays for it
        self.shade = 0.0
        self.quote: MarketQuote | None = None


class BookState:
    __slots__ = ("last_sim", "last_update", "markets", "quote", "spec", "stale_until")

    def __init__(self, spec: BookSpec, markets: dict[str, MarketState]) -> None:
        self.spec = spec
        self.markets = markets
        self.stale_until = 0.0  # simulated time a stale spell ends
        self.last_update: datetime | None = None
        self.last_sim = 0.0  # simulated time of the last reprice
        self.quote: BookmakerQuote | None = None


class EventState:
    __slots__ = (
        "away", "away_score", "books", "commence", "cum_a", "cum_h", "end", "frac", "home",
        "home_score", "id", "lat_a", "lat_h", "sim_t", "sport", "start", "status",
    )  # fmt: skip

    def __init__(
        self, event_id: str, sport: SportSpec, home: str, away: str, commence: datetime, start: float
    ) -> None:
        self.id = event_id
        self.sport = sport
        self.home = home
        self.away = away
        self.commence = commence  # real clock
        self.start = start  # simulated minutes since the origin
        self.end = start + sport.duration
        self.lat_h = 0.0  # points games: expected points; goals games: expected goals (full game)
        self.lat_a = 0.0
        self.cum_h = 0.0  # score so far (points games: continuous, shown floored)
        self.cum_a = 0.0
        self.frac = 0.0  # share of the game played
        self.sim_t = 0.0  # simulated time the latent state was last moved to
        self.status = "upcoming"
        self.home_score: int | None = None
        self.away_score: int | None = None
        self.books: list[BookState] = []
