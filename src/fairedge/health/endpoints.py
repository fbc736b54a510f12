"""Health checks in the operations guide's format.

``/health`` answers 200 while the service can serve (database up) and 503 when it cannot; services that
this run mode does not use report "disabled".
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from fairedge import __version__
from fairedge.db.engine import pool_stats
from fairedge.kit.timeutil import utcnow
from fairedge.observability import metrics

router = APIRouter(tags=["health"])


def check_database(engine: Engine) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "unhealthy", never a 500
        metrics.DATABASE_HEALTH.set(0)
        return {"status": "unhealthy", "error": type(exc).__name__}
    metrics.DATABASE_HEALTH.set(1)
    return {"status": "healthy", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def _scheduler_status(request: Request) -> str:
    scheduler = getattr(request.app.state, "scheduler", None)
    if scheduler is None:
        return "disabled"
    return "healthy" if scheduler.running else "unhealthy"


@router.get("/health")
def health(request: Request) -> JSONResponse:
    database = check_database(request.app.state.engine)["status"]
    settings = request.app.state.settings
    services = {
        "database": database,
        "redis": "disabled" if settings.REDIS_URL is None else "unknown",
        "celery": "disabled" if settings.broker_url is None else "unknown",
        "scheduler": _scheduler_status(request),
    }
    ok = database == "healthy" and services["scheduler"] != "unhealthy"
    body = {
        "status": "healthy" if ok else "unhealthy",
        "timestamp": utcnow().isoformat().replace("+00:00", "Z"),
        "services": services,
        "version": __version__,
    }
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/health/database")
def health_database(request: Request) -> JSONResponse:
    engine: Engine = request.app.state.engine
    result = check_database(engine)
    body = {**result, "dialect": engine.dialect.name, "pool_stats": pool_stats(engine)}
    return JSONResponse(body, status_code=200 if result["status"] == "healthy" else 503)


@router.get("/health/redis")
def health_redis(request: Request) -> JSONResponse:
    if request.app.state.settings.REDIS_URL is None:
        return JSONResponse(
            {"status": "disabled", "reason": "REDIS_URL is not set: embedded in-memory backends"}
        )
    return JSONResponse({"status": "unknown", "reason": "Redis checks arrive with the Redis backends"}, 503)


@router.get("/health/celery")
def health_celery(request: Request) -> JSONResponse:
    if request.app.state.settings.broker_url is None:
        return JSONResponse(
            {
                "status": "disabled",
                "reason": "no broker: jobs run in the embedded scheduler",
                "scheduler": _scheduler_status(request),
            }
        )
    return JSONResponse({"status": "unknown", "reason": "Celery checks arrive with the Celery workers"}, 503)
