"""Heartbeats of Celery workers and beat in the broker's Redis, read by ``/health/celery``.

Each worker writes ``fairedge:heartbeat:worker:<hostname>`` and the scheduling beat
``fairedge:heartbeat:beat`` every ``CELERY_HEARTBEAT_SECONDS``, with a TTL of three periods: a key that exists
is a process seen alive within three periods. (``celery inspect ping`` is slow, needs every worker to answer
over pub/sub and never sees beat.) Workers also keep a sorted set of host names by last beat, so a reader
lists them without scanning the key space and can name the workers that stopped beating in the last hour.
Every heartbeat also samples the named queues' lengths into ``fairedge_celery_queue_length``
(tasks/queues.py), in the same round trip.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import redis
import structlog

from fairedge.tasks import queues as queue_lengths
from fairedge.tasks.broker import CeleryKeys
from fairedge.tasks.schedule import QUEUES

log = structlog.get_logger(__name__)

TTL_PERIODS = 3
REMEMBER_LOST_SECONDS = 3600.0


def ttl_seconds(period_seconds: float) -> float:
    return period_seconds * TTL_PERIODS


def write_worker(
    client: redis.Redis, keys: CeleryKeys, hostname: str, info: dict[str, Any], period_seconds: float
) -> None:
    now = time.time()
    pipe = client.pipeline(transaction=False)
    pipe.set(
        keys.worker_heartbeat(hostname),
        json.dumps({**info, "hostname": hostname, "seen_at": now}),
        px=round(ttl_seconds(period_seconds) * 1000),
    )
    pipe.zadd(keys.workers, {hostname: now})
    pipe.zremrangebyscore(keys.workers, "-inf", now - REMEMBER_LOST_SECONDS)
    for queue in QUEUES:
        pipe.llen(keys.queue(queue))
    _, lengths = _split(pipe.execute(), len(QUEUES))
    queue_lengths.record(QUEUES, lengths)


def remove_worker(client: redis.Redis, keys: CeleryKeys, hostname: str) -> None:
    """A worker that stops cleanly says so at once instead of waiting for its key to expire."""
    pipe = client.pipeline(transaction=False)
    pipe.delete(keys.worker_heartbeat(hostname))
    pipe.zrem(keys.workers, hostname)
    pipe.execute()


def write_beat(client: redis.Redis, keys: CeleryKeys, info: dict[str, Any], period_seconds: float) -> None:
    pipe = client.pipeline(transaction=False)
    pipe.set(
        keys.beat_heartbeat,
        json.dumps({**info, "seen_at": time.time()}),
        px=round(ttl_seconds(period_seconds) * 1000),
    )
    for queue in QUEUES:
        pipe.llen(keys.queue(queue))
    _, lengths = _split(pipe.execute(), len(QUEUES))
    queue_lengths.record(QUEUES, lengths)


def _split(results: list[Any], tail: int) -> tuple[list[Any], list[int]]:
    """A pipeline's results: the heartbeat's, then the ``tail`` queue lengths."""
    return results[: len(results) - tail], [int(n) for n in results[len(results) - tail :]]


def remove_beat(client: redis.Redis, keys: CeleryKeys) -> None:
    client.delete(keys.beat_heartbeat)


@dataclass(frozen=True)
class Snapshot:
    workers: list[dict[str, Any]]  # live workers' heartbeats
    lost: list[str]  # host names that beat within the last hour and stopped
    beat: dict[str, Any] | None
    queues: dict[str, int]  # messages waiting per named queue
    failed: int  # entries in celery_failed


def read(client: redis.Redis, keys: CeleryKeys, queues: Sequence[str]) -> Snapshot:
    """Two round trips whatever the number of workers."""
    pipe = client.pipeline(transaction=False)
    pipe.zrange(keys.workers, 0, -1)
    pipe.get(keys.beat_heartbeat)
    pipe.llen(keys.failed)
    for queue in queues:
        pipe.llen(keys.queue(queue))
    names_raw, beat_raw, failed, *lengths = pipe.execute()
    names = [n.decode() for n in names_raw]
    values = client.mget([keys.worker_heartbeat(n) for n in names]) if names else []
    workers = [json.loads(v) for v in values if v is not None]
    lost = [n for n, v in zip(names, values, strict=True) if v is None]
    return Snapshot(
        workers=workers,
        lost=lost,
        beat=json.loads(beat_raw) if beat_raw is not None else None,
        queues=dict(zip(queues, (int(n) for n in lengths), strict=True)),
        failed=int(failed),
    )


class Heartbeat:
    """Calls ``beat`` every ``period_seconds`` on a daemon thread until stopped. A failing write is logged
    once per outage (the broker is down: the worker cannot do anything else either), retried next period."""

    def __init__(self, name: str, beat: Callable[[], None], period_seconds: float) -> None:
        self._name = name
        self._beat = beat
        self._period = period_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        failing = False
        while True:
            try:
                self._beat()
            except redis.RedisError as exc:
                if not failing:
                    log.warning("heartbeat_failed", heartbeat=self._name, error_type=type(exc).__name__)
                failing = True
            else:
                if failing:
                    log.info("heartbeat_recovered", heartbeat=self._name)
                failing = False
            if self._stop.wait(self._period):
                return

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=f"fairedge-{self._name}", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
