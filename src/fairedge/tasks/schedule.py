"""The one schedule declaration. Celery beat and the embedded scheduler both read it; Celery also reads each
job's queue and time budget here (``JOBS``).

Jobs are named by their Celery task names; a job's ``then`` runs after it succeeds (a Celery chain in
production, a direct call embedded), so a scan always sees a completed refresh. Each periodic job keeps its
own timer: a slow or failing refresh never delays the expiry of stale opportunities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EXPIRY_SECONDS = 5.0
ALERT_DELIVERY_SECONDS = 15.0

Queue = Literal["ingest", "compute", "maintenance"]
QUEUES: tuple[Queue, ...] = ("ingest", "compute", "maintenance")


@dataclass(frozen=True)
class Periodic:
    task: str
    every_seconds: float
    then: tuple[str, ...] = ()


def schedule(odds_refresh_seconds: float, bet_settlement_seconds: float = 300.0) -> tuple[Periodic, ...]:
    return (
        # The scan retires the cached lists; cache_warming stores the ones asked for most again.
        # Alerts last: a failing follower ends a chain, and alerts must not hold back cache warming.
        Periodic(
            "tasks.odds_refresh",
            odds_refresh_seconds,
            then=("tasks.ev_calculation", "tasks.cache_warming", "tasks.alert_delivery"),
        ),
        # Its own timer: stale and started opportunities are withdrawn even while refreshes fail.
        Periodic("tasks.opportunity_expiry", EXPIRY_SECONDS),
        # Its own timer too: a delayed plan's matches and retries fall due between scans.
        Periodic("tasks.alert_delivery", ALERT_DELIVERY_SECONDS),
        Periodic("tasks.odds_retention", 3600.0, then=("tasks.opportunity_retention",)),
        Periodic("tasks.user_cleanup", 86_400.0),
        Periodic("tasks.bet_settlement", bet_settlement_seconds),
    )


@dataclass(frozen=True)
class JobSpec:
    """Where a job runs under Celery and how long it may take. The hard limit kills the pool child; the soft
    limit, below it, raises in the job so it can roll back first. Budgets are the operations guide's."""

    queue: Queue
    soft_seconds: float
    hard_seconds: float


# Every job Celery may run, periodic or chained or on demand: one queue and one budget each, declared once.
# ingest fetches from the provider, compute prices and serves, maintenance cleans up: scaled separately.
JOBS: dict[str, JobSpec] = {
    "tasks.odds_refresh": JobSpec("ingest", 270.0, 300.0),  # guide: refresh < 5 min
    "tasks.ev_calculation": JobSpec("compute", 100.0, 120.0),  # guide: scan < 2 min
    "tasks.cache_warming": JobSpec("compute", 50.0, 60.0),  # guide: cache warming < 1 min
    "tasks.opportunity_expiry": JobSpec("compute", 25.0, 30.0),  # every 5 s: a stuck one must not pile up
    "tasks.odds_retention": JobSpec("maintenance", 270.0, 300.0),  # hourly deletes over the history
    "tasks.opportunity_retention": JobSpec("maintenance", 270.0, 300.0),
    "tasks.user_cleanup": JobSpec("maintenance", 25.0, 30.0),  # guide: cleanup < 30 s
    "tasks.retry_failed": JobSpec("maintenance", 25.0, 30.0),
    "tasks.bet_settlement": JobSpec("compute", 100.0, 120.0),  # a /scores call per sport, then the bets
    "tasks.alert_delivery": JobSpec("compute", 100.0, 120.0),  # posts stop after 60 s
}
