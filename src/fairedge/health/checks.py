"""The checks behind ``/health`` and the background probe; each sets its gauge and never raises.

A check answers within about a second: Redis gets 0.5 s socket timeouts and a single attempt, PostgreSQL a
5 s connect timeout (db/engine.py). Results are plain dicts in the operations guide's format.
"""

from __future__ import annotations

import time
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import Engine, text

from fairedge.errors import ConfigurationError
from fairedge.observability import metrics
from fairedge.observability.dbpool import record_pool

REDIS_TIMEOUT_SECONDS = 0.5

# fairedge_redis_health when REDIS_URL is unset: neither up (1) nor down (0), so `== 0` alerts stay quiet.
REDIS_DISABLED = -1


class HealthChecks:
    def __init__(self, engine: Engine, redis_url: str | None) -> None:
        self.engine = engine
        self._redis: redis.Redis | None = None
        if redis_url is not None:
            try:
                self._redis = redis.Redis.from_url(
                    redis_url,
                    socket_timeout=REDIS_TIMEOUT_SECONDS,
                    socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                    retry=Retry(NoBackoff(), 0),  # the probe is back in 15 s; a retry only delays the answer
                )
            except ValueError as exc:
                raise ConfigurationError(f"REDIS_URL: {exc}") from exc
        if self._redis is None:
            metrics.REDIS_HEALTH.set(REDIS_DISABLED)

    def database(self) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # any driver or pool error means "unhealthy", never a 500
            metrics.DATABASE_HEALTH.set(0)
            return {"status": "unhealthy", "error": type(exc).__name__}
        finally:
            record_pool(self.engine)  # the check's connection is back: the pool as requests left it
        metrics.DATABASE_HEALTH.set(1)
        return {"status": "healthy", "latency_ms": _ms_since(started)}

    def redis(self) -> dict[str, Any]:
        if self._redis is None:
            return {"status": "disabled", "reason": "REDIS_URL is not set: embedded in-memory backends"}
        started = time.perf_counter()
        try:
            self._redis.ping()
        except Exception as exc:  # refused, timed out, wrong password, not Redis: all "unhealthy"
            metrics.REDIS_HEALTH.set(0)
            return {"status": "unhealthy", "error": type(exc).__name__}
        metrics.REDIS_HEALTH.set(1)
        return {"status": "healthy", "latency_ms": _ms_since(started)}

    def close(self) -> None:
        if self._redis is not None:
            self._redis.close()


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
