"""Odds jobs: thin, idempotent, named as Celery tasks (``tasks.odds_refresh``)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fairedge.db.engine import session_scope
from fairedge.kit.timeutil import utcnow
from fairedge.observability import metrics
from fairedge.odds.bookmakers import SharpBook
from fairedge.odds.providers.base import OddsProvider
from fairedge.odds.service import prune_history, refresh_odds


def odds_refresh(
    factory: sessionmaker[Session], provider: OddsProvider, sharp: Sequence[SharpBook]
) -> dict[str, Any]:
    with session_scope(factory) as session:
        report = refresh_odds(session, provider, sharp=sharp)
    # Wall-clock time of the store, not the snapshot's own time: a replayed day is fresh when it is played.
    metrics.ODDS_LAST_REFRESH.labels(provider=provider.name).set(time.time())
    return {
        "fetched_at": report.fetched_at.isoformat(),
        "events": report.events,
        "quotes": report.quotes,
        "prices_changed": report.prices_inserted,
        "prices_unchanged": report.prices_unchanged,
        "rejected": len(report.rejected),
    }


def odds_retention(factory: sessionmaker[Session], days: float) -> dict[str, Any]:
    with session_scope(factory) as session:
        stats = prune_history(session, days=days, now=utcnow())
    return {"prices": stats.prices, "events": stats.events}
