"""A synthetic board for the refresh benchmark, churned at a chosen rate.

1,000 events × 30 books × h2h/spreads/totals, every market two-way: 180,000 prices. Each book quotes its
spread and total at the sharp point or up to a point off it (so one event has several spread and total
markets, and middles exist). Sharp books quote a fair line with a 2.5 % margin, soft books add 5 % and
a noisy view of the probability (so +EV prices and arbitrages exist). Seeded and deterministic.

``step(churn, at)`` moves the market: each quote (book × market) is repriced with probability ``churn``,
and a repriced quote always changes both prices — ``churn=1`` changes every price, ``churn=0.2`` about a
fifth of them (what polling The Odds API every minute looks like). ``snapshot()`` hands the board over as
the providers do (plain objects); ``catalogue()`` and ``quote_columns()`` as a provider handing over
arrays would; ``odds_api_json()`` as The Odds API's JSON.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from fairedge.odds.providers.base import (
    BookmakerInfo,
    BookmakerQuote,
    EventOdds,
    MarketQuote,
    Outcome,
    Snapshot,
    SportInfo,
)
from fairedge.odds.quotes import QuoteColumns

SHARP = ("pinnacle", "betfair_ex_eu", "betfair_ex_uk", "matchbook", "smarkets", "lowvig", "betonlineag")
SOFT = (
    "draftkings",
    "fanduel",
    "betmgm",
    "williamhill_us",
    "betrivers",
    "bovada",
    "unibet_eu",
    "williamhill",
    "sport888",
    "pointsbetus",
    "fanatics",
)
SPORTS = (("basketball_nba", "Basketball", "NBA"), ("americanfootball_nfl", "American Football", "NFL"))
MARKETS = ("h2h", "spreads", "totals")
SHARP_MARGIN, SOFT_MARGIN = 0.025, 0.05
SOFT_NOISE = 0.03  # sd of a soft book's error on the probability
POINT_SLOPE = 0.03  # change of the cover probability per point of line


def book_keys(n_books: int) -> tuple[str, ...]:
    named = SHARP + SOFT
    return named[:n_books] + tuple(f"softbook_{i}" for i in range(len(named) + 1, n_books + 1))


class ChurnBoard:
    def __init__(self, *, seed: int = 2026, events: int = 1000, books: int = 30, start: datetime) -> None:
        self.rng = np.random.default_rng(seed)
        self.books = book_keys(books)
        self.n_events = events
        self.start = start
        sharp = np.array([k in SHARP for k in self.books])
        self.margin = np.where(sharp, SHARP_MARGIN, SOFT_MARGIN)[None, :, None]
        self.noise_sd = np.where(sharp, 0.0, SOFT_NOISE)[None, :, None]
        # The truth per event market: P(home wins), P(home covers the sharp spread), P(over the sharp total).
        self.fair = self.rng.uniform(0.25, 0.75, (events, 1, 3))
        self.fair[:, :, 1:] = self.rng.uniform(0.45, 0.55, (events, 1, 2))
        spread = np.round(self.rng.uniform(-9, 9, events)) + 0.5
        total = np.round(self.rng.uniform(190, 240, events)) + 0.5
        offset = self.rng.choice([0.0, 0.0, 0.0, -0.5, 0.5, -1.0, 1.0], (events, books, 2))
        offset[:, sharp, :] = 0.0
        self.point = np.zeros((events, books, 3))
        self.point[:, :, 1] = spread[:, None] + offset[:, :, 0]
        self.point[:, :, 2] = total[:, None] + offset[:, :, 1]
        # A line further from the home side's favour is easier to cover; a higher total is harder to go over.
        self.shift = np.zeros((events, books, 3))
        self.shift[:, :, 1] = offset[:, :, 0] * POINT_SLOPE
        self.shift[:, :, 2] = -offset[:, :, 1] * POINT_SLOPE
        self.noise = self.rng.normal(0.0, 1.0, (events, books, 3)) * self.noise_sd
        self.price = np.zeros((events, books, 3, 2))
        self.updated = np.full((events, books, 3), start.timestamp())
        self._reprice(np.ones((events, books, 3), dtype=bool))
        self.commence = [start + timedelta(hours=2 + 46 * i / events) for i in range(events)]
        self.at = start

    def _reprice(self, which: NDArray[np.bool_]) -> None:
        p = np.clip(self.fair + self.shift + self.noise, 0.03, 0.97)
        implied = np.stack([p, 1 - p], axis=-1) * (1 + self.margin)[..., None]
        new = np.maximum(np.floor(100.0 / implied) / 100.0, 1.01)
        same = (new == self.price) & which[..., None]
        bump = np.where(self.rng.random(same.shape) < 0.5, -0.01, 0.01)
        new = np.where(same, np.round(new + np.where(new + bump < 1.01, 0.01, bump), 2), new)
        self.price = np.where(which[..., None], new, self.price)

    def step(self, churn: float, at: datetime) -> int:
        """Move the market to ``at``: each quote repriced with probability ``churn``; prices changed."""
        self.at = at
        which = self.rng.random(self.updated.shape) < churn
        self.fair = np.clip(self.fair + self.rng.normal(0.0, 0.004, self.fair.shape), 0.2, 0.8)
        fresh = self.rng.normal(0.0, 1.0, self.noise.shape) * self.noise_sd
        self.noise = np.where(which, fresh, self.noise)
        self._reprice(which)
        self.updated[which] = at.timestamp()
        return int(which.sum()) * 2

    def snapshot(self) -> Snapshot:
        """The board as The Odds API providers hand it over: events → bookmakers → markets → outcomes."""
        prices = self.price.tolist()
        points = self.point.tolist()
        updated = self.updated.tolist()
        stamps: dict[float, datetime] = {}
        events = []
        for e in range(self.n_events):
            sport, _group, title = SPORTS[e % len(SPORTS)]
            home, away = self._teams(e)
            books = []
            for b, key in enumerate(self.books):
                markets = []
                for m, market in enumerate(MARKETS):
                    (p_home, p_away), point = prices[e][b][m], points[e][b][m]
                    if market == "h2h":
                        outcomes = (Outcome(home, p_home), Outcome(away, p_away))
                    elif market == "spreads":
                        outcomes = (Outcome(home, p_home, point), Outcome(away, p_away, -point))
                    else:
                        outcomes = (Outcome("Over", p_home, point), Outcome("Under", p_away, point))
                    stamp = updated[e][b][m]
                    when = stamps.get(stamp)
                    if when is None:
                        when = stamps[stamp] = datetime.fromtimestamp(stamp, UTC)
                    markets.append(MarketQuote(market, outcomes, when))
                books.append(BookmakerQuote(key, key.replace("_", " ").title(), tuple(markets)))
            events.append(EventOdds(f"evt{e:05d}", sport, title, self.commence[e], home, away, tuple(books)))
        return Snapshot(
            fetched_at=self.at,
            events=tuple(events),
            sports=tuple(SportInfo(k, g, t) for k, g, t in SPORTS),
            bookmakers=tuple(BookmakerInfo(k, k.replace("_", " ").title()) for k in self.books),
            source="bench",
        )

    def catalogue(self) -> Snapshot:
        """The snapshot without its quotes: events, sports and books (each book listed without markets)."""
        books = tuple(BookmakerQuote(key, key.replace("_", " ").title(), ()) for key in self.books)
        return Snapshot(
            fetched_at=self.at,
            events=tuple(
                EventOdds(
                    f"evt{e:05d}",
                    SPORTS[e % len(SPORTS)][0],
                    SPORTS[e % len(SPORTS)][2],
                    self.commence[e],
                    *self._teams(e),
                    books,
                )
                for e in range(self.n_events)
            ),
            sports=tuple(SportInfo(k, g, t) for k, g, t in SPORTS),
            bookmakers=tuple(BookmakerInfo(k, k.replace("_", " ").title()) for k in self.books),
            source="bench",
        )

    def quote_columns(self) -> QuoteColumns:
        """The quotes as a provider handing over arrays would give them: validated columns, no objects."""
        events, books, markets = np.indices(self.updated.shape).reshape(3, -1)
        keys = [
            (f"evt{e:05d}", MARKETS[m], "full", p if m else 0.0, "")
            for e, m, p in zip(events.tolist(), markets.tolist(), self.point.ravel().tolist(), strict=True)
        ]
        distinct = list(dict.fromkeys(keys))
        number = {key: i for i, key in enumerate(distinct)}
        prices = self.price.reshape(-1, 2)
        stamps = {s: datetime.fromtimestamp(s, UTC) for s in np.unique(self.updated).tolist()}
        return QuoteColumns(
            markets=distinct,
            outcomes=[
                ("Over", "Under") if k[1] == "totals" else self._teams(int(k[0][3:])) for k in distinct
            ],
            books=list(self.books),
            book_titles=[key.replace("_", " ").title() for key in self.books],
            market=[number[key] for key in keys],
            bookmaker=books.tolist(),
            price_0=prices[:, 0].tolist(),
            price_1=prices[:, 1].tolist(),
            price_2=[math.nan] * len(keys),
            last_update=[stamps[s] for s in self.updated.ravel().tolist()],
        )

    def odds_api_json(self) -> bytes:
        """The board as The Odds API's ``/odds`` answer (decimal odds, ISO times)."""
        snap = self.snapshot()
        iso: dict[datetime, str] = {}
        payload = []
        for e in snap.events:
            books = []
            for b in e.bookmakers:
                markets = []
                for m in b.markets:
                    assert m.last_update is not None
                    stamp = iso.get(m.last_update) or iso.setdefault(m.last_update, m.last_update.isoformat())
                    outcomes = [
                        {"name": o.name, "price": o.price, **({} if o.point is None else {"point": o.point})}
                        for o in m.outcomes
                    ]
                    markets.append({"key": m.key, "last_update": stamp, "outcomes": outcomes})
                books.append({"key": b.key, "title": b.title, "markets": markets})
            payload.append(
                {
                    "id": e.id,
                    "sport_key": e.sport_key,
                    "sport_title": e.sport_title,
                    "commence_time": e.commence_time.isoformat(),
                    "home_team": e.home_team,
                    "away_team": e.away_team,
                    "bookmakers": books,
                }
            )
        return json.dumps(payload).encode()

    def _teams(self, event: int) -> tuple[str, str]:
        return f"Home {event}", f"Away {event}"
