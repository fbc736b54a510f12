"""Normalise, validate and store one provider snapshot.

A bad quote (odds ≤ 1 or not a number, a missing or duplicate outcome, an unknown market shape, a point on
an h2h market, spreads whose points do not mirror) is logged with the reason and skipped; the rest of the
batch is stored. Storing is idempotent: the same snapshot twice changes nothing. All writes are bulk
statements (see ``repository``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import structlog
from sqlalchemy.orm import Session

from fairedge.kit.gcpause import gc_paused
from fairedge.observability import metrics
from fairedge.odds import repository
from fairedge.odds.bookmakers import DEFAULT_SHARP_BOOKS, SharpBook
from fairedge.odds.providers.base import BookmakerQuote, EventOdds, MarketQuote, Outcome, Snapshot
from fairedge.odds.quotes import SPREAD_KEYS, MarketIdentity, Quote

log = structlog.get_logger(__name__)

OVER_UNDER = ("Over", "Under")


@dataclass(frozen=True, slots=True)
class Rejection:
    event_id: str
    bookmaker: str
    market: str
    reason: str


@dataclass(slots=True)
class IngestReport:
    fetched_at: datetime
    events: int = 0
    quotes: int = 0
    new_markets: int = 0
    prices_inserted: int = 0
    prices_unchanged: int = 0
    prices_superseded: int = 0
    rejected: list[Rejection] = field(default_factory=list)


NormalisedMarket = tuple[MarketIdentity, tuple[str, ...], tuple[float, ...]]


class QuoteError(ValueError):
    """Why one quote cannot be stored."""


def _valid_price(outcome: Outcome) -> float:
    price = outcome.price
    # One chained comparison rejects NaN, infinity and odds ≤ 1; a non-number raises TypeError.
    try:
        if 1.0 < price < math.inf:
            return float(price)
    except TypeError:
        pass
    raise QuoteError(f"invalid odds {price!r} for {outcome.name!r}: decimal odds must be a number > 1")


def _h2h(event: EventOdds, market: MarketQuote) -> list[NormalisedMarket]:
    # The hot path of every refresh: check cheaply, work out the details of a failure only when it fails.
    by_name = {}
    for o in market.outcomes:
        if o.point is not None:
            raise QuoteError("a point on an h2h market")
        if o.name in by_name:
            raise QuoteError("duplicate outcome")
        by_name[o.name] = o
    names = (
        (event.home_team, event.away_team, "Draw")
        if len(by_name) == 3
        else (event.home_team, event.away_team)
    )
    try:
        prices = tuple(_valid_price(by_name[name]) for name in names)
    except KeyError:
        prices = ()
    if len(prices) != len(by_name):
        expected = [event.home_team, event.away_team, *(["Draw"] if "Draw" in by_name else [])]
        missing = [name for name in expected if name not in by_name]
        extra = sorted(set(by_name) - set(expected))
        raise QuoteError(f"outcomes do not match the event: missing {missing}, unexpected {extra}")
    return [(MarketIdentity(market.key, market.period, 0.0, ""), names, prices)]


def _spreads(event: EventOdds, market: MarketQuote) -> list[NormalisedMarket]:
    # Alternate spreads carry several lines in one market: pair each home line with its mirrored away line.
    unexpected = {o.name for o in market.outcomes} - {event.home_team, event.away_team}
    if unexpected:
        raise QuoteError(f"unexpected outcomes {sorted(unexpected)}")
    home = [o for o in market.outcomes if o.name == event.home_team]
    away = {o.point: o for o in market.outcomes if o.name == event.away_team}
    if len({o.point for o in home}) != len(home) or len(home) + len(away) != len(market.outcomes):
        raise QuoteError("duplicate outcome")  # the same side at the same point twice
    if not home or len(home) != len(away):
        raise QuoteError("missing outcome: spreads need a home and an away line")
    found: list[NormalisedMarket] = []
    for h in home:
        if h.point is None:
            raise QuoteError("spreads outcome without a point")
        a = away.get(-h.point)
        if a is None:
            raise QuoteError(f"spread points do not mirror: home {h.point} has no away {-h.point}")
        found.append(
            (
                MarketIdentity(market.key, market.period, float(h.point), ""),
                (event.home_team, event.away_team),
                (_valid_price(h), _valid_price(a)),
            )
        )
    return found


def _over_under(market: MarketQuote) -> list[NormalisedMarket]:
    # Totals, alternate totals and player props: Over/Under pairs per (player, point).
    groups: dict[tuple[str, float | None], dict[str, Outcome]] = defaultdict(dict)
    for o in market.outcomes:
        if o.name not in OVER_UNDER:
            raise QuoteError(f"unknown market shape: outcome {o.name!r} in an over/under market")
        sides = groups[(o.description or "", o.point)]
        if o.name in sides:
            raise QuoteError("duplicate outcome")
        sides[o.name] = o
    found: list[NormalisedMarket] = []
    for (player, point), sides in groups.items():
        if point is None:
            raise QuoteError("over/under outcome without a point")
        if len(sides) != 2:
            raise QuoteError(f"missing outcome at {point}: need both Over and Under")
        prices = (_valid_price(sides["Over"]), _valid_price(sides["Under"]))
        found.append((MarketIdentity(market.key, market.period, float(point), player), OVER_UNDER, prices))
    return found


def normalise_market(event: EventOdds, market: MarketQuote) -> list[NormalisedMarket]:
    """Split a provider market into valid FairEdge markets, or raise QuoteError saying why not."""
    if not market.outcomes:
        raise QuoteError("missing outcome: market has no outcomes")
    key = market.key
    if key in ("h2h", "h2h_lay"):
        return _h2h(event, market)
    if key in SPREAD_KEYS:
        return _spreads(event, market)
    if all(o.name in OVER_UNDER for o in market.outcomes):
        return _over_under(market)
    raise QuoteError(f"unknown market shape for {key!r}")


def normalise_snapshot(snapshot: Snapshot) -> tuple[list[Quote], list[Rejection]]:
    quotes: list[Quote] = []
    rejections: list[Rejection] = []
    for event in snapshot.events:
        for book in event.bookmakers:
            for market in book.markets:
                try:
                    found = normalise_market(event, market)
                except QuoteError as exc:
                    rejections.append(Rejection(event.id, book.key, market.key, str(exc)))
                    continue
                stamp = _quote_time(market, book, snapshot.fetched_at)
                quotes.extend(
                    Quote(event.id, book.key, identity, outcomes, prices, stamp)
                    for identity, outcomes, prices in found
                )
    return quotes, rejections


def _quote_time(market: MarketQuote, book: BookmakerQuote, fetched_at: datetime) -> datetime:
    stamp = market.last_update or book.last_update or fetched_at
    return min(stamp, fetched_at)  # a book's clock ahead of ours must not make a quote look younger than new


def ingest_snapshot(
    session: Session, snapshot: Snapshot, *, provider: str, sharp: Sequence[SharpBook] = DEFAULT_SHARP_BOOKS
) -> IngestReport:
    """Store a snapshot in the caller's transaction (the job commits)."""
    with gc_paused():
        return _ingest(session, snapshot, provider=provider, sharp=sharp)


def _ingest(
    session: Session, snapshot: Snapshot, *, provider: str, sharp: Sequence[SharpBook]
) -> IngestReport:
    quotes, rejections = normalise_snapshot(snapshot)
    for rejection in rejections:
        log.warning(
            "quote_rejected",
            provider=provider,
            event_id=rejection.event_id,
            bookmaker=rejection.bookmaker,
            market=rejection.market,
            reason=rejection.reason,
        )
    report = IngestReport(fetched_at=snapshot.fetched_at, rejected=rejections)
    stats = repository.store_snapshot(session, snapshot, quotes, sharp)
    report.events = len(snapshot.events)
    report.quotes = len(quotes)
    report.new_markets = stats.new_markets
    report.prices_inserted = stats.inserted
    report.prices_unchanged = stats.unchanged
    report.prices_superseded = stats.superseded
    metrics.ODDS_PRICES_INGESTED.labels(provider=provider, result="changed").inc(stats.inserted)
    metrics.ODDS_PRICES_INGESTED.labels(provider=provider, result="unchanged").inc(stats.unchanged)
    metrics.ODDS_QUOTES_REJECTED.labels(provider=provider).inc(len(rejections))
    return report
