"""Final scores on demand: what the bet settlement job asks a provider for when a game with open bets has
not been reported finished by the regular refreshes (a worker restarted and forgot it was following the
game, the refresh skipped its sport for the budget, the game ended outside the /scores window of the feed).

Only finished games with both scores are written: the event's status becomes ``completed`` and its scores
are set. Nothing else of the event changes, and an event already completed is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from math import ceil

import structlog
from sqlalchemy import update
from sqlalchemy.orm import Session

from fairedge.odds.models import Event
from fairedge.odds.providers.base import EventOdds, ScoresProvider
from fairedge.odds.providers.the_odds_api.errors import OddsApiError

log = structlog.get_logger(__name__)

MAX_DAYS_FROM = 3  # The Odds API looks back at most three days


def store_final_scores(session: Session, events: Iterable[EventOdds]) -> int:
    """Mark the stored events among ``events`` that finished with a score as completed; how many changed."""
    changed = 0
    for found in events:
        if found.status != "completed" or found.home_score is None or found.away_score is None:
            continue
        result = session.execute(
            update(Event)
            .where(Event.provider_id == found.id, Event.status != "completed")
            .values(status="completed", home_score=found.home_score, away_score=found.away_score)
        )
        changed += result.rowcount or 0  # type: ignore[attr-defined]
    return changed


def days_back(now: datetime, earliest_start: datetime) -> int:
    """The ``daysFrom`` (1..3) that reaches back to ``earliest_start`` as far as the provider can."""
    days = ceil((now - earliest_start).total_seconds() / 86_400)
    return min(max(days, 1), MAX_DAYS_FROM)


def fetch_final_scores(
    session: Session, source: ScoresProvider, sports: Mapping[str, datetime], *, now: datetime
) -> int:
    """Ask ``source`` for the final scores of each sport (sport key → the earliest start still waiting) and
    store them (the caller asks only for games started within the last three days: older ones the
    provider can no longer tell).
    A failing provider is logged and costs only this run's answer."""
    stored = 0
    for sport, earliest in sorted(sports.items()):
        days = days_back(now, earliest)
        try:
            found = source.scores(sport, days_from=days)
        except OddsApiError as exc:  # an outside-world failure: the next run asks again
            log.warning("scores_fetch_failed", provider=source.name, sport=sport, error=type(exc).__name__)
            continue
        written = store_final_scores(session, found)
        stored += written
        log.info("scores_fetched", provider=source.name, sport=sport, days_from=days, completed=written)
    return stored
