"""The Odds API feed as operators see it: budget, quota, keys, each sport's cadence and freshness, pause.

Read from the database, so every process (an API replica, the CLI) tells the same story the polling worker
wrote. **Staleness:** a sport is stale when its last successful refresh (or, never refreshed, the moment
it was first planned) is older than twice its planned cadence, and never older than ten minutes (the
operations guide's freshness limit) while it has an event starting within the hour. A sport without events
is never stale. A stale sport, or a paused feed, makes ``/health`` ``"degraded"`` (200): the stale odds age
out of the opportunities by themselves (``SCAN_MAX_QUOTE_AGE_SECONDS``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from fairedge.observability import metrics
from fairedge.odds import feed_repository as repo
from fairedge.odds.models import FeedSport
from fairedge.odds.providers.the_odds_api.feed import (
    Budget,
    CreditLimits,
    budget_from,
    key_ref,
    midnight,
    period_bounds,
)

__all__ = ["budget", "feed_status", "resume", "stale_limit"]

STALE_CEILING_SECONDS = 600.0  # the guide's "last API refresh < 10 minutes"
CEILING_WITHIN = timedelta(hours=1)  # … while the sport has an event starting within this


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def stale_limit(cadence_seconds: float, next_commence: datetime | None, now: datetime) -> float:
    """Seconds after which a sport's odds are stale."""
    limit = 2.0 * cadence_seconds
    if next_commence is not None and now <= next_commence <= now + CEILING_WITHIN:
        limit = min(limit, STALE_CEILING_SECONDS)
    return limit


def budget(session: Session, limits: CreditLimits, now: datetime) -> Budget:
    today = now.astimezone(UTC).date()
    start, _end = period_bounds(today, limits.reset_day)
    month, day = repo.credits_spent(session, since=start, today=today)
    return budget_from(limits, month_spent=month, day_spent=day, now=now)


def _sport(row: FeedSport, now: datetime) -> dict[str, Any]:
    reference = row.last_refresh_at or row.tracked_since
    age = max((now - reference).total_seconds(), 0.0)
    limit = stale_limit(row.cadence_seconds, row.next_commence, now)
    return {
        "sport": row.sport_key,
        "reason": row.reason,
        "cadence_seconds": row.cadence_seconds,
        "base_cadence_seconds": row.base_cadence_seconds,
        "events_soon": row.events_soon,
        "events_live": row.events_live,
        "next_commence": _iso(row.next_commence),
        "cycle_cost": row.cycle_cost,
        "last_refresh": _iso(row.last_refresh_at),
        "age_seconds": round(age, 1),
        "stale_after_seconds": limit,
        "stale": row.reason != "no_events" and age > limit,
    }


def feed_status(
    session: Session, *, limits: CreditLimits, keys: Sequence[str], probe_seconds: float, now: datetime
) -> dict[str, Any]:
    """``/health/odds-feed``: ``status`` is ``paused``, ``degraded`` (a stale sport) or ``healthy``. ``keys``
    (in order of preference) are shown by digest only. Sets the feed's gauges on the way."""
    state = repo.read_state(session)
    sports = [_sport(row, now) for row in repo.feed_sports(session)]
    stale = [s["sport"] for s in sports if s["stale"]]
    spent = budget(session, limits, now)
    refused = dict(state.refused_keys) if state is not None and state.refused_keys else {}
    paused = state is not None and state.paused_at is not None
    active = next((key_ref(k) for k in keys if key_ref(k) not in refused), None)
    key_rows = []
    for key in keys:
        ref = key_ref(key)
        refusal = refused.get(ref)
        key_rows.append(
            {
                "ref": ref,
                "status": "refused" if refusal else "active" if ref == active else "standby",
                "reason": refusal["reason"] if refusal else None,
                "since": refusal["at"] if refusal else None,
            }
        )
    pause: dict[str, Any] | None = None
    if state is not None and state.paused_at is not None:
        last_probe = state.last_probe_at or state.paused_at
        pause = {
            "since": _iso(state.paused_at),
            "reason": state.pause_reason,
            "last_probe": _iso(state.last_probe_at),
            "next_probe": _iso(
                min(last_probe + timedelta(seconds=probe_seconds), midnight(spent.period_end))
            ),
            "credits_reset_expected": _iso(midnight(spent.period_end)),
            "resume": "automatic when the probe finds credits, or: fairedge odds resume",
        }
    quota = {
        "remaining": state.quota_remaining if state else None,
        "used": state.quota_used if state else None,
        "last": state.quota_last if state else None,
        "at": _iso(state.quota_at) if state else None,
    }
    _publish(spent, quota, paused=paused, stale=len(stale))
    return {
        "status": "paused" if paused else "degraded" if stale else "healthy",
        "provider": "the_odds_api",
        "paused": pause,
        "stale_sports": stale,
        "quota": quota,
        "budget": {
            "month": {
                "limit": spent.month_limit,
                "spent": spent.month_spent,
                "left": spent.month_left,
                "period_start": spent.period_start.isoformat(),
                "resets": _iso(midnight(spent.period_end)),
            },
            "day": {"limit": spent.day_limit, "spent": spent.day_spent, "left": spent.day_left},
        },
        "keys": key_rows,
        "sports": sports,
    }


def _publish(spent: Budget, quota: dict[str, Any], *, paused: bool, stale: int) -> None:
    for period, left in (("day", spent.day_left), ("month", spent.month_left)):
        if left is not None:
            metrics.ODDS_API_BUDGET_REMAINING.labels(period=period).set(left)
    for gauge, name in (
        (metrics.ODDS_API_QUOTA_REMAINING, "remaining"),
        (metrics.ODDS_API_QUOTA_USED, "used"),
        (metrics.ODDS_API_QUOTA_LAST, "last"),
    ):
        if quota[name] is not None:
            gauge.labels(provider="the_odds_api").set(quota[name])
    metrics.ODDS_FEED_PAUSED.set(1 if paused else 0)
    metrics.ODDS_FEED_STALE_SPORTS.set(stale)


def resume(session: Session) -> dict[str, Any]:
    """The operator's resume: no pause, no refused key; returns what there was (the caller commits)."""
    state = repo.read_state(session)
    before = {
        "paused_since": _iso(state.paused_at) if state else None,
        "reason": state.pause_reason if state else None,
        "refused_keys": sorted((state.refused_keys or {}) if state else {}),
    }
    repo.update_state(session, paused_at=None, pause_reason=None, refused_keys={})
    metrics.ODDS_FEED_PAUSED.set(0)
    return before
