"""The live stream's rules against the list's (both databases): the scan tells opened, changed, confirmed and
ended opportunities apart (the digest), the expiry job names what it withdrew, and the row predicate the
stream applies agrees with the list's SQL on a board, filter by filter and plan by plan.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session
from test_entitlement import FOUND_LATER, PLANS, plan_board

from factories import T0, book, event, h2h, snapshot, totals
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.odds.providers.base import EventOdds
from fairedge.opportunities import service
from fairedge.opportunities.entitlement import Entitlement
from fairedge.opportunities.models import Opportunity
from fairedge.opportunities.scan import ScanConfig
from fairedge.opportunities.service import OpportunityFilter, run_scan, withdraw_expired
from fairedge.opportunities.stream import expiry_entry, scan_entry

MAX_AGE = 900.0


def _nba(fanduel_home: float, fanduel_over: float = 2.02) -> EventOdds:
    return event(
        "nba",
        book("pinnacle", h2h(1.95, 1.95), totals(220.5, 1.95, 1.95)),
        book("fanduel", h2h(fanduel_home, 1.80), totals(222.5, 1.80, fanduel_over)),
    )


def test_the_scan_tells_opened_changed_confirmed_and_ended_apart(session: Session) -> None:
    ingest_snapshot(session, snapshot(_nba(2.10)), provider="test")
    first = run_scan(session, ScanConfig(), now=T0).changes
    active = set(session.scalars(Opportunity.__table__.select().with_only_columns(Opportunity.id)).all())
    assert set(first.opened) == active and first.opened
    assert not first.changed and not first.confirmed and not first.ended

    later = T0 + timedelta(seconds=30)
    ingest_snapshot(session, snapshot(_nba(2.20), at=later), provider="test")  # the h2h edge grows
    second = run_scan(session, ScanConfig(), now=later).changes
    h2h_ids = set(
        session.scalars(
            Opportunity.__table__.select()
            .with_only_columns(Opportunity.id)
            .where(Opportunity.active, Opportunity.market_key == "h2h", Opportunity.kind == "ev")
        ).all()
    )
    assert h2h_ids and h2h_ids <= set(second.changed)
    assert second.opened == [] and second.ended == []
    # The rest: same values, confirmed again at the new refresh.
    assert {oid for oid, _ in second.confirmed} == active - set(second.changed)
    assert {at for _, at in second.confirmed} == {later}

    again = run_scan(session, ScanConfig(), now=later + timedelta(seconds=1))  # nothing new: nothing to say
    assert scan_entry(again.changes) is None

    gone_at = later + timedelta(seconds=60)
    ingest_snapshot(session, snapshot(_nba(1.90), at=gone_at), provider="test")  # the h2h edge is gone
    third = run_scan(session, ScanConfig(), now=gone_at).changes
    assert {oid for oid, _ in third.ended} >= h2h_ids
    assert {reason for _, reason in third.ended} == {"gone"}
    entry = scan_entry(third)
    assert entry is not None and entry["ended"] == third.ended


def test_the_expiry_job_names_what_it_withdrew(session: Session) -> None:
    ingest_snapshot(session, snapshot(_nba(2.10)), provider="test")
    opened = run_scan(session, ScanConfig(), now=T0).changes.opened
    assert withdraw_expired(session, now=T0 + timedelta(seconds=MAX_AGE - 1), max_age_seconds=MAX_AGE) == []
    ended = withdraw_expired(session, now=T0 + timedelta(seconds=MAX_AGE + 1), max_age_seconds=MAX_AGE)
    assert sorted(ended) == sorted((oid, "stale") for oid in opened)
    assert expiry_entry(ended) == {"opened": [], "updated": [], "confirmed": [], "ended": ended}
    assert expiry_entry([]) is None


FILTERS = (
    OpportunityFilter(),
    OpportunityFilter(kinds=("ev",)),
    OpportunityFilter(kinds=("arbitrage", "middle")),
    OpportunityFilter(sport="soccer"),
    OpportunityFilter(sport="BASKETBALL"),
    OpportunityFilter(league="basketball_nba"),
    OpportunityFilter(league="epl"),
    OpportunityFilter(market="totals"),
    OpportunityFilter(bookmaker="fanduel"),
    OpportunityFilter(bookmaker="pinnacle"),
    OpportunityFilter(min_ev=0.05),
    OpportunityFilter(min_profit_margin=0.01),
    OpportunityFilter(max_age_seconds=100),
    OpportunityFilter(method="shin"),
    OpportunityFilter(method="multiplicative"),
    OpportunityFilter(event_id=1),
    OpportunityFilter(kinds=("ev",), sport="basketball", market="h2h", min_ev=0.0),
)


@pytest.mark.parametrize("plan", ["local", "free", "pro"])
@pytest.mark.parametrize("delay", [0, 299, 300])
def test_the_streams_predicate_agrees_with_the_lists_query(session: Session, plan: str, delay: int) -> None:
    plan_board(session)  # NBA since T0, EPL since T0+400 s
    now = FOUND_LATER + timedelta(seconds=delay)
    rows = service.changed_rows(
        session, list(session.scalars(Opportunity.__table__.select().with_only_columns(Opportunity.id)))
    )
    uncapped = replace(PLANS[plan], max_results=None)
    ent = Entitlement(uncapped, now)
    for f in FILTERS:
        listed = service.list_page(
            session, f, uncapped, now=now, max_age_seconds=MAX_AGE, sort="ev", offset=0, limit=500
        )
        verdicts = {
            row.id: service.stream_verdict(f, ent, row, now=now, max_age_seconds=MAX_AGE) for row in rows
        }
        assert {row.id for row in listed.rows} == {i for i, v in verdicts.items() if v == "shown"}, f
        delayed = service.delayed_rows(session, f, uncapped, now=now, max_age_seconds=MAX_AGE)
        assert {row.id for row in delayed} == {i for i, v in verdicts.items() if v == "delay"}, f
        withheld = {w.reason: w.count for w in listed.withheld}
        assert withheld.get("delay", 0) == len(delayed), f
