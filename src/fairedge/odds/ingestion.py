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

import numpy as np
import structlog
from sqlalchemy.orm import Session

from fairedge.kit.gcpause import gc_paused
from fairedge.observability import metrics
from fairedge.odds import pricediff, repository, rows
from fairedge.odds.bookmakers import DEFAULT_SHARP_BOOKS, SharpBook
from fairedge.odds.providers.base import EventOdds, MarketQuote, Outcome, Snapshot
from fairedge.odds.quotes import SPREAD_KEYS, MarketIdentity, MarketKey, QuoteColumns

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


def normalise_snapshot(snapshot: Snapshot) -> tuple[QuoteColumns, list[Rejection]]:
    """Every valid quote of the snapshot as columns, and why each invalid one was rejected.

    The hot path of every refresh (about 90,000 quotes for a large board). The common shapes — two
    outcomes in canonical or reversed order, a three-way h2h in canonical order — are checked inline and
    accept exactly what :func:`normalise_market` accepts; anything else goes through it, with its reasons.
    """
    quotes = QuoteColumns()
    rejections: list[Rejection] = []
    fetched = snapshot.fetched_at
    add_market, add_book = quotes.market.append, quotes.bookmaker.append
    add_0, add_1, add_2 = quotes.price_0.append, quotes.price_1.append, quotes.price_2.append
    add_stamp = quotes.last_update.append
    market_numbers: dict[MarketKey, int] = {}
    book_numbers: dict[str, int] = {}
    nan, inf = math.nan, math.inf

    def number(market_key: MarketKey, names: tuple[str, ...]) -> int:
        quotes.markets.append(market_key)
        quotes.outcomes.append(names)
        market_numbers[market_key] = len(quotes.markets) - 1
        return len(quotes.markets) - 1

    for event in snapshot.events:
        eid, home, away = event.id, event.home_team, event.away_team
        pair = (home, away)
        fast = home != away and "Draw" not in pair and not set(pair) & set(OVER_UNDER)
        for book in event.bookmakers:
            bkey = book.key
            book_number = book_numbers.get(bkey)
            if book_number is None:
                book_number = book_numbers[bkey] = len(quotes.books)
                quotes.books.append(bkey)
                quotes.book_titles.append(book.title)
            book_stamp = book.last_update
            # A book's clock ahead of ours must not make a quote look younger than new.
            if book_stamp is None or book_stamp > fetched:
                book_stamp = fetched
            for market in book.markets:
                stamp = market.last_update
                stamp = book_stamp if stamp is None else fetched if stamp > fetched else stamp
                key, outcomes = market.key, market.outcomes
                found: MarketKey | None = None
                names: tuple[str, ...] = pair
                third = nan
                if fast and 2 <= len(outcomes) <= 3:
                    o0, o1 = outcomes[0], outcomes[1]
                    a, b = o0.price, o1.price
                    try:
                        valid = 1.0 < a < inf and 1.0 < b < inf
                    except TypeError:
                        valid = False
                    n0, n1 = o0.name, o1.name
                    if not valid:
                        pass
                    elif len(outcomes) == 3:
                        o2 = outcomes[2]
                        c = o2.price
                        try:
                            valid = 1.0 < c < inf
                        except TypeError:
                            valid = False
                        if (
                            valid
                            and (key == "h2h" or key == "h2h_lay")
                            and n0 == home
                            and n1 == away
                            and o2.name == "Draw"
                            and o0.point is None
                            and o1.point is None
                            and o2.point is None
                        ):
                            found, names, third = (eid, key, market.period, 0.0, ""), (home, away, "Draw"), c
                    elif key == "h2h" or key == "h2h_lay":
                        if o0.point is None and o1.point is None:
                            if n0 == home and n1 == away:
                                found = (eid, key, market.period, 0.0, "")
                            elif n0 == away and n1 == home:
                                found, a, b = (eid, key, market.period, 0.0, ""), b, a
                    elif key in SPREAD_KEYS:
                        p0, p1 = o0.point, o1.point
                        if p0 is not None and p1 is not None and p1 == -p0:
                            if n0 == home and n1 == away:
                                found = (eid, key, market.period, float(p0), "")
                            elif n0 == away and n1 == home:
                                found, a, b = (eid, key, market.period, float(p1), ""), b, a
                    else:
                        p0 = o0.point
                        if p0 is not None and p0 == o1.point and o0.description == o1.description:
                            if n0 == "Over" and n1 == "Under":
                                found = (eid, key, market.period, float(p0), o0.description or "")
                            elif n0 == "Under" and n1 == "Over":
                                found, a, b = (eid, key, market.period, float(p0), o0.description or ""), b, a
                            names = OVER_UNDER
                if found is not None:
                    market_number = market_numbers.get(found)
                    add_market(number(found, names) if market_number is None else market_number)
                    add_book(book_number)
                    add_0(float(a))
                    add_1(float(b))
                    add_2(float(third))
                    add_stamp(stamp)
                    continue
                try:
                    normalised = normalise_market(event, market)
                except QuoteError as exc:
                    rejections.append(Rejection(eid, bkey, key, str(exc)))
                    continue
                for identity, outcome_names, prices in normalised:
                    market_key = (eid, *identity)
                    market_number = market_numbers.get(market_key)
                    add_market(number(market_key, outcome_names) if market_number is None else market_number)
                    add_book(book_number)
                    add_0(prices[0])
                    add_1(prices[1])
                    add_2(prices[2] if len(prices) > 2 else nan)
                    add_stamp(stamp)
    return quotes, rejections


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
    stats = store_quotes(session, snapshot, quotes, sharp)
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


