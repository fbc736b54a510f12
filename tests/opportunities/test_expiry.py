"""Withdrawal on a timer: stale quotes and started events end their opportunities, whatever the feed does."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import T0, book, event, h2h, snapshot
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.opportunities.models import Opportunity
from fairedge.opportunities.scan import ScanConfig
from fairedge.opportunities.service import expire, run_scan

CONFIG = ScanConfig(methods=("shin",), max_age_seconds=120)


def _board(session: Session, *, starts_in: timedelta, at: timedelta = timedelta(0)) -> None:
    snap = snapshot(
        event(
            "e1",
            book("pinnacle", h2h(1.95, 1.95)),
            book("fanduel", h2h(2.10, 1.80)),
            commence=T0 + starts_in,
        ),
        at=T0 + at,
    )
    ingest_snapshot(session, snap, provider="test")


def _by_state(session: Session) -> tuple[list[Opportunity], list[Opportunity]]:
    rows = list(session.scalars(select(Opportunity)))
    return [o for o in rows if o.active], [o for o in rows if not o.active]


def test_quotes_older_than_the_limit_end_as_stale(session: Session) -> None:
    _board(session, starts_in=timedelta(hours=6))
    run_scan(session, CONFIG, now=T0)
    assert expire(session, now=T0 + timedelta(seconds=119), max_age_seconds=120) == {"started": 0, "stale": 0}
    counts = expire(session, now=T0 + timedelta(seconds=121), max_age_seconds=120)
    active, ended = _by_state(session)
    assert active == [] and counts["stale"] == len(ended) > 0
    assert {o.end_reason for o in ended} == {"stale"}
    assert all(o.ended_at == T0 + timedelta(seconds=121) for o in ended)


def test_the_start_of_the_event_ends_pre_match_opportunities(session: Session) -> None:
    _board(session, starts_in=timedelta(seconds=60))
    run_scan(session, CONFIG, now=T0)
    counts = expire(session, now=T0 + timedelta(seconds=60), max_age_seconds=120)
    active, ended = _by_state(session)
    assert active == [] and counts == {"started": len(ended), "stale": 0}
    assert {o.end_reason for o in ended} == {"started"}


def test_a_fresh_refresh_keeps_the_opportunity_alive(session: Session) -> None:
    _board(session, starts_in=timedelta(hours=6))
    run_scan(session, CONFIG, now=T0)
    _board(session, starts_in=timedelta(hours=6), at=timedelta(seconds=100))  # confirmed again, unchanged
    run_scan(session, CONFIG, now=T0 + timedelta(seconds=100))
    expire(session, now=T0 + timedelta(seconds=150), max_age_seconds=120)
    active, ended = _by_state(session)
    assert active and ended == []
    assert all(o.confirmed_at == T0 + timedelta(seconds=100) for o in active)


def test_a_scan_after_an_outage_says_stale_not_gone(session: Session) -> None:
    _board(session, starts_in=timedelta(hours=6))
    run_scan(session, CONFIG, now=T0)
    run_scan(session, CONFIG, now=T0 + timedelta(seconds=300))  # no refresh in between: quotes aged out
    active, ended = _by_state(session)
    assert active == [] and {o.end_reason for o in ended} == {"stale"}
