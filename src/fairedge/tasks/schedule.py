"""The one schedule declaration. Celery beat and the embedded scheduler both read it.

Jobs are named by their Celery task names; a job's ``then`` runs after it succeeds (a Celery chain in
production, a direct call embedded), so a scan always sees a completed refresh. Each periodic job keeps its
own timer: a slow or failing refresh never delays the expiry of stale opportunities.
"""

from __future__ import annotations

from dataclasses import dataclass

EXPIRY_SECONDS = 5.0


@dataclass(frozen=True)
class Periodic:
    task: str
    every_seconds: float
    then: tuple[str, ...] = ()


def schedule(odds_refresh_seconds: float) -> tuple[Periodic, ...]:
    return (
        Periodic("tasks.odds_refresh", odds_refresh_seconds, then=("tasks.ev_calculation",)),
        # Its own timer: stale and started opportunities are withdrawn even while refreshes fail.
        Periodic("tasks.opportunity_expiry", EXPIRY_SECONDS),
        Periodic("tasks.odds_retention", 3600.0, then=("tasks.opportunity_retention",)),
        Periodic("tasks.user_cleanup", 86_400.0),
    )
