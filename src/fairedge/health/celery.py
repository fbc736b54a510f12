"""The Celery check: workers and beat from their heartbeats in the broker's Redis (tasks/heartbeat.py), the
waiting messages per named queue and the ``celery_failed`` count. Two round trips with 0.5 s timeouts and no
retry, a fresh connection each (health is polled every few seconds: nothing to keep open between calls).

- ``healthy``: a live worker consumes every named queue and a beat is scheduling.
- ``degraded``: workers run but no beat schedules (nothing new is started), or a queue has no live consumer.
- ``unhealthy``: no live worker (nothing runs), or the broker does not answer.
- ``disabled``: no broker configured (``CELERY_BROKER_URL``, ``REDIS_URL``): nothing to check.
``fairedge run`` reports ``embedded`` instead (health/endpoints.py): its jobs never go through Celery.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import redis

from fairedge.config import Settings
from fairedge.tasks import heartbeat
from fairedge.tasks.broker import CeleryKeys, connect
from fairedge.tasks.schedule import QUEUES

TIMEOUT_SECONDS = 0.5


class CeleryHealth:
    def __init__(self, broker_url: str | None, keys: CeleryKeys, queues: Sequence[str] = QUEUES) -> None:
        self._url = broker_url
        self._keys = keys
        self._queues = tuple(queues)

    @classmethod
    def from_settings(cls, settings: Settings) -> CeleryHealth:
        return cls(settings.broker_url, CeleryKeys(settings.CELERY_KEY_PREFIX))

    def check(self) -> dict[str, Any]:
        if self._url is None:
            return {
                "status": "disabled",
                "reason": "neither CELERY_BROKER_URL nor REDIS_URL is set: no Celery to check",
            }
        started = time.perf_counter()
        try:
            with connect(self._url, timeout_seconds=TIMEOUT_SECONDS) as client:
                snapshot = heartbeat.read(client, self._keys, self._queues)
        except redis.RedisError as exc:  # refused, timed out, not Redis: the workers cannot be seen
            return {
                "status": "unhealthy",
                "reasons": ["the broker does not answer"],
                "error": type(exc).__name__,
            }
        status, reasons = assess(snapshot, self._queues)
        now = time.time()
        body: dict[str, Any] = {"status": status}
        if reasons:
            body["reasons"] = reasons
        body["workers"] = [
            {
                "hostname": w.get("hostname"),
                "queues": w.get("queues", []),
                "pid": w.get("pid"),
                "seen_seconds_ago": round(now - float(w.get("seen_at", now)), 1),
            }
            for w in snapshot.workers
        ]
        body["lost_workers"] = snapshot.lost
        beat = snapshot.beat
        body["beat"] = (
            {"status": "missing"}
            if beat is None
            else {
                "status": "healthy",
                "hostname": beat.get("hostname"),
                "pid": beat.get("pid"),
                "last_run": beat.get("last_run"),
                "active_since": beat.get("active_since"),
                "seen_seconds_ago": round(now - float(beat.get("seen_at", now)), 1),
            }
        )
        body["queues"] = snapshot.queues
        body["failed"] = snapshot.failed
        body["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return body


def assess(snapshot: heartbeat.Snapshot, queues: Sequence[str]) -> tuple[str, list[str]]:
    if not snapshot.workers:
        return "unhealthy", ["no live worker heartbeat: queued jobs are not run"]
    reasons = []
    if snapshot.beat is None:
        reasons.append("no live beat heartbeat: no job is scheduled")
    consumed = {q for w in snapshot.workers for q in w.get("queues", [])}
    idle = [q for q in queues if q not in consumed]
    if idle:
        reasons.append(f"no live worker consumes {', '.join(idle)}")
    return ("degraded" if reasons else "healthy"), reasons
