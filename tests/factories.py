"""Test data and time: small snapshots built in code, the shipped replay example, the one fake clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fairedge.odds.providers.base import BookmakerQuote, EventOdds, MarketQuote, Outcome, Snapshot

T0 = datetime(2026, 1, 15, 18, 0, tzinfo=UTC)
# The replay example shipped in the repository (two NBA games as The Odds API sent them): the one recorded
# payload the tests read.
REPLAY_EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "replay" / "odds-basketball_nba.json"


def replay_example() -> list[dict[str, Any]]:
    """The example's events, parsed afresh on every call (tests edit them)."""
    events: list[dict[str, Any]] = json.loads(REPLAY_EXAMPLE.read_text(encoding="utf-8"))
    return events


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
    """The one fake clock of the tests: an aware UTC ``now`` that moves only when told.

    Called, it returns ``now`` (what ``Runtime.clock`` and the providers' ``clock`` return) and then moves it
    by ``tick`` seconds, a feed polled at a steady cadence (0 by default: the time stands still). ``advance``
    moves it by hand, backwards too; ``sleep`` stands in for ``time.sleep``: it records the wait in ``slept``
    and moves the clock by it, taking no real time.
    """

    def __init__(self, start: datetime = T0, *, tick: float = 0.0) -> None:
        if start.utcoffset() != timedelta(0):
            raise ValueError(f"FakeClock starts at an aware UTC time, not {start!r}")
        self.now = start
        self.tick = timedelta(seconds=tick)
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        current = self.now
        self.now += self.tick
        return current

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)
