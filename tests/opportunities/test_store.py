"""Writing opportunities in bulk keeps every character (COPY text on PostgreSQL, executemany on SQLite)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import T0, book, event, h2h, snapshot
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.opportunities.models import Opportunity
from fairedge.opportunities.scan import ScanConfig
from fairedge.opportunities.service import run_scan

HOME = 'Back\\slash "United"\tFC'  # a backslash, quotes and a tab: each special in COPY text or JSON


def test_names_with_special_characters_round_trip(session: Session) -> None:
    quotes = (
        book("pinnacle", h2h(1.95, 1.95, home_team=HOME)),
        book("fanduel", h2h(2.2, 1.7, home_team=HOME)),
    )
    ingest_snapshot(session, snapshot(event("e1", *quotes, home_team=HOME)), provider="test")
    run_scan(session, ScanConfig(), now=T0)
    outcomes = {leg["outcome"] for o in session.scalars(select(Opportunity)) for leg in o.legs}
    assert HOME in outcomes
