"""Odds rules: refresh from the provider into the store; read sports, bookmakers, events, boards, history."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import structlog
from sqlalchemy.orm import Session

from fairedge.errors import InvalidInput, NotFound, UpstreamUnavailable
from fairedge.observability import metrics
from fairedge.odds import repository
from fairedge.odds.board import BookFacts, build_quotes, fair_lines
from fairedge.odds.bookmakers import SharpBook
from fairedge.odds.ingestion import IngestReport, ingest_snapshot
from fairedge.odds.models import Bookmaker, Event, Sport
from fairedge.odds.providers.base import FeedPaused, OddsProvider
from fairedge.odds.quotes import outcome_point
from fairedge.pricing.devig import METHODS
from fairedge.pricing.fair import SOURCE_CONSENSUS, SOURCE_SHARP

log = structlog.get_logger(__name__)


def refresh_odds(session: Session, provider: OddsProvider, *, sharp: Sequence[SharpBook]) -> IngestReport:
    """Fetch one snapshot and store it in the caller's transaction.

    A provider failure is logged as ``odds_api_error`` and raised as ``UpstreamUnavailable``: stored odds
    stay as they are (served, and visibly ageing) until a refresh succeeds. A paused provider raises
    ``FeedPaused`` as it is.
    """
    started = time.perf_counter()
    try:
        snapshot = provider.fetch()
    except FeedPaused:
        raise  # polling paused on purpose (out of credits): the job says so, it is not a failure
    except Exception as exc:
        reason = type(exc).__name__
        metrics.ODDS_FETCH_ERRORS.labels(provider=provider.name, reason=reason).inc()
        log.error("odds_api_error", provider=provider.name, error=str(exc), reason=reason)
        raise UpstreamUnavailable(f"odds provider {provider.name} failed: {exc}") from exc
    report = ingest_snapshot(session, snapshot, provider=provider.name, sharp=sharp)
    if snapshot.quota_remaining is not None:
        metrics.ODDS_API_QUOTA_REMAINING.labels(provider=provider.name).set(snapshot.quota_remaining)
    log.info(
        "odds_refreshed",
        provider=provider.name,
        events=report.events,
        quotes=report.quotes,
        prices_changed=report.prices_inserted,
        prices_unchanged=report.prices_unchanged,
        prices_superseded=report.prices_superseded,
        rejected=len(report.rejected),
        duration_ms=round((time.perf_counter() - started) * 1000, 1),
    )
    return report


def prune_history(session: Session, *, days: float, now: datetime) -> repository.PruneStats:
    """Apply the retention period: superseded prices and events last seen more than ``days`` ago."""
    stats = repository.prune_history(session, now - timedelta(days=days))
    log.info("odds_history_pruned", days=days, prices=stats.prices, events=stats.events)
    return stats


def list_sports(session: Session) -> list[tuple[Sport, int]]:
    return repository.list_sports(session)


def list_bookmakers(session: Session) -> list[Bookmaker]:
    return repository.all_bookmakers(session)


def list_events(session: Session, **filters: Any) -> tuple[list[tuple[Event, Sport]], int]:
    return repository.list_events(session, **filters)


def get_event(session: Session, event_id: int) -> tuple[Event, Sport]:
    found = repository.get_event(session, event_id)
    if found is None:
        raise NotFound(f"event {event_id} not found")
    return found


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise InvalidInput(
            f"unknown devig method {method!r}", details=[{"parameter": "method", "allowed": list(METHODS)}]
        )


@dataclass
class BoardOutcome:
    name: str
    point: float | None
    prices: dict[str, float] = field(default_factory=dict)  # bookmaker → decimal odds
    best_price: float | None = None
    best_bookmakers: list[str] = field(default_factory=list)
    fair_prob: float | None = None


@dataclass
class BoardMarket:
    market_id: int
    key: str
    period: str
    point: float | None
    player: str
    outcomes: list[BoardOutcome]
    fair_source: str  # sharp | consensus | none
    sharp_books: list[str]
    updated: dict[str, datetime]  # bookmaker → when the book last updated the quote


def event_board(
    session: Session,
    event_id: int,
    *,
    method: str = "shin",
    now: datetime,
    max_age_seconds: float,
) -> tuple[Event, Sport, list[BoardMarket]]:
    """Every book's current price per outcome, the best price and the fair line of each market.

    The fair line is the scan's (:func:`fairedge.odds.board.fair_lines`): sharp quotes older than
    ``max_age_seconds`` since their last confirmation are left out, as the scan leaves them out.
    """
    _check_method(method)
    event, sport = get_event(session, event_id)
    rows = repository.event_board(session, event_id)
    markets: dict[int, BoardMarket] = {}
    for market, price, book in rows:
        board = markets.get(market.id)
        if board is None:
            board = BoardMarket(
                market.id,
                market.key,
                market.period,
                None if market.key.startswith("h2h") else market.point,
                market.player,
                [
                    BoardOutcome(name, outcome_point(market.key, market.point, i))
                    for i, name in enumerate(market.outcomes)
                ],
                "none",
                [],
                {},
            )
            markets[market.id] = board
        if price.outcome_index < len(board.outcomes):
            board.outcomes[price.outcome_index].prices[book.key] = price.price
        board.updated[book.key] = price.last_update or price.first_seen
    for board in markets.values():
        for outcome in board.outcomes:
            if outcome.prices:
                outcome.best_price = max(outcome.prices.values())
                outcome.best_bookmakers = sorted(
                    k for k, v in outcome.prices.items() if v == outcome.best_price
                )
    if rows:
        _attach_fair_line(markets, rows, event, method, now, max_age_seconds)
    return event, sport, list(markets.values())


def _attach_fair_line(
    markets: dict[int, BoardMarket],
    rows: Sequence[Any],
    event: Event,
    method: str,
    now: datetime,
    max_age_seconds: float,
) -> None:
    books = BookFacts.build(
        {(b.id, b.key, b.sharp_weight if b.is_sharp else 0.0, b.commission) for _, _, b in rows}
    )
    confirmed = event.last_seen_at.timestamp()  # every current price of the event was confirmed then
    quotes = build_quotes(
        [m.id for m, _, _ in rows],
        [b.id for _, _, b in rows],
        [p.outcome_index for _, p, _ in rows],
        [p.price for _, p, _ in rows],
        confirmed_at=np.full(len(rows), confirmed),
        books=books,
    )
    ages = quotes.ages(now.timestamp())
    line = fair_lines(quotes, books, method=method, ages=ages, max_age_seconds=max_age_seconds)
    fresh_sharp = (ages <= max_age_seconds) & (books.weight[quotes.book] > 0)
    for i, market_id in enumerate(quotes.market_ids.tolist()):
        board = markets[market_id]
        board.fair_source = {SOURCE_SHARP: "sharp", SOURCE_CONSENSUS: "consensus"}.get(
            int(line.source[i]), "none"
        )
        if board.fair_source == "sharp":
            in_market = fresh_sharp & (quotes.market_index == i)
            board.sharp_books = sorted(books.key[int(b)] for b in quotes.book[in_market])
        for k, outcome in enumerate(board.outcomes):
            value = float(line.prob[i, k])
            outcome.fair_prob = value if np.isfinite(value) else None


@dataclass
class HistoryPoint:
    price: float
    first_seen: datetime
    last_seen: datetime | None
    superseded_at: datetime | None


def event_history(
    session: Session, event_id: int, *, market: str | None, bookmaker: str | None, limit: int
) -> tuple[Event, list[dict[str, Any]]]:
    """Price history per market, book and outcome, oldest first: the data of a line-movement chart."""
    event, _sport = get_event(session, event_id)
    rows = repository.event_history(session, event_id, market_key=market, bookmaker=bookmaker, limit=limit)
    series: dict[tuple[int, str, int], dict[str, Any]] = {}
    for m, price, book in rows:
        key = (m.id, book.key, price.outcome_index)
        entry = series.get(key)
        if entry is None:
            entry = {
                "market_id": m.id,
                "market": m.key,
                "period": m.period,
                "player": m.player or None,
                "point": outcome_point(m.key, m.point, price.outcome_index),
                "bookmaker": book.key,
                "outcome": m.outcomes[price.outcome_index] if price.outcome_index < len(m.outcomes) else "",
                "points": [],
            }
            series[key] = entry
        last_seen = price.last_seen if price.superseded_at is not None else event.last_seen_at
        entry["points"].append(HistoryPoint(price.price, price.first_seen, last_seen, price.superseded_at))
    return event, list(series.values())


# --- the board as the scan reads it (other domains go through this service, not the repository) ----------

BoardRows = repository.BoardRows
MarketInfo = repository.MarketInfo
MarketShape = repository.MarketShape


def load_board(session: Session, *, now: datetime) -> BoardRows:
    """The pre-match board (events not started at ``now``) as columns."""
    return repository.load_board(session, now=now)


def book_facts(session: Session) -> BookFacts:
    return BookFacts.build(
        (b.id, b.key, b.sharp_weight if b.is_sharp else 0.0, b.commission)
        for b in repository.all_bookmakers(session)
    )


def line_market_shapes(session: Session) -> list[MarketShape]:
    return repository.line_market_shapes(session)


def markets_by_id(session: Session, ids: Iterable[int]) -> dict[int, MarketInfo]:
    return repository.markets_by_id(session, ids)


def events_with_sport(session: Session, ids: Iterable[int]) -> dict[int, tuple[Event, Sport]]:
    return repository.events_with_sport(session, ids)


def latest_refresh(session: Session) -> datetime | None:
    return repository.latest_refresh(session)


def latest_refresh_by_sport(session: Session) -> dict[str, datetime]:
    """Per sport key, the last refresh that carried any of its events."""
    return repository.latest_refresh_by_sport(session)