@dataclass(slots=True)
class StoreStats:
    new_markets: int = 0
    inserted: int = 0  # prices that changed or are new
    unchanged: int = 0
    superseded: int = 0  # prices replaced or pulled


def store_quotes(
    session: Session, snapshot: Snapshot, quotes: QuoteColumns, sharp: Sequence[SharpBook]
) -> StoreStats:
    """Write a validated snapshot: sports, books, events, new markets, then only what changed.

    A changed quote is updated in place on the board and its old prices appended to the history; a new
    one is added; a current quote of the snapshot's events that the snapshot does not carry (pulled,
    rejected, or the event completed) leaves the board for the history at once. Unchanged quotes are
    not written.
    """
    stats = StoreStats()
    sport_ids = repository.upsert_sports(session, rows.sport_rows(snapshot))
    book_ids = repository.upsert_bookmakers(session, rows.bookmaker_rows(quotes, snapshot.bookmakers, sharp))
    event_ids, previously_seen = repository.upsert_events(session, rows.event_rows(snapshot, sport_ids))
    provider_ids = {eid: pid for pid, eid in event_ids.items()}
    found = repository.markets_of_events(session, sorted(provider_ids))
    markets = rows.market_index(found, provider_ids)
    new_markets = rows.new_market_rows(quotes, markets, event_ids)
    if new_markets:
        repository.insert_markets(session, new_markets)
        created = {row["event_id"] for row in new_markets}
        found = [m for m in found if m[1] not in created]
        found += repository.markets_of_events(session, sorted(created))
        markets = rows.market_index(found, provider_ids)
    stats.new_markets = len(new_markets)

    fetched = rows.micros(snapshot.fetched_at)
    board = rows.snapshot_quotes(quotes, markets, book_ids, snapshot.fetched_at)
    current = repository.current_quotes(session, [m[0] for m in found])
    diff = pricediff.diff_quotes(current, board)
    ended = current.take(np.concatenate([diff.replaced, diff.pulled]))
    seen = rows.last_seen(ended.market_id, found, previously_seen, default=fetched)
    repository.append_history(session, ended, seen, superseded_at=fetched)
    repository.update_quotes(session, board.take(diff.changed))
    repository.insert_quotes(session, board.take(diff.new))
    pulled = current.take(diff.pulled)
    repository.delete_quotes(session, pulled.market_id, pulled.bookmaker_id)
    stats.inserted, stats.unchanged = diff.prices_changed, diff.prices_unchanged
    stats.superseded = diff.prices_superseded
    return stats
