"""Celery beat that schedules only while it holds a Redis lock: one beat schedules, any other stands by.

The schedule is ``beat_schedule``, built from tasks/schedule.py (which the embedded scheduler reads too).
Each tick takes or extends ``fairedge:lock:beat`` (TTL three heartbeat periods; ticks come at least once a
period). A second beat started by mistake finds the lock held, logs ``beat_standby`` and sends nothing; when
the first dies its lock expires and the standby takes over (``beat_active``) within three periods. The time
of each job's last send is kept in Redis, so a takeover or a restart keeps the rhythm instead of starting
every period again (a daily job would otherwise never run across daily deploys); a job never sent runs at
once, as in embedded mode.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import redis
import structlog
from celery.beat import Scheduler

from fairedge.tasks import heartbeat, locks
from fairedge.tasks.broker import CeleryKeys, connect

log = structlog.get_logger(__name__)

NEVER = datetime(1970, 1, 1, tzinfo=UTC)


class SingleBeatScheduler(Scheduler):  # type: ignore[misc]  # celery ships no type hints
    def __init__(self, app: Any, *args: Any, **kwargs: Any) -> None:
        self._keys = CeleryKeys(app.conf.fairedge_key_prefix)
        self._period = float(app.conf.fairedge_heartbeat_seconds)
        # A broker that hangs must not stall the lock's renewal past its TTL.
        self._redis = connect(app.conf.broker_url, timeout_seconds=min(2.0, self._period / 2))
        self._token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._active = False
        self._standby_logged = False
        self._redis_failing = False
        self._active_since: float | None = None
        self._last_run: float | None = None
        self._last_heartbeat = 0.0
        super().__init__(app, *args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self._hold_lock():
            return self._period
        interval = float(super().tick(*args, **kwargs))
        self._heartbeat()
        return min(interval, self._period)

    def apply_async(self, entry: Any, producer: Any = None, advance: bool = True, **kwargs: Any) -> Any:
        result = super().apply_async(entry, producer, advance, **kwargs)
        self._last_run = time.time()
        try:
            self._redis.hset(self._keys.beat_last_run, entry.name, str(self._last_run))
        except redis.RedisError as exc:
            log.warning("beat_state_unsaved", task=entry.name, error_type=type(exc).__name__)
        return result

    def close(self) -> None:
        if self._active:
            try:
                locks.release(self._redis, self._keys.beat_lock, self._token)
                heartbeat.remove_beat(self._redis, self._keys)
            except redis.RedisError as exc:
                log.warning("beat_lock_unreleased", error_type=type(exc).__name__)
            self._active = False
            log.info("beat_stopped")
        super().close()

    def _hold_lock(self) -> bool:
        try:
            held = locks.hold(
                self._redis, self._keys.beat_lock, self._token, heartbeat.ttl_seconds(self._period)
            )
            if held and not self._active:
                self._take_over()
            elif not held and not self._standby_logged:
                log.info("beat_standby", holder=locks.holder(self._redis, self._keys.beat_lock))
                self._standby_logged = True
        except redis.RedisError as exc:
            # Without the broker nothing can be sent anyway; scheduling blind could double every job later.
            if not self._redis_failing:
                log.warning("beat_lock_unavailable", error_type=type(exc).__name__)
            self._redis_failing = True
            return False
        self._redis_failing = False
        if not held and self._active:
            log.warning("beat_lock_lost")
            self._active = False
        return held

    def _take_over(self) -> None:
        stored = {
            (name.decode() if isinstance(name, bytes) else name): float(value)
            for name, value in self._redis.hgetall(self._keys.beat_last_run).items()
        }
        for name, entry in self.schedule.items():
            last = stored.get(name)
            entry.last_run_at = datetime.fromtimestamp(last, UTC) if last is not None else NEVER
        self._heap = None  # rebuilt from the entries' new last runs on this tick
        self._active = True
        self._standby_logged = False
        self._active_since = time.time()
        self._last_run = max(stored.values(), default=None)
        self._last_heartbeat = 0.0
        log.info("beat_active", token=self._token, jobs=sorted(self.schedule))

    def _heartbeat(self) -> None:
        now = time.time()
        if now - self._last_heartbeat < self._period:
            return
        info = {
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "active_since": _iso(self._active_since),
            "last_run": _iso(self._last_run),
        }
        try:
            heartbeat.write_beat(self._redis, self._keys, info, self._period)
        except redis.RedisError as exc:
            log.warning("heartbeat_failed", heartbeat="beat", error_type=type(exc).__name__)
            return
        self._last_heartbeat = now

    @property
    def info(self) -> str:
        return f"    . lock -> {self._keys.beat_lock} (one beat schedules, others stand by)"


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")
