"""Closing lines: each book's last quote before an event started and the fair line at that moment.

Captured from the stored history once an event has started (``capture_closing_lines``, after every odds
refresh), so closing-line value can be computed later without paying for historical calls:

- **Closing quote** of a (market, book): the quote first seen last before the start, whether still on the
  board or already in the history. It was *confirmed* by the last fetch before the start that carried it
  (its ``last_seen``, capped at the start).
- **Closing fair line** of a market, per devig method (every method of ``pricing.devig.METHODS``): the
  scan's fair line (:func:`fairedge.odds.board.fair_lines`) over those closing quotes as at the start: the
  sharp books' line when a sharp quote was confirmed within ``max_age_seconds`` of the start, else the
  consensus.

An event captured for one start time and then moved (postponed) is captured again at its new start.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import structlog
from sqlalchemy.orm import Session

from fairedge.odds import past_repository as repo
from fairedge.odds.board import BookFacts, build_quotes, fair_lines
from fairedge.odds.models import Event, Sport
from fairedge.odds.quotes import outcome_point
from fairedge.odds.service import book_facts, get_event
from fairedge.pricing.devig import METHODS
from fairedge.pricing.fair import SOURCE_CONSENSUS, SOURCE_SHARP

log = structlog.get_logger(__name__)

CAPTURE_BATCH = 200  # events per run: a first run after a long outage catches up over a few refreshes
SOURCES = {SOURCE_SHARP: "sharp", SOURCE_CONSENSUS: "consensus"}


def closing_quotes(quotes: Sequence[repo.PastQuote]) -> list[repo.PastQuote]:
    """The last quote of each (market, book) among quotes first seen before the start."""
    last: dict[tuple[int, int], repo.PastQuote] = {}
    for quote in quotes:
        key = (quote.market_id, quote.bookmaker_id)
        found = last.get(key)
        if found is None or quote.first_seen > found.first_seen:
            last[key] = quote
    return sorted(last.values(), key=lambda q: (q.market_id, q.bookmaker_id))


def _fair_rows(
    event: repo.StartedEvent, quotes: Sequence[repo.PastQuote], books: BookFacts, max_age_seconds: float
) -> list[dict[str, Any]]:
    start = event.commence_time.timestamp()
    market, book, outcome, price, confirmed = [], [], [], [], []
    for q in quotes:
        seen = min(q.last_seen.timestamp(), start)
        for index, value in enumerate(q.prices):
            market.append(q.market_id)
            book.append(q.bookmaker_id)
            outcome.append(index)
            price.append(value)
            confirmed.append(seen)
    board = build_quotes(market, book, outcome, price, confirmed_at=confirmed, books=books)
    ages = board.ages(start)
    fresh_sharp = (ages <= max_age_seconds) & (books.weight[board.book] > 0)
    rows: list[dict[str, Any]] = []
    for method in METHODS:
        line = fair_lines(board, books, method=method, ages=ages, max_age_seconds=max_age_seconds)
        for i, market_id in enumerate(board.market_ids.tolist()):
            source = SOURCES.get(int(line.source[i]), "none")
            probs = [float(p) if np.isfinite(p) else None for p in line.prob[i].tolist()]
            probs += [None] * (3 - len(probs))
            sharp = (
                sorted(books.key[int(b)] for b in board.book[fresh_sharp & (board.market_index == i)])
                if source == "sharp"
                else []
            )
            rows.append(
                {
                    "market_id": market_id,
                    "method": method,
                    "event_id": event.id,
                    "prob_0": probs[0],
                    "prob_1": probs[1],
                    "prob_2": probs[2],
                    "source": source,
                    "sharp_books": sharp,
                }
            )
    return rows


def capture_closing_lines(
    session: Session, *, now: datetime, max_age_seconds: float, limit: int = CAPTURE_BATCH
) -> int:
    """Capture the closing lines of the events that have started since the last capture; returns how
    many events were captured (in the caller's transaction)."""
    events = repo.events_to_capture(session, now=now, limit=limit)
    if not events:
        return 0
    by_event: dict[int, list[repo.PastQuote]] = defaultdict(list)
    for quote in repo.quotes_before_start(session, [e.id for e in events]):
        by_event[quote.event_id].append(quote)
    books = book_facts(session)
    for event in events:
        quotes = closing_quotes(by_event.get(event.id, []))
        start = event.commence_time
        repo.replace_closing(
            session,
            event,
            captured_at=now,
            quotes=[
                {
                    "market_id": q.market_id,
                    "bookmaker_id": q.bookmaker_id,
                    "event_id": event.id,
                    "price_0": q.prices[0],
                    "price_1": q.prices[1],
                    "price_2": q.prices[2] if len(q.prices) > 2 else None,
                    "first_seen": q.first_seen,
                    "confirmed_at": min(q.last_seen, start),
                }
                for q in quotes
            ],
            fair_lines=_fair_rows(event, quotes, books, max_age_seconds) if quotes else [],
        )
    log.info("closing_lines_captured", events=len(events))
    return len(events)


# --- reads -------------------------------------------------------------------------------------------------


@dataclass
class ClosingPrice:
    bookmaker: str
    price: float
    first_seen: datetime
    confirmed_at: datetime


@dataclass
class ClosingOutcome:
    name: str
    point: float | None
    prices: list[ClosingPrice] = field(default_factory=list)
    fair_prob: float | None = None

    @property
    def best_price(self) -> float | None:
        return max((p.price for p in self.prices), default=None)


@dataclass
class ClosingMarket:
    market_id: int
    key: str
    period: str
    point: float | None
    player: str
    outcomes: list[ClosingOutcome]
    fair_source: str = "none"
    sharp_books: list[str] = field(default_factory=list)


@dataclass
class ClosingView:
    event: Event
    sport: Sport
    captured_at: datetime | None
    markets: list[ClosingMarket]


def closing_view(session: Session, event_id: int, *, method: str) -> ClosingView:
    """An event's closing lines with the fair line of ``method``; none yet before it has started."""
    event, sport = get_event(session, event_id)
    capture = repo.capture_of(session, event_id)
    if capture is None:
        return ClosingView(event, sport, None, [])
    lines = repo.closing_fair_lines(session, event_id, method)
    markets: dict[int, ClosingMarket] = {}
    for market, quote, book in repo.closing_quotes(session, event_id):
        found = markets.get(market.id)
        if found is None:
            found = ClosingMarket(
                market.id,
                market.key,
                market.period,
                None if market.key.startswith("h2h") else market.point,
                market.player,
                [
                    ClosingOutcome(name, outcome_point(market.key, market.point, i))
                    for i, name in enumerate(market.outcomes)
                ],
            )
            line = lines.get(market.id)
            if line is not None:
                found.fair_source, found.sharp_books = line.source, list(line.sharp_books)
                for outcome, prob in zip(
                    found.outcomes, (line.prob_0, line.prob_1, line.prob_2), strict=False
                ):
                    outcome.fair_prob = prob
            markets[market.id] = found
        prices = (quote.price_0, quote.price_1, quote.price_2)
        for outcome, price in zip(found.outcomes, prices, strict=False):
            if price is not None:
                outcome.prices.append(ClosingPrice(book.key, price, quote.first_seen, quote.confirmed_at))
    return ClosingView(event, sport, capture.captured_at, list(markets.values()))
