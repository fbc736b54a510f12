"""Backfill from The Odds API's historical odds (paid usage plans): past snapshots into the store, then the
closing lines of the events they bring, as if the feed had been polling then.

A backfill is planned first, so its cost can be shown and agreed to before a credit is spent: one snapshot
every ``every`` from ``start`` to ``end``, each at ten times the live cost of the featured markets
(markets × regions). Only events the store did not hold before the backfill are written: an event the live
feed has tracked keeps its own, newer history. Snapshots go in time order, through the same ingestion as a
refresh (so ``quote_history`` holds the line movement), then events that started more than a day before now
are closed as completed (``/scores`` reaches back three days only; their scores stay unknown) and their
closing lines are captured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import structlog
from sqlalchemy.orm import Session, sessionmaker

from fairedge.db.engine import session_scope
from fairedge.errors import InvalidInput
from fairedge.odds import past_repository
from fairedge.odds.bookmakers import SharpBook
from fairedge.odds.closing import capture_closing_lines
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.odds.providers.base import EventOdds, Snapshot
from fairedge.odds.providers.the_odds_api import TheOddsApiProvider

log = structlog.get_logger(__name__)

MIN_EVERY = timedelta(minutes=5)  # the provider keeps a snapshot every 5 minutes (10 before late 2022)
MAX_SNAPSHOTS = 10_000
CLOSED_AFTER = timedelta(days=1)  # a backfilled event that started this long ago is over


@dataclass(frozen=True, slots=True)
class BackfillPlan:
    sport: str
    start: datetime
    end: datetime
    every: timedelta
    moments: tuple[datetime, ...]
    cost_each: int

    @property
    def total_cost(self) -> int:
        return self.cost_each * len(self.moments)


def plan_backfill(
    sport: str, start: datetime, end: datetime, every: timedelta, *, cost_each: int, now: datetime
) -> BackfillPlan:
    if not sport:
        raise InvalidInput("--sport is needed: a sport key such as basketball_nba")
    if start >= end:
        raise InvalidInput(f"--from ({start.isoformat()}) must be before --to ({end.isoformat()})")
    if end > now:
        raise InvalidInput(f"--to ({end.isoformat()}) is in the future: the history ends now")
    if every < MIN_EVERY:
        raise InvalidInput("--every must be at least 5 minutes: the provider keeps no finer snapshots")
    count = int((end - start) / every) + 1
    if count > MAX_SNAPSHOTS:
        raise InvalidInput(f"{count} snapshots: at most {MAX_SNAPSHOTS} per backfill (a longer --every)")
    moments = tuple(start + i * every for i in range(count))
    return BackfillPlan(sport, start, end, every, moments, cost_each)


@dataclass(slots=True)
class BackfillReport:
    snapshots: int = 0
    repeated: int = 0  # answers that were the same snapshot as the one before (a short --every)
    events: int = 0  # events the backfill added to the store
    skipped_known: int = 0  # events the store held already: left to their own history
    credits: int = 0
    completed: int = 0
    closing_captured: int = 0


def run_backfill(
    factory: sessionmaker[Session],
    provider: TheOddsApiProvider,
    plan: BackfillPlan,
    *,
    sharp: Sequence[SharpBook],
    now: datetime,
    max_quote_age_seconds: float,
    progress: Callable[[datetime, Snapshot, int], None] | None = None,
) -> BackfillReport:
    """Fetch and store the plan's snapshots in time order (each in its own transaction)."""
    report = BackfillReport()
    created: dict[str, EventOdds] = {}
    known: set[str] = set()
    previous: datetime | None = None
    last_stamp = plan.start
    for at in plan.moments:
        page = provider.historical(plan.sport, at)
        report.credits += page.cost
        snapshot = page.snapshot
        if snapshot.fetched_at == previous:
            report.repeated += 1
            continue
        previous = last_stamp = snapshot.fetched_at
        report.snapshots += 1
        with session_scope(factory) as session:
            fresh = [e.id for e in snapshot.events if e.id not in created and e.id not in known]
            known |= past_repository.known_events(session, fresh)
            events = [e for e in snapshot.events if e.id not in known]
            ingest_snapshot(
                session, replace(snapshot, events=tuple(events)), provider=provider.name, sharp=sharp
            )
        created.update((e.id, e) for e in events)
        if progress is not None:
            progress(at, snapshot, len(events))
    report.events, report.skipped_known = len(created), len(known)
    over = [
        replace(e, status="completed", bookmakers=())
        for e in created.values()
        if e.commence_time <= now - CLOSED_AFTER
    ]
    if over:
        with session_scope(factory) as session:
            closing = Snapshot(fetched_at=last_stamp, events=tuple(over), source=provider.name)
            ingest_snapshot(session, closing, provider=provider.name, sharp=sharp)
        report.completed = len(over)
    while True:
        with session_scope(factory) as session:
            captured = capture_closing_lines(session, now=now, max_age_seconds=max_quote_age_seconds)
        report.closing_captured += captured
        if not captured:
            break
    log.info(
        "odds_backfill_done",
        sport=plan.sport,
        snapshots=report.snapshots,
        events=report.events,
        skipped_known=report.skipped_known,
        credits=report.credits,
        closing_captured=report.closing_captured,
    )
    return report
