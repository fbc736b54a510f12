"""Odds jobs: thin, idempotent, named as Celery tasks (``tasks.odds_refresh``)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy.orm import Session, sessionmaker

from fairedge.db.engine import session_scope
from fairedge.kit.timeutil import Clock, utcnow
from fairedge.observability import metrics
from fairedge.odds.bookmakers import SharpBook
from fairedge.odds.closing import capture_closing_lines
from fairedge.odds.providers.base import FeedPaused, OddsProvider
from fairedge.odds.service import prune_history, refresh_odds

log = structlog.get_logger(__name__)


def odds_refresh(
    factory: sessionmaker[Session],
    provider: OddsProvider,
    sharp: Sequence[SharpBook],
    *,
    max_quote_age_seconds: float,
    clock: Clock = utcnow,
) -> dict[str, Any]:
    """Refresh the odds, then capture the closing lines of the events that have started since (in a
    transaction of its own: a refresh stored stays stored; sharp quotes older than
    ``max_quote_age_seconds`` at the start do not make the closing fair line, as in the scan). A paused
    feed is reported, not failed."""
    try:
        with session_scope(factory) as session:
            report = refresh_odds(session, provider, sharp=sharp)
    except FeedPaused as paused:
        log.warning(
            "odds_refresh_paused",
            provider=provider.name,
            reason=paused.reason,
            resume_check_at=paused.resume_check_at.isoformat() if paused.resume_check_at else None,
        )
        result: dict[str, Any] = {"paused": paused.reason}
    else:
        # Wall-clock time of the store, not the snapshot's own time: a replayed day is fresh when played.
        metrics.ODDS_LAST_REFRESH.labels(provider=provider.name).set(time.time())
        result = {
            "fetched_at": report.fetched_at.isoformat(),
            "events": report.events,
            "quotes": report.quotes,
            "prices_changed": report.prices_inserted,
            "prices_unchanged": report.prices_unchanged,
            "rejected": len(report.rejected),
        }
    with session_scope(factory) as session:
        result["closing_captured"] = capture_closing_lines(
            session, now=clock(), max_age_seconds=max_quote_age_seconds
        )
    return result


def odds_retention(factory: sessionmaker[Session], days: float) -> dict[str, Any]:
    with session_scope(factory) as session:
        stats = prune_history(session, days=days, now=utcnow())
    return {"prices": stats.prices, "events": stats.events}
