"""Opportunity rules: run the scan over the stored board and publish the result; read opportunities."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy.orm import Session

from fairedge.errors import NotFound
from fairedge.kit.gcpause import gc_paused
from fairedge.observability import metrics
from fairedge.odds import repository as odds_repo
from fairedge.odds.models import Event, Sport
from fairedge.odds.quotes import outcome_point
from fairedge.opportunities import repository
from fairedge.opportunities.models import Opportunity
from fairedge.opportunities.repository import OpportunityFilter
from fairedge.opportunities.scan import BookTable, Found, ScanConfig, Shape, build_quotes, scan

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class ScanReport:
    prices: int
    quotes: int
    markets: int
    found: dict[str, int]
    inserted: int
    updated: int
    closed: int
    seconds: float
    board_time: datetime | None


def run_scan(session: Session, config: ScanConfig, *, now: datetime | None = None) -> ScanReport:
    """Price the current board and replace the active opportunities, in the caller's transaction."""
    with gc_paused():
        return _run_scan(session, config, now=now)


def _run_scan(session: Session, config: ScanConfig, *, now: datetime | None) -> ScanReport:
    started = time.perf_counter()
    board_time = odds_repo.latest_refresh(session)
    now = now or board_time or datetime.now(UTC)
    board = odds_repo.load_board(session, now=now)
    books = BookTable.build(
        [
            (b.id, b.key, b.sharp_weight if b.is_sharp else 0.0, b.commission)
            for b in odds_repo.all_bookmakers(session)
        ]
    )
    found: list[Found] = []
    quotes = None
    if board.price.size:
        quotes = build_quotes(
            board.market_id,
            board.bookmaker_id,
            board.outcome_index,
            board.price,
            board.confirmed_at,
            board_time=(board_time or now).timestamp(),
            books=books,
        )
        shapes = {
            s.id: Shape(s.event_id, s.key, s.period, s.point, s.player)
            for s in odds_repo.line_market_shapes(session)
        }
        found = scan(quotes, books, shapes, config)
    rows = _rows(session, found)
    stats = repository.replace_active(session, rows, now)
    counts: dict[str, int] = {}
    for f in found:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    metrics.OPPORTUNITIES_COUNT.set(len(found))
    for kind in ("ev", "arbitrage", "middle"):
        metrics.OPPORTUNITIES_BY_KIND.labels(kind=kind).set(counts.get(kind, 0))
    metrics.SCAN_PRICES.inc(len(board.price))
    report = ScanReport(
        prices=len(board.price),
        quotes=0 if quotes is None else int(quotes.odds.shape[0]),
        markets=0 if quotes is None else int(quotes.market_ids.size),
        found=counts,
        inserted=stats.inserted,
        updated=stats.updated,
        closed=stats.closed,
        seconds=time.perf_counter() - started,
        board_time=board_time,
    )
    log.info(
        "scan_completed",
        prices=report.prices,
        found=counts,
        inserted=stats.inserted,
        closed=stats.closed,
        duration_ms=round(report.seconds * 1000, 1),
    )
    return report


def _rows(session: Session, found: list[Found]) -> list[dict[str, Any]]:
    markets = odds_repo.markets_by_id(session, [f.market_id for f in found])
    events = odds_repo.events_with_sport(session, [m.event_id for m in markets.values()])
    rows = []
    for f in found:
        market = markets[f.market_id]
        event, sport = events[market.event_id]
        outcome, point = _describe(f, market, markets)
        rows.append(
            {
                "key": f.key,
                "kind": f.kind,
                "event_id": event.id,
                "market_id": f.market_id,
                "sport_key": sport.key,
                "market_key": market.key,
                "period": market.period,
                "outcome": outcome,
                "point": point,
                "bookmaker": f.bookmaker,
                "price": f.price,
                "fair_prob": f.fair_prob,
                "ev": f.ev,
                "kelly": f.kelly,
                "devig_method": f.devig_method,
                "sharp_books": f.sharp_books,
                "hold": f.hold,
                "quote_age_seconds": f.quote_age_seconds,
                "commence_time": event.commence_time,
                "details": _with_leg_names(f, markets),
            }
        )
    return rows


def _describe(
    f: Found, market: odds_repo.MarketInfo, markets: dict[int, odds_repo.MarketInfo]
) -> tuple[str, float | None]:
    if f.kind == "ev":
        return _name(market, f.outcome_index), outcome_point(market.key, market.point, f.outcome_index)
    if f.kind == "arbitrage":
        return " / ".join(market.outcomes), outcome_point(market.key, market.point, 0)
    legs = f.details["legs"]
    second = markets.get(legs[1]["market_id"], market)
    return f"{_name(market, 0)} / {_name(second, 1)}", outcome_point(market.key, market.point, 0)


def _name(market: odds_repo.MarketInfo, index: int) -> str:
    name = market.outcomes[index] if index < len(market.outcomes) else f"outcome {index}"
    return f"{market.player} {name}" if market.player else name


def _with_leg_names(f: Found, markets: dict[int, odds_repo.MarketInfo]) -> dict[str, Any]:
    details = dict(f.details)
    if "legs" in details:
        legs = []
        for leg in details["legs"]:
            market = markets.get(leg.get("market_id", f.market_id), markets[f.market_id])
            index = leg["outcome_index"]
            legs.append(
                {
                    **leg,
                    "market_id": market.id,
                    "outcome": _name(market, index),
                    "point": outcome_point(market.key, market.point, index),
                }
            )
        details["legs"] = legs
    return details


def list_opportunities(
    session: Session, f: OpportunityFilter, *, sort: str, offset: int, limit: int
) -> tuple[list[tuple[Opportunity, Event, Sport]], int]:
    return repository.list_opportunities(session, f, sort=sort, offset=offset, limit=limit)


def get_opportunity(session: Session, opportunity_id: int) -> tuple[Opportunity, Event, Sport]:
    found = repository.get_opportunity(session, opportunity_id)
    if found is None:
        raise NotFound(f"opportunity {opportunity_id} not found")
    return found
