"""Opportunity rules: scan the stored board and publish the result; withdraw what aged; read opportunities as
the caller's plan shows them."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import structlog
from sqlalchemy import Row
from sqlalchemy.orm import Session

from fairedge.billing.plans import Plan
from fairedge.errors import InvalidInput, NotFound, PlanLimitReached
from fairedge.kit.gcpause import gc_paused
from fairedge.observability import metrics
from fairedge.odds import service as odds
from fairedge.odds.board import build_quotes
from fairedge.odds.models import Event, Sport
from fairedge.odds.quotes import outcome_point
from fairedge.opportunities import repository
from fairedge.opportunities.entitlement import Entitlement, Withheld
from fairedge.opportunities.models import KINDS, Opportunity
from fairedge.opportunities.repository import OpportunityFilter
from fairedge.opportunities.scan import Found, ScanConfig, Shape, scan

log = structlog.get_logger(__name__)

# What endpoints and the CLI build queries with (they never import the repository).
SORT_ORDERS = tuple(repository.SORTS)
__all__ = ["SORT_ORDERS", "OpportunityFilter"]

# Which kinds each rate filter applies to: one name, one meaning.
FILTER_KINDS = {"min_ev": ("ev", "middle"), "min_profit_margin": ("arbitrage",)}


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
    changes: repository.ReplaceStats  # by id: what the live stream sends


def run_scan(session: Session, config: ScanConfig, *, now: datetime) -> ScanReport:
    """Price the pre-match board at ``now`` and replace the active opportunities, in the caller's
    transaction."""
    with gc_paused():
        return _run_scan(session, config, now)


def _run_scan(session: Session, config: ScanConfig, now: datetime) -> ScanReport:
    started = time.perf_counter()
    board = odds.load_board(session, now=now)
    books = odds.book_facts(session)
    quotes = build_quotes(
        board.market_id,
        board.bookmaker_id,
        board.outcome_index,
        board.price,
        confirmed_at=board.confirmed_at,
        book_updated_at=board.book_updated_at,
        books=books,
    )
    found: list[Found] = []
    if board.price.size:
        shapes = {
            s.id: Shape(s.event_id, s.key, s.period, s.point, s.player)
            for s in odds.line_market_shapes(session)
        }
        found = scan(quotes, books, shapes, config, now=now.timestamp())
    counts = dict.fromkeys(KINDS, 0)
    for f in found:
        counts[f.kind] += 1
    rows = _rows(session, found)
    del found  # the rows carry it on; the scan's peak memory is the rewrite's
    stats = repository.replace_active(session, rows, now, max_age_seconds=config.max_age_seconds)
    del rows
    metrics.OPPORTUNITIES_COUNT.set(sum(counts.values()))
    for kind, n in counts.items():
        metrics.OPPORTUNITIES_BY_KIND.labels(kind=kind).set(n)
    metrics.SCAN_PRICES.inc(len(board.price))
    report = ScanReport(
        prices=len(board.price),
        quotes=int(quotes.odds.shape[0]),
        markets=quotes.n_markets,
        found=counts,
        inserted=stats.inserted,
        updated=stats.updated,
        closed=stats.closed,
        seconds=time.perf_counter() - started,
        changes=stats,
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


def _instant(epoch: float) -> datetime:
    # Milliseconds: SQLite's julianday() round trip is not exact to the microsecond.
    return datetime.fromtimestamp(round(epoch, 3), UTC)


def _rows(session: Session, found: list[Found]) -> list[tuple[Any, ...]]:
    """Found opportunities as rows in ``repository.FOUND_COLUMNS`` order, with names attached."""
    markets = odds.markets_by_id(session, {leg.market_id for f in found for leg in f.legs})
    events = odds.events_with_sport(session, {m.event_id for m in markets.values()})
    instants: dict[float, datetime] = {}
    names: dict[tuple[int, int], tuple[str, float | None]] = {}  # (market, outcome) → name, point
    rows = []
    for f in found:
        market = markets[f.market_id]
        event, sport = events[market.event_id]
        legs = []
        for leg in f.legs:
            named = names.get((leg.market_id, leg.outcome_index))
            if named is None:
                leg_market = markets[leg.market_id]
                named = names[(leg.market_id, leg.outcome_index)] = (
                    _name(leg_market, leg.outcome_index),
                    outcome_point(leg_market.key, leg_market.point, leg.outcome_index),
                )
            legs.append(
                {
                    "bookmaker": leg.bookmaker,
                    "market_id": leg.market_id,
                    "outcome_index": leg.outcome_index,
                    "outcome": named[0],
                    "point": named[1],
                    "price": leg.price,
                    "net_price": leg.net_price,
                    "stake": leg.stake,
                    "payout": leg.payout,
                }
            )
        confirmed = instants.get(f.confirmed_at) or instants.setdefault(
            f.confirmed_at, _instant(f.confirmed_at)
        )
        updated = instants.get(f.book_updated_at) or instants.setdefault(
            f.book_updated_at, _instant(f.book_updated_at)
        )
        rows.append(
            (
                f.key,
                f.kind,
                event.id,
                f.market_id,
                sport.key,
                market.key,
                market.period,
                legs,
                f.ev,
                f.fair_prob,
                f.kelly_fraction,
                f.hold,
                f.devig_method,
                f.fair_source,
                f.sharp_books,
                f.profit_margin,
                f.hit_probability,
                f.max_loss,
                None if f.window is None else f.window[0],
                None if f.window is None else f.window[1],
                f.axis,
                event.commence_time,
                confirmed,
                updated,
            )
        )
    return rows


def _name(market: odds.MarketInfo, index: int) -> str:
    name = market.outcomes[index] if index < len(market.outcomes) else f"outcome {index}"
    return f"{market.player} {name}" if market.player else name


def withdraw_expired(session: Session, *, now: datetime, max_age_seconds: float) -> list[tuple[int, str]]:
    """Withdraw active opportunities whose event started or whose quotes went stale, on a timer: true
    whether or not refreshes succeed. The withdrawn as (id, reason)."""
    ended = repository.end_expired(session, now, max_age_seconds=max_age_seconds)
    if ended:
        log.info("opportunities_expired", **expiry_counts(ended))
    return ended


def expiry_counts(ended: Sequence[tuple[int, str]]) -> dict[str, int]:
    counts = {"started": 0, "stale": 0}
    for _, reason in ended:
        counts[reason] += 1
    return counts


def expire(session: Session, *, now: datetime, max_age_seconds: float) -> dict[str, int]:
    """:func:`withdraw_expired`, counted by reason."""
    return expiry_counts(withdraw_expired(session, now=now, max_age_seconds=max_age_seconds))


def prune_history(session: Session, *, days: float, now: datetime) -> int:
    """Apply the retention period (``PRICE_HISTORY_DAYS``, as for prices) to ended opportunities, and remove
    those of events the odds retention deleted."""
    removed = repository.prune(session, now - timedelta(days=days))
    log.info("opportunities_pruned", days=days, opportunities=removed)
    return removed


def choose_method(requested: str | None, computed: Sequence[str]) -> str:
    """The devig method a list is measured against: the one asked for, else the first computed
    (``SCAN_DEVIG_METHODS``); a method the scan does not compute here is refused, not answered empty."""
    chosen = requested or computed[0]
    if chosen not in computed:
        raise InvalidInput(
            f"devig method {chosen!r} is not computed here; SCAN_DEVIG_METHODS is {','.join(computed)}",
            details=[{"parameter": "method", "allowed": list(computed)}],
        )
    return chosen


def check_filter(f: OpportunityFilter) -> None:
    """A rate filter that applies to none of the requested kinds is a mistake, not an empty answer."""
    kinds = f.kinds or KINDS
    for name, applies_to in FILTER_KINDS.items():
        if getattr(f, name) is not None and not set(kinds) & set(applies_to):
            raise InvalidInput(
                f"{name} applies to {' and '.join(applies_to)} opportunities, not to {', '.join(kinds)}",
                details=[{"parameter": name, "applies_to": list(applies_to), "kinds": list(kinds)}],
            )


@dataclass(slots=True)
class OpportunityList:
    """One page of what a plan shows, and what it withheld of the opportunities the filters match."""

    rows: list[tuple[Opportunity, Event, Sport]]
    total: int  # shown across every page, after the cap
    withheld: list[Withheld]  # in the rules' order; empty when nothing was withheld
    plan: str


def list_opportunities(
    session: Session,
    f: OpportunityFilter,
    plan: Plan,
    *,
    now: datetime,
    max_age_seconds: float,
    sort: str,
    offset: int,
    limit: int,
) -> OpportunityList:
    """The opportunities matching ``f`` that ``plan`` shows, at most ``plan.max_results`` across all pages.

    A filter outside the plan (``kind=middle`` on free) is not an error: the answer is empty and says why.
    """
    check_filter(f)
    ent = Entitlement(plan, now)
    tally = repository.count_by_reason(session, f, ent, now=now, max_age_seconds=max_age_seconds)
    total, withheld = _capped(ent, tally)
    rows = []
    if offset < total:
        rows = repository.list_visible(
            session,
            f,
            ent,
            now=now,
            max_age_seconds=max_age_seconds,
            sort=sort,
            offset=offset,
            limit=min(limit, total - offset),
        )
    return OpportunityList(rows=rows, total=total, withheld=withheld, plan=plan.name)


def _capped(ent: Entitlement, tally: repository.Tally) -> tuple[int, list[Withheld]]:
    """The total a plan shows across every page (its cap applied), and what it withheld, by reason."""
    counts = dict(tally.counts)
    shown = counts.pop(repository.SHOWN, 0)
    total = shown if ent.max_results is None else min(shown, ent.max_results)
    counts["cap"] = shown - total
    return total, ent.summary(counts)


@dataclass(slots=True)
class OpportunityPage:
    """One page as the API serves it: plain rows of ``repository.PAGE_COLUMNS``, and until when it holds."""

    rows: Sequence[Row[Any]]
    total: int
    withheld: list[Withheld]
    plan: str
    holds_until: datetime | None  # the first instant time changes the answer; None: only a new scan does


def list_page(
    session: Session,
    f: OpportunityFilter,
    plan: Plan,
    *,
    now: datetime,
    max_age_seconds: float,
    sort: str,
    offset: int,
    limit: int,
) -> OpportunityPage:
    """As :func:`list_opportunities`, in plain rows, with the instant the answer stops holding as time
    passes: an opportunity's event starts or its quotes pass an age limit (it leaves), or a delayed one
    reaches the plan's delay (it shows). Until then only a scan or the expiry job changes it."""
    check_filter(f)
    ent = Entitlement(plan, now)
    tally = repository.count_by_reason(session, f, ent, now=now, max_age_seconds=max_age_seconds)
    total, withheld = _capped(ent, tally)
    rows: Sequence[Row[Any]] = []
    if offset < total:
        rows = repository.list_page(
            session,
            f,
            ent,
            now=now,
            max_age_seconds=max_age_seconds,
            sort=sort,
            offset=offset,
            limit=min(limit, total - offset),
        )
    changes = []
    if not f.include_ended:  # only live opportunities are listed: they leave at the start or when stale
        changes.append(tally.first_start)
        if tally.oldest_confirmed is not None:
            changes.append(tally.oldest_confirmed + timedelta(seconds=max_age_seconds))
    if f.max_age_seconds is not None and tally.oldest_confirmed is not None:
        changes.append(tally.oldest_confirmed + timedelta(seconds=f.max_age_seconds))
    if tally.first_delayed is not None:
        changes.append(tally.first_delayed + timedelta(seconds=plan.delay_seconds))
    holds_until = min((c for c in changes if c is not None), default=None)
    return OpportunityPage(rows, total, withheld, plan.name, holds_until)


