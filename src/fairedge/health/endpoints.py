"""Health checks in the operations guide's format.

``/health`` checks live and answers 503 only when the database does not answer: that is what a load balancer
should act on. A configured optional dependency that is down (Redis, Celery's workers or beat, see
health/celery.py) or a dead embedded scheduler makes it ``"degraded"`` with 200, so a cache outage never takes
replicas out of rotation. Services this run mode does not use report ``"disabled"`` (Celery under
``fairedge run`` reports ``"embedded"``).
"""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from fairedge import __version__
from fairedge.db.engine import pool_stats
from fairedge.health.celery import CeleryHealth
from fairedge.health.checks import HealthChecks
from fairedge.health.odds_feed import health_service_status, odds_feed
from fairedge.health.odds_feed import router as odds_feed_router
from fairedge.kit.timeutil import utcnow

router = APIRouter(tags=["health"])
router.include_router(odds_feed_router)  # GET /health/odds-feed

# One database check at a time from these endpoints: a burst of /health calls takes one pooled connection,
# not the ones requests are admitted to (db/session.py).
_database_checks = anyio.CapacityLimiter(1)


async def _database(checks: HealthChecks) -> dict[str, Any]:
    return await anyio.to_thread.run_sync(checks.database, limiter=_database_checks)


async def _redis(checks: HealthChecks) -> dict[str, Any]:
    return await anyio.to_thread.run_sync(checks.redis)


def _checks(request: Request) -> HealthChecks:
    checks: HealthChecks = request.app.state.health
    return checks


def _scheduler_status(request: Request) -> str:
    scheduler = getattr(request.app.state, "scheduler", None)
    if scheduler is None:
        return "disabled"
    return "healthy" if scheduler.running else "unhealthy"


def _celery_check(request: Request) -> dict[str, Any]:
    # `fairedge run` runs the jobs itself (app.state.scheduler): Celery, configured or not, plays no part.
    if getattr(request.app.state, "scheduler", None) is not None:
        return {
            "status": "embedded",
            "reason": "fairedge run: jobs run in the in-process scheduler, never through Celery",
            "scheduler": _scheduler_status(request),
        }
    return CeleryHealth.from_settings(request.app.state.settings).check()


async def _celery(request: Request) -> dict[str, Any]:
    return await anyio.to_thread.run_sync(_celery_check, request)


@router.get(
    "/health",
    responses={503: {"description": "The database does not answer: the same body, status unhealthy."}},
)
async def health(request: Request) -> JSONResponse:
    checks = _checks(request)
    services = {
        "database": (await _database(checks))["status"],
        "redis": (await _redis(checks))["status"],
        "celery": (await _celery(request))["status"],
        "scheduler": _scheduler_status(request),
        "odds_feed": health_service_status(await odds_feed(request)),  # health/odds_feed.py
    }
    if services["database"] != "healthy":
        status = "unhealthy"
    elif {"unhealthy", "degraded"} & set(services.values()):
        status = "degraded"
    else:
        status = "healthy"
    body = {
        "status": status,
        "timestamp": utcnow().isoformat().replace("+00:00", "Z"),
        "services": services,
        "version": __version__,
    }
    return JSONResponse(body, status_code=503 if status == "unhealthy" else 200)


@router.get(
    "/health/database",
    responses={503: {"description": "The database does not answer: the same body, status unhealthy."}},
)
async def health_database(request: Request) -> JSONResponse:
    checks = _checks(request)
    result = await _database(checks)
    body = {**result, "dialect": checks.engine.dialect.name, "pool_stats": pool_stats(checks.engine)}
    return JSONResponse(body, status_code=200 if result["status"] == "healthy" else 503)


@router.get(
    "/health/redis",
    responses={503: {"description": "REDIS_URL is set and Redis does not answer: status unhealthy."}},
)
async def health_redis(request: Request) -> JSONResponse:
    result = await _redis(_checks(request))
    return JSONResponse(result, status_code=503 if result["status"] == "unhealthy" else 200)


@router.get(
    "/health/celery",
    responses={503: {"description": "No live worker, or the broker does not answer: status unhealthy."}},
)
async def health_celery(request: Request) -> JSONResponse:
    result = await _celery(request)
    return JSONResponse(result, status_code=503 if result["status"] == "unhealthy" else 200)
