"""The one schedule declaration. Celery beat and the embedded scheduler both read it.

Jobs are named by their Celery task names; a job's ``then`` runs after it succeeds (a Celery chain in
production, a direct call embedded), so a scan always sees a completed refresh.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Periodic:
    task: str
    every_seconds: float
    then: tuple[str, ...] = ()


def schedule(odds_refresh_seconds: float) -> tuple[Periodic, ...]:
    return (
        Periodic("tasks.odds_refresh", odds_refresh_seconds, then=("tasks.ev_calculation",)),
        Periodic("tasks.odds_retention", 3600.0),
    )
