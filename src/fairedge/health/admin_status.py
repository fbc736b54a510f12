"""``GET /api/admin/status``: the system as an administrator's browser can see it (``/metrics`` may not be
reachable from one). Computed when served, every part with a short timeout so a hung Redis costs half a
second, never the answer:

- ``services``: the ``/health`` checks (database, Redis, Celery with its workers, beat, queue lengths and
  ``celery_failed``; ``embedded`` under ``fairedge run``);
- ``odds``: each sport's last refresh and its age (every provider), and The Odds API feed's credits, quota and
  stale sports (``/health/odds-feed``);
- ``tasks``: each job's last success and last failure from the durable record (tasks/job_runs.py: the broker's
  Redis under Celery, this process under ``fairedge run``);
- ``cache``: hits, misses and hit ratio per view since the API processes started (every worker's, merged).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal

import anyio
import redis
from fastapi import APIRouter, Request
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from pydantic import BaseModel, Field

from fairedge import __version__
from fairedge.api_schemas import UNAVAILABLE
from fairedge.cache.analysis import TARGET_HIT_RATIO, traffic
from fairedge.config import Settings
from fairedge.db.engine import session_scope
from fairedge.deps import NowDep
from fairedge.health.celery import CeleryHealth
from fairedge.health.checks import HealthChecks
from fairedge.health.odds_feed import odds_feed_check
from fairedge.kit.singleflight import SingleFlight
from fairedge.odds import service as odds
from fairedge.tasks import job_runs
from fairedge.tasks.broker import CeleryKeys, connect
from fairedge.tasks.schedule import JOBS
from fairedge.users.deps import AdminUser

router = APIRouter(prefix="/api/admin", tags=["admin"], responses=UNAVAILABLE)

TIMEOUT_SECONDS = 0.5

Health = dict[str, Any]


class SportFreshness(BaseModel):
    sport: str
    last_refresh_at: datetime
    age_seconds: float


class OddsStatus(BaseModel):
    provider: str = Field(description="simulator, replay or the_odds_api.")
    sports: list[SportFreshness] | None = Field(description="null: the database did not answer.")
    feed: Health = Field(description="As /health/odds-feed answers: credits, quota, each sport's cadence.")


class JobStatus(BaseModel):
    job: str = Field(description="The task name without tasks. (odds_refresh, ev_calculation, …).")
    queue: str
    status: Literal["ok", "failing", "never_run", "unknown"] = Field(
        description="failing: the last run failed; unknown: the record could not be read."
    )
    last_success_at: datetime | None
    last_success_seconds_ago: float | None
    last_duration_seconds: float | None
    last_failure_at: datetime | None
    last_failure_seconds_ago: float | None
    last_error_type: str | None


class TaskStatus(BaseModel):
    source: Literal["embedded", "redis", "none"] = Field(
        description="Where the runs are recorded: this process (fairedge run), the broker's Redis (Celery), "
        "or nowhere (no scheduler and no broker)."
    )
    error: str | None = Field(description="Why the record could not be read (the broker did not answer).")
    jobs: list[JobStatus]


class ViewCache(BaseModel):
    view: str
    hits: float
    misses: float
    hit_ratio: float | None


class CacheStatus(BaseModel):
    hit_ratio: float | None = Field(description="hits / (hits + misses) over every view; null: no traffic.")
    target_hit_ratio: float
    views: list[ViewCache]


class AdminStatus(BaseModel):
    status: str = Field(description="As /health: healthy, degraded or unhealthy (the database is down).")
    timestamp: datetime
    version: str
    services: dict[str, Health] = Field(description="database, redis, celery: as /health/<name> answers.")
    odds: OddsStatus
    tasks: TaskStatus
    cache: CacheStatus


def _celery(request: Request, settings: Settings) -> Health:
    scheduler = getattr(request.app.state, "scheduler", None)
    if scheduler is not None:
        return {
            "status": "embedded",
            "reason": "fairedge run: jobs run in the in-process scheduler, never through Celery",
            "scheduler": "healthy" if scheduler.running else "unhealthy",
        }
    return CeleryHealth.from_settings(settings).check()


def _moment(value: str | None) -> datetime | None:
    return datetime.fromtimestamp(float(value), UTC) if value is not None else None


def _ago(moment: datetime | None, now_epoch: float) -> float | None:
    return round(max(0.0, now_epoch - moment.timestamp()), 1) if moment is not None else None


def job_status(runs: job_runs.Runs | None, now_epoch: float) -> list[JobStatus]:
    """Every job Celery may run, with what the record says of it (``runs`` None: the record is unreadable)."""
    found = []
    for name, spec in JOBS.items():
        short = name.removeprefix("tasks.")
        facts = (runs or {}).get(short, {})
        success, failure = _moment(facts.get("success_at")), _moment(facts.get("failure_at"))
        if runs is None:
            status: Literal["ok", "failing", "never_run", "unknown"] = "unknown"
        elif success is None and failure is None:
            status = "never_run"
        elif failure is not None and (success is None or failure > success):
            status = "failing"
        else:
            status = "ok"
        duration = facts.get("duration_seconds")
        found.append(
            JobStatus(
                job=short,
                queue=spec.queue,
                status=status,
                last_success_at=success,
                last_success_seconds_ago=_ago(success, now_epoch),
                last_duration_seconds=float(duration) if duration is not None else None,
                last_failure_at=failure,
                last_failure_seconds_ago=_ago(failure, now_epoch),
                last_error_type=facts.get("error_type") if failure is not None else None,
            )
        )
    return found


def _tasks(request: Request, settings: Settings) -> TaskStatus:
    now_epoch = time.time()  # the runs are stamped with the wall clock by the processes that ran them
    if getattr(request.app.state, "scheduler", None) is not None:
        return TaskStatus(source="embedded", error=None, jobs=job_status(job_runs.EMBEDDED.read(), now_epoch))
    url = settings.broker_url
    if url is None:
        return TaskStatus(source="none", error=None, jobs=job_status({}, now_epoch))
    client = connect(url, timeout_seconds=TIMEOUT_SECONDS)
    try:
        runs: job_runs.Runs | None = job_runs.RedisJobRuns(
            client, CeleryKeys(settings.CELERY_KEY_PREFIX)
        ).read()
        error = None
    except redis.RedisError as exc:
        runs, error = None, f"the broker does not answer ({type(exc).__name__})"
    finally:
        client.close()
    return TaskStatus(source="redis", error=error, jobs=job_status(runs, now_epoch))


def _odds(request: Request, settings: Settings, now: datetime) -> OddsStatus:
    runtime = request.app.state.runtime
    try:
        with session_scope(runtime.session_factory) as session:
            refreshed = odds.latest_refresh_by_sport(session)
        sports: list[SportFreshness] | None = [
            SportFreshness(sport=sport, last_refresh_at=at, age_seconds=round((now - at).total_seconds(), 1))
            for sport, at in sorted(refreshed.items())
        ]
    except Exception:  # the database is down: services.database says so
        sports = None
    return OddsStatus(provider=settings.odds_provider, sports=sports, feed=odds_feed_check(request))


def _registry() -> CollectorRegistry:
    # Every API worker's counters under `fairedge serve` (PROMETHEUS_MULTIPROC_DIR), as /metrics serves them.
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def cache_status(metrics_text: str) -> CacheStatus:
    views = traffic(metrics_text)
    hits = sum(v.hits for v in views)
    misses = sum(sum(v.misses.values()) for v in views)
    return CacheStatus(
        hit_ratio=hits / (hits + misses) if hits + misses else None,
        target_hit_ratio=TARGET_HIT_RATIO,
        views=[
            ViewCache(view=v.view, hits=v.hits, misses=sum(v.misses.values()), hit_ratio=v.ratio)
            for v in views
        ],
    )


def _status(request: Request, now: datetime) -> AdminStatus:
    settings: Settings = request.app.state.settings
    checks: HealthChecks = request.app.state.health
    services = {"database": checks.database(), "redis": checks.redis(), "celery": _celery(request, settings)}
    states = {s["status"] for s in services.values()}
    if services["database"]["status"] != "healthy":
        status = "unhealthy"
    elif {"unhealthy", "degraded"} & states:
        status = "degraded"
    else:
        status = "healthy"
    return AdminStatus(
        status=status,
        timestamp=now,
        version=__version__,
        services=services,
        odds=_odds(request, settings, now),
        tasks=_tasks(request, settings),
        cache=cache_status(generate_latest(_registry()).decode()),
    )


# Admins' requests in flight at once (several tabs, a refreshing page) share one computation: each is a dozen
# queries and Redis round trips in a worker thread, and the answer of one begun while they waited is as new.
_computing: SingleFlight[AdminStatus] = SingleFlight()


@router.get("/status", response_model=AdminStatus)
async def get_admin_status(_admin: AdminUser, request: Request, now: NowDep) -> AdminStatus:
    """The health services, odds freshness and credits, each job's last success and failure, and the cache's
    hit ratio: computed now, a hung dependency costing at most its short timeout."""
    return await _computing.run(id(request.app), partial(anyio.to_thread.run_sync, _status, request, now))
