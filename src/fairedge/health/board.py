"""Board gauges read from the database: what every API process exports whichever process ran the jobs.

Under ``fairedge serve`` the scan and the refresh run in Celery workers, often in other containers; an API
process that only exported what it computed itself would say ``fairedge_opportunities_count 0`` beside a full
board, and the guide's ``LowOpportunityCount`` would fire on it. The probe calls ``read()`` every
``HEALTH_PROBE_SECONDS``: two grouped queries on indexed columns.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from fairedge.db.engine import session_scope
from fairedge.observability import metrics
from fairedge.odds import service as odds
from fairedge.opportunities import service as opportunities


class BoardGauges:
    def __init__(self, session_factory: sessionmaker[Session], provider: str) -> None:
        self._session_factory = session_factory
        self._provider = provider

    def read(self) -> None:
        with session_scope(self._session_factory) as session:
            counts = opportunities.active_counts(session)
            refreshed = odds.latest_refresh_by_sport(session)
        metrics.OPPORTUNITIES_COUNT.set(sum(counts.values()))
        for kind, n in counts.items():
            metrics.OPPORTUNITIES_BY_KIND.labels(kind=kind).set(n)
        for sport, at in refreshed.items():
            metrics.ODDS_SPORT_LAST_REFRESH.labels(provider=self._provider, sport=sport).set(at.timestamp())