def get_opportunity(
    session: Session, opportunity_id: int, plan: Plan, *, now: datetime
) -> tuple[Opportunity, Event, Sport]:
    """One opportunity, if ``plan`` shows it: one it withholds is refused with the reason (its existence
    is no secret, its content is)."""
    found = repository.get_opportunity(session, opportunity_id)
    if found is None:
        raise NotFound(f"opportunity {opportunity_id} not found")
    opp, _, sport = found
    ent = Entitlement(plan, now)
    reason = ent.withheld(
        kind=opp.kind,
        market=opp.market_key,
        league=sport.key,
        sport=sport.group_name,
        first_seen=opp.first_seen,
    )
    if reason is not None:
        details: dict[str, str] = {"reason": reason, "plan": plan.name}
        if reason == "delay":
            details["shown_from"] = (opp.first_seen + timedelta(seconds=plan.delay_seconds)).isoformat()
        raise PlanLimitReached(f"opportunity {opportunity_id}: {ent.message(reason)}", details=details)
    return found


def active_counts(session: Session) -> dict[str, int]:
    """Active opportunities by kind (every kind, 0 when it has none): what the last scan left standing."""
    found = repository.count_active_by_kind(session)
    return {kind: found.get(kind, 0) for kind in KINDS}


# The live stream (stream.py): the list's rules applied to one changed row.
Verdict = Literal["shown", "delay"]


