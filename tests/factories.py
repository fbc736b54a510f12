"""Factory functions for odds data: small, explicit snapshots built in code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fairedge.odds.providers.base import BookmakerQuote, EventOdds, MarketQuote, Outcome, Snapshot

T0 = datetime(2026, 1, 15, 18, 0, tzinfo=UTC)


def h2h(
    home: float,
    away: float,
    draw: float | None = None,
    *,
    home_team: str = "Home",
    away_team: str = "Away",
    key: str = "h2h",
) -> MarketQuote:
    outcomes = [Outcome(home_team, home), Outcome(away_team, away)]
    if draw is not None:
        outcomes.append(Outcome("Draw", draw))
    return MarketQuote(key, tuple(outcomes))


def spreads(
    home_point: float, home: float, away: float, *, home_team: str = "Home", away_team: str = "Away"
) -> MarketQuote:
    return MarketQuote(
        "spreads", (Outcome(home_team, home, home_point), Outcome(away_team, away, -home_point))
    )


def totals(point: float, over: float, under: float) -> MarketQuote:
    return MarketQuote("totals", (Outcome("Over", over, point), Outcome("Under", under, point)))


def book(key: str, *markets: MarketQuote, updated: datetime | None = None) -> BookmakerQuote:
    return BookmakerQuote(key, key.replace("_", " ").title(), tuple(markets), last_update=updated)


def event(
    event_id: str = "evt1",
    *books: BookmakerQuote,
    sport: str = "basketball_nba",
    home_team: str = "Home",
    away_team: str = "Away",
    status: str = "upcoming",
    commence: datetime | None = None,
    scores: tuple[int, int] | None = None,
) -> EventOdds:
    return EventOdds(
        id=event_id,
        sport_key=sport,
        sport_title=sport.split("_")[-1].upper(),
        commence_time=commence or T0 + timedelta(hours=6),
        home_team=home_team,
        away_team=away_team,
        bookmakers=tuple(books),
        status=status,
        home_score=scores[0] if scores else None,
        away_score=scores[1] if scores else None,
    )


def snapshot(*events: EventOdds, at: datetime = T0) -> Snapshot:
    return Snapshot(fetched_at=at, events=tuple(events), source="test")


class FakeClock:
    """The one fake clock of the tests: what ``Runtime.clock`` returns, moved by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
