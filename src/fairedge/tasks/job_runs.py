"""Each job's last success and last failure, kept where every process can read them.

Under Celery the jobs run in worker processes and the API cannot see their metrics: each run is written to
the broker's Redis, one hash ``{CELERY_KEY_PREFIX}fairedge:job_runs`` with fields ``<job>:<fact>``
(``success_at``, ``duration_seconds``, ``failure_at``, ``error_type``; instants as Unix seconds). Under
``fairedge run`` the in-process scheduler runs them in the API's own process, so :data:`EMBEDDED` (memory)
is the record there. Writing never fails a job: a Redis error is logged and the job's result stands.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

import redis
import structlog

from fairedge.tasks.broker import CeleryKeys

log = structlog.get_logger(__name__)

FACTS = ("success_at", "duration_seconds", "failure_at", "error_type")
Runs = dict[str, dict[str, str]]  # job (without "tasks.") -> fact -> value as text


class JobRunLog(Protocol):
    def record(
        self, job: str, *, ok: bool, duration_seconds: float, error_type: str | None = None
    ) -> None: ...

    def read(self) -> Runs: ...


def _fields(
    job: str, *, ok: bool, duration_seconds: float, error_type: str | None, at: float
) -> dict[str, str]:
    short = job.removeprefix("tasks.")
    if ok:
        return {
            f"{short}:success_at": repr(at),
            f"{short}:duration_seconds": repr(round(duration_seconds, 3)),
        }
    return {f"{short}:failure_at": repr(at), f"{short}:error_type": error_type or "unknown"}


def _runs(fields: dict[str, str]) -> Runs:
    found: Runs = {}
    for name, value in fields.items():
        job, _, fact = name.rpartition(":")
        if job and fact in FACTS:
            found.setdefault(job, {})[fact] = value
    return found


class MemoryJobRuns:
    """The record of the jobs this process runs (embedded mode)."""

    def __init__(self) -> None:
        self._fields: dict[str, str] = {}
        self._lock = threading.Lock()

    def record(self, job: str, *, ok: bool, duration_seconds: float, error_type: str | None = None) -> None:
        with self._lock:
            self._fields.update(
                _fields(job, ok=ok, duration_seconds=duration_seconds, error_type=error_type, at=time.time())
            )

    def read(self) -> Runs:
        with self._lock:
            return _runs(dict(self._fields))


class RedisJobRuns:
    """The record in the broker's Redis, shared by every worker and API process."""

    def __init__(self, client: redis.Redis, keys: CeleryKeys) -> None:
        self._client = client
        self._key = keys.prefix + "fairedge:job_runs"

    def record(self, job: str, *, ok: bool, duration_seconds: float, error_type: str | None = None) -> None:
        fields = _fields(job, ok=ok, duration_seconds=duration_seconds, error_type=error_type, at=time.time())
        try:
            self._client.hset(self._key, mapping=fields)  # type: ignore[arg-type]
        except redis.RedisError as exc:
            log.warning("job_run_unrecorded", task=job, error_type=type(exc).__name__)

    def read(self) -> Runs:
        """Raises ``redis.RedisError`` when the broker does not answer."""
        raw: dict[bytes, bytes] = self._client.hgetall(self._key)  # type: ignore[assignment]
        return _runs({k.decode(): v.decode() for k, v in raw.items()})


EMBEDDED = MemoryJobRuns()
"""The in-process scheduler's record (tasks/embedded.py writes it; the admin status reads it there)."""
