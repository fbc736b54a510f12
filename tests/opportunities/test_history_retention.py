"""Opportunity retention: ended opportunities past the history period, and those of deleted events, go."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import T0, book, event, h2h, snapshot
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.odds.service import prune_history as prune_odds
from fairedge.opportunities.models import Opportunity
from fairedge.opportunities.scan import ScanConfig
from fairedge.opportunities.service import expire, prune_history, run_scan


def _count(session: Session, *where: object) -> int:
    return int(session.scalar(select(func.count(Opportunity.id)).where(*where)) or 0)  # type: ignore[arg-type]


def _scan_one_event(session: Session, provider_id: str, at: timedelta) -> None:
    snap = snapshot(
        event(
            provider_id,
            book("pinnacle", h2h(1.95, 1.95)),
            book("fanduel", h2h(2.2, 1.7)),
            commence=T0 + at + timedelta(hours=6),
        ),
        at=T0 + at,
    )
    ingest_snapshot(session, snap, provider="test")
    run_scan(session, ScanConfig(), now=T0 + at)


def test_opportunities_of_deleted_events_and_old_ended_ones_are_removed(session: Session) -> None:
    _scan_one_event(session, "old", timedelta(0))
    assert _count(session, Opportunity.active) > 0
    expire(session, now=T0 + timedelta(hours=1), max_age_seconds=900)  # ended as stale an hour in
    _scan_one_event(session, "new", timedelta(days=30))
    kept = _count(session, Opportunity.active)
    assert kept > 0
    assert prune_odds(session, days=14, now=T0 + timedelta(days=30)).events == 1  # the "old" event goes
    assert prune_history(session, days=14, now=T0 + timedelta(days=30)) > 0
    assert _count(session) == kept  # only the new event's active opportunities remain


def test_recently_ended_opportunities_stay_as_history(session: Session) -> None:
    _scan_one_event(session, "e1", timedelta(0))
    expire(session, now=T0 + timedelta(hours=1), max_age_seconds=900)
    ended = _count(session, ~Opportunity.active)
    assert ended > 0
    assert prune_history(session, days=14, now=T0 + timedelta(days=2)) == 0
    assert _count(session, ~Opportunity.active) == ended
