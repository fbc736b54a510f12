"""A board for the cache's API tests: an NBA game (+EV bets, an arbitrage, a middle) and an EPL game,
ingested at the env's clock and scanned by the scan job itself (which retires the cached lists)."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import REGISTRY

from accounts_env import Env
from factories import T0, book, event, h2h, snapshot, totals
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.odds.providers.base import EventOdds


def board(fanduel_home: float = 2.10) -> tuple[EventOdds, ...]:
    nba = event(
        "nba",
        book("pinnacle", h2h(1.95, 1.95), totals(220.5, 1.95, 1.95)),
        book("fanduel", h2h(fanduel_home, 1.80), totals(222.5, 1.80, 2.02)),
    )
    epl = event(
        "epl",
        book("pinnacle", h2h(1.95, 1.95), totals(2.5, 1.95, 1.95)),
        book("fanduel", h2h(2.10, 1.80), totals(2.5, 1.80, 2.10)),
        sport="soccer_epl",
        commence=T0 + timedelta(days=1),
    )
    return nba, epl


def refresh_and_scan(env: Env, fanduel_home: float = 2.10) -> None:
    """A refresh at the env's clock, then the scan job (as the schedule chains them)."""
    with env.session_factory() as session:
        ingest_snapshot(session, snapshot(*board(fanduel_home), at=env.clock.now), provider="test")
        session.commit()
    env.runtime.jobs()["tasks.ev_calculation"]()


def counted(view: str = "opportunities") -> tuple[float, float]:
    """Hits and misses (every reason) of a view so far."""
    hits = REGISTRY.get_sample_value("fairedge_cache_hits_total", {"view": view}) or 0.0
    misses = sum(
        REGISTRY.get_sample_value("fairedge_cache_misses_total", {"view": view, "reason": reason}) or 0.0
        for reason in ("absent", "expired", "unavailable", "off")
    )
    return hits, misses
