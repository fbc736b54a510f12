"""The provider protocol and the plain data objects every provider returns (normalised, no ORM).

Shape follows The Odds API v4 ``/odds`` response, flattened one level: an event carries its bookmakers'
markets, each market its outcomes. Prices are decimal odds. Times are aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Outcome:
    name: str  # team name, "Draw", "Over", "Under" (or a player prop's side)
    price: float  # decimal odds
    point: float | None = None  # spreads/totals/props line; None for h2h
    description: str | None = None  # the player, for player props


@dataclass(frozen=True, slots=True)
class MarketQuote:
    key: str  # h2h, spreads, totals, h2h_lay, player_points, ...
    outcomes: tuple[Outcome, ...]
    last_update: datetime | None = None
    period: str = "full"  # full, h1, q1, ... (The Odds API encodes it in the key suffix)


@dataclass(frozen=True, slots=True)
class BookmakerQuote:
    key: str  # pinnacle, draftkings, betfair_ex_eu, ...
    title: str
    markets: tuple[MarketQuote, ...]
    last_update: datetime | None = None


@dataclass(frozen=True, slots=True)
class EventOdds:
    id: str  # provider's event id
    sport_key: str  # basketball_nba, soccer_epl, ...
    sport_title: str
    commence_time: datetime
    home_team: str
    away_team: str
    bookmakers: tuple[BookmakerQuote, ...] = ()
    status: str = "upcoming"  # upcoming | live | completed
    home_score: int | None = None
    away_score: int | None = None


@dataclass(frozen=True, slots=True)
class SportInfo:
    key: str
    group: str  # "Basketball", "Soccer", ... (the league lives in title)
    title: str  # "NBA", "EPL", ...
    active: bool = True
    has_outrights: bool = False


@dataclass(frozen=True, slots=True)
class BookmakerInfo:
    """Catalogue facts the provider knows about a book; sharpness and commission are FairEdge's own data."""

    key: str
    title: str
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One refresh: everything a provider saw at ``fetched_at``."""

    fetched_at: datetime
    events: tuple[EventOdds, ...]
    sports: tuple[SportInfo, ...] = ()
    bookmakers: tuple[BookmakerInfo, ...] = ()
    quota_remaining: int | None = None  # The Odds API credits left, when the provider reports them
    source: str = field(default="")


class FeedPaused(Exception):
    """The provider polls nothing on purpose (its credits are used up): not a failure. The stored odds stay
    and age; ``resume_check_at`` is when the provider looks again whether it may poll."""

    def __init__(self, message: str, *, reason: str, resume_check_at: datetime | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.resume_check_at = resume_check_at


class OddsProvider(Protocol):
    """Something that yields odds snapshots. Providers never touch the database."""

    name: str

    def fetch(self) -> Snapshot:
        """Return the current odds for the configured sports, regions, bookmakers and markets."""
        ...


@runtime_checkable
class ScoresProvider(Protocol):
    """A provider that can tell final scores on demand (The Odds API's ``/scores``): what the bet settlement
    job asks for games whose result the regular refreshes did not bring."""

    name: str

    def scores(self, sport: str, *, days_from: int) -> list[EventOdds]:
        """The sport's games of the last ``days_from`` days that have started, with their scores;
        ``status="completed"`` for finished ones. May return nothing (a budget or an outage), never raise
        for those."""
        ...
