"""The broker's Redis beyond Celery's own use: every key FairEdge keeps there, and clients with timeouts.

``CELERY_KEY_PREFIX`` namespaces all of them (and, through kombu's ``global_keyprefix``, the queues), so two
deployments or two test runs can share one Redis. Without a prefix the names are the operations guide's:
the queues ``ingest``, ``compute``, ``maintenance`` and the list ``celery_failed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from fairedge.errors import ConfigurationError


@dataclass(frozen=True)
class CeleryKeys:
    prefix: str = ""

    def queue(self, name: str) -> str:
        return self.prefix + name

    @property
    def failed(self) -> str:
        return self.prefix + "celery_failed"

    def worker_heartbeat(self, hostname: str) -> str:
        return f"{self.prefix}fairedge:heartbeat:worker:{hostname}"

    @property
    def workers(self) -> str:
        """A sorted set of worker host names by last heartbeat: found without scanning the key space."""
        return self.prefix + "fairedge:heartbeat:workers"

    @property
    def beat_heartbeat(self) -> str:
        return self.prefix + "fairedge:heartbeat:beat"

    @property
    def beat_lock(self) -> str:
        return self.prefix + "fairedge:lock:beat"

    @property
    def beat_last_run(self) -> str:
        """A hash task → epoch seconds of its last send, shared by the beats: a takeover keeps the rhythm."""
        return self.prefix + "fairedge:beat:last_run"

    def job_lock(self, task: str) -> str:
        return f"{self.prefix}fairedge:lock:job:{task}"


def connect(url: str, *, timeout_seconds: float) -> redis.Redis:
    """A client that gives up after ``timeout_seconds`` (connect and read) without retrying: a hung broker
    costs a caller that long, never more. Connections are opened on first use."""
    try:
        return redis.Redis.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            retry=Retry(NoBackoff(), 0),
        )
    except ValueError as exc:
        raise ConfigurationError(f"broker URL: {exc}") from exc
