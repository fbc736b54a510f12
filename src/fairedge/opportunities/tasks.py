"""Opportunity jobs: ``tasks.ev_calculation`` rescans the stored board; ``tasks.cache_warming`` precomputes
the lists asked for most; ``tasks.opportunity_expiry`` withdraws what went stale or started, on its own timer;
``tasks.opportunity_retention`` bounds the history.

The scan and the expiry retire the cached answers of the board they changed, after their transaction has
committed (a reader that saw the old board stored its answer under the old version), and append what they
changed to the live stream's change log (stream.py).
"""

from __future__ import annotations

import time
from typing import Any, Literal

from sqlalchemy.orm import Session, sessionmaker

from fairedge.billing.plans import SOLD_PLANS, Plan, plans
from fairedge.cache import Cache
from fairedge.config import Settings
from fairedge.db.engine import session_scope
from fairedge.kit.timeutil import Clock
from fairedge.odds import event_board
from fairedge.odds import service as odds
from fairedge.opportunities import listing, stream
from fairedge.opportunities.models import KINDS
from fairedge.opportunities.scan import ScanConfig
from fairedge.opportunities.service import (
    OpportunityFilter,
    expiry_counts,
    prune_history,
    run_scan,
    withdraw_expired,
)
from fairedge.stream import ChangeLog

Priority = Literal["high", "all"]


def ev_calculation(
    factory: sessionmaker[Session], config: ScanConfig, clock: Clock, cache: Cache, changes: ChangeLog
) -> dict[str, Any]:
    with session_scope(factory) as session:
        report = run_scan(session, config, now=clock())
    # The event boards change with the refresh every scan follows.
    cache.invalidate(listing.NAMESPACE, event_board.NAMESPACE)
    stream.publish(changes, stream.scan_entry(report.changes))
    return {
        "prices": report.prices,
        "found": report.found,
        "closed": report.closed,
        "seconds": report.seconds,
    }


def cache_warming(
    factory: sessionmaker[Session],
    settings: Settings,
    clock: Clock,
    cache: Cache,
    priority: Priority = "high",
) -> dict[str, Any]:
    """Store the lists asked for most, for the board the scan just wrote. ``high``: each servable plan's
    default list (the first page, no filter); ``all``: also per kind and per sport group."""
    started = time.perf_counter()
    now = clock()
    with session_scope(factory) as session:
        sports = []
        if priority == "all":
            sports = sorted(
                {sport.group_name.lower() for sport, events in odds.list_sports(session) if events}
            )
        queries = [
            listing.ListQuery.build(filters, plan, sort="ev", offset=0, limit=listing.DEFAULT_LIMIT)
            for plan in _servable_plans(settings)
            for filters in _filters(settings.SCAN_DEVIG_METHODS[0], priority, sports)
        ]
        stored = listing.warm(
            cache, session, queries, now=now, max_age_seconds=settings.SCAN_MAX_QUOTE_AGE_SECONDS
        )
    return {"views": len(queries), "stored": stored, "seconds": time.perf_counter() - started}


def _servable_plans(settings: Settings) -> list[Plan]:
    """The plans requests can have: those sold, and the anonymous one (``local`` in development)."""
    names = list(SOLD_PLANS)
    if settings.anonymous_plan is not None and settings.anonymous_plan not in names:
        names.append(settings.anonymous_plan)
    known = plans(settings)
    return [known[name] for name in names if name in known]


def _filters(method: str, priority: Priority, sports: list[str]) -> list[OpportunityFilter]:
    default = OpportunityFilter(method=method)
    if priority == "high":
        return [default]
    return [
        default,
        *(OpportunityFilter(kinds=(kind,), method=method) for kind in KINDS),
        *(OpportunityFilter(sport=sport, method=method) for sport in sports),
    ]


def opportunity_expiry(
    factory: sessionmaker[Session], config: ScanConfig, clock: Clock, cache: Cache, changes: ChangeLog
) -> dict[str, int]:
    with session_scope(factory) as session:
        ended = withdraw_expired(session, now=clock(), max_age_seconds=config.max_age_seconds)
    if ended:  # lists of live opportunities already leave them out; include_ended lists change
        cache.invalidate(listing.NAMESPACE)
        stream.publish(changes, stream.expiry_entry(ended))
    return expiry_counts(ended)


def opportunity_retention(factory: sessionmaker[Session], days: float, clock: Clock) -> dict[str, int]:
    with session_scope(factory) as session:
        return {"opportunities": prune_history(session, days=days, now=clock())}
