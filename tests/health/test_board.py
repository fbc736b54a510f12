"""Board gauges read from the database by the probe: true in a process that ran no job itself."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import REGISTRY
from sqlalchemy.orm import Session, sessionmaker

from factories import T0, book, event, h2h, snapshot
from fairedge.health.board import BoardGauges
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.opportunities.scan import ScanConfig
from fairedge.opportunities.service import active_counts, expire, run_scan

CONFIG = ScanConfig(methods=("shin",), max_age_seconds=120)


def _gauge(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_counts_and_freshness_per_sport_come_from_the_store(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        for sport, at in (("basketball_nba", T0), ("soccer_epl", T0 + timedelta(seconds=30))):
            board = event(
                f"{sport}-1",
                book("pinnacle", h2h(1.95, 1.95)),
                book("fanduel", h2h(2.10, 1.80)),
                sport=sport,
            )
            ingest_snapshot(session, snapshot(board, at=at), provider="test")
        run_scan(session, CONFIG, now=T0 + timedelta(seconds=30))
        session.commit()
        counts = active_counts(session)
    assert sum(counts.values()) > 0

    BoardGauges(session_factory, "simulator").read()
    assert _gauge("fairedge_opportunities_count") == sum(counts.values())
    for kind, n in counts.items():
        assert _gauge("fairedge_opportunities_active", kind=kind) == n
    nba = _gauge(
        "fairedge_odds_sport_last_refresh_timestamp_seconds", provider="simulator", sport="basketball_nba"
    )
    epl = _gauge(
        "fairedge_odds_sport_last_refresh_timestamp_seconds", provider="simulator", sport="soccer_epl"
    )
    assert (nba, epl) == (T0.timestamp(), T0.timestamp() + 30)

    # The stale timer withdraws them, in another process as far as this one knows: the next reading says so.
    with session_factory() as session:
        expire(session, now=T0 + timedelta(seconds=600), max_age_seconds=120)
        session.commit()
    BoardGauges(session_factory, "simulator").read()
    assert _gauge("fairedge_opportunities_count") == 0