def stream_verdict(
    f: OpportunityFilter,
    ent: Entitlement,
    row: Row[Any],
    *,
    now: datetime,
    max_age_seconds: float,
    live: bool = True,
) -> Verdict | None:
    """Whether the list with filters ``f`` under ``ent`` shows this row of ``repository.PAGE_COLUMNS`` now
    (``shown``), will once the plan's delay is over (``delay``), or not (None); the cap aside. ``live=False``:
    its scope only (kind, market, sport, the filters), not what time changes."""
    if not repository.matches(f, row, now, max_age_seconds, live=live):
        return None
    reason = ent.withheld(
        kind=row.kind,
        market=row.market_key,
        league=row.sport_key,
        sport=row.group_name,
        first_seen=row.first_seen,
    )
    if reason is None:
        return "shown"
    return "delay" if reason == "delay" and live else None


def changed_rows(session: Session, ids: Sequence[int]) -> list[Row[Any]]:
    """The opportunities of a change log entry, as plain rows of ``repository.PAGE_COLUMNS``."""
    return repository.rows_by_ids(session, ids)


def delayed_rows(
    session: Session, f: OpportunityFilter, plan: Plan, *, now: datetime, max_age_seconds: float
) -> Sequence[Row[Any]]:
    """What the list with filters ``f`` would show on ``plan`` but for its delay, as plain rows."""
    return repository.list_delayed(
        session, f, Entitlement(plan, now), now=now, max_age_seconds=max_age_seconds
    )
