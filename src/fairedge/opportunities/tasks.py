"""Opportunity jobs: ``tasks.ev_calculation`` rescans the stored board."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fairedge.db.engine import session_scope
from fairedge.opportunities.scan import ScanConfig
from fairedge.opportunities.service import run_scan


def ev_calculation(factory: sessionmaker[Session], config: ScanConfig) -> dict[str, Any]:
    with session_scope(factory) as session:
        report = run_scan(session, config)
    return {
        "prices": report.prices,
        "found": report.found,
        "closed": report.closed,
        "seconds": report.seconds,
    }
