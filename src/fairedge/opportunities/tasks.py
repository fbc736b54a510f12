"""Opportunity jobs: ``tasks.ev_calculation`` rescans the stored board; ``tasks.opportunity_expiry``
withdraws what went stale or started, on its own timer; ``tasks.opportunity_retention`` bounds the history."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fairedge.db.engine import session_scope
from fairedge.kit.timeutil import Clock
from fairedge.opportunities.scan import ScanConfig
from fairedge.opportunities.service import expire, prune_history, run_scan


def ev_calculation(factory: sessionmaker[Session], config: ScanConfig, clock: Clock) -> dict[str, Any]:
    with session_scope(factory) as session:
        report = run_scan(session, config, now=clock())
    return {
        "prices": report.prices,
        "found": report.found,
        "closed": report.closed,
        "seconds": report.seconds,
    }


def opportunity_expiry(factory: sessionmaker[Session], config: ScanConfig, clock: Clock) -> dict[str, int]:
    with session_scope(factory) as session:
        return expire(session, now=clock(), max_age_seconds=config.max_age_seconds)


def opportunity_retention(factory: sessionmaker[Session], days: float, clock: Clock) -> dict[str, int]:
    with session_scope(factory) as session:
        return {"opportunities": prune_history(session, days=days, now=clock())}
