"""The cache in front of the read paths: serve an entry while it holds, else compute, store and serve.

An entry ends when the first of these comes:
- its board changes: the jobs that rewrite a board bump its version (:meth:`Cache.invalidate`), and the
  version is part of every key, so one increment retires every entry of the board, on every process;
- time changes the answer: an entry carries the instant until which it holds (an opportunity's event starts,
  its quotes go stale, a plan's delay passes) by the application's clock, and its ages are filled in when
  served (:mod:`fairedge.cache.aging`);
- ``CACHE_TTL_SECONDS`` passes: the bound on anything missed, such as a bump lost while Redis was down.

With Redis, each process also keeps the entries it served in memory (``near``, bounded like the embedded
cache). An entry never changes under its key (the version is in it), so a copy is as good as Redis's as long
as the version is current: the process trusts the version it last read for ``version_check_seconds`` (0.1 s),
then asks Redis again. A hot list therefore costs Redis one round trip per process per tenth of a second,
not one per request, and another process's bump is seen within that tenth; this process's own bumps at once.

Redis failure is the design's centre, as for the rate limiter: request-path calls time out after 0.25 s
without retries, and a failure opens a circuit breaker: for its cool-down nothing touches Redis and every
request is served from the database (the near copies too are left alone: their version cannot be checked).
One probe per cool-down finds Redis back. ``cache_unavailable`` and ``cache_recovered`` are logged once per
outage.

Concurrent misses of one key in one process share a single computation (the first request's); each of them
counts as a miss.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Literal, TypeVar

import redis
import structlog

from fairedge.cache.aging import AgedJson
from fairedge.cache.backends import Backend, MemoryBackend, RedisBackend
from fairedge.cache.keys import CacheKey
from fairedge.config import Settings
from fairedge.kit.singleflight import SingleFlight
from fairedge.observability import metrics
from fairedge.ratelimit.breaker import CircuitBreaker

log = structlog.get_logger(__name__)

OUTAGE_COOLDOWN_SECONDS = 2.0
VERSION_CHECK_SECONDS = 0.1
MissReason = Literal["absent", "expired", "unavailable", "off"]
T = TypeVar("T")


class Cache:
    """Shared by the request path (async) and the jobs (threads): every method is safe for both."""

    def __init__(
        self,
        backend: Backend,
        *,
        ttl_seconds: float,
        near: MemoryBackend | None = None,
        version_check_seconds: float = VERSION_CHECK_SECONDS,
        cooldown_seconds: float = OUTAGE_COOLDOWN_SECONDS,
    ) -> None:
        self.backend = backend
        self.ttl_seconds = ttl_seconds
        self.near = near
        self.version_check_seconds = version_check_seconds
        self._versions: dict[str, tuple[str, float]] = {}  # namespace: (version, when read, monotonic)
        self._breaker = CircuitBreaker(cooldown_seconds)
        self._flights: SingleFlight[AgedJson] = SingleFlight()
        metrics.CACHE_AVAILABLE.set(1)

    @classmethod
    def from_settings(cls, settings: Settings) -> Cache:
        """Redis when ``REDIS_URL`` is set (shared by every process; a near copy in each), else this
        process's memory."""
        memory = MemoryBackend(max_bytes=int(settings.CACHE_MEMORY_MAX_MB * 1024 * 1024))
        if settings.REDIS_URL:
            redis_backend = RedisBackend(settings.REDIS_URL, prefix=settings.CACHE_KEY_PREFIX)
            return cls(redis_backend, ttl_seconds=settings.CACHE_TTL_SECONDS, near=memory)
        return cls(memory, ttl_seconds=settings.CACHE_TTL_SECONDS)

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0

    async def fetch(
        self,
        key: CacheKey,
        *,
        view: str,
        now: float,
        compute: Callable[[], Awaitable[AgedJson]],
    ) -> bytes:
        """The answer for ``key`` rendered at ``now``: from the cache while it holds, else computed (and
        stored for the next request). ``view`` labels the hit and miss counters (a small fixed set)."""
        version: str | None = None
        reason: MissReason = "off"
        if self.enabled:
            version, entry = self._near(key)
            if entry is None or not entry.holds_at(now):
                found = await self._lookup(key)
                version, entry = (None, None) if found is None else found
            if version is None:
                reason = "unavailable"
            elif entry is not None and entry.holds_at(now):
                metrics.CACHE_HITS.labels(view=view).inc()
                return entry.render(now)
            else:
                reason = "absent" if entry is None else "expired"
        metrics.CACHE_MISSES.labels(view=view, reason=reason).inc()
        log.debug("cache_miss", view=view, key=key.at(version or "-"), reason=reason)
        if version is None:
            return (await compute()).render(now)
        entry = await self._computed(key.at(version), compute)
        return entry.render(now)

    def warm(self, key: CacheKey, compute: Callable[[], AgedJson]) -> bool:
        """Compute and store ``key``'s entry whatever is stored (the jobs rewrite what a scan changed);
        False when the cache is off or unavailable. The version is read first: an entry computed from a
        board that changes meanwhile is stored under the version that change retires."""
        if not self.enabled:
            return False
        found = self._sync(partial(self.backend.version, key.namespace))
        if found is None:
            return False
        entry = compute()
        stored = self._sync(partial(self.backend.put, key.at(found[0]), entry.encode(), self._ttl(entry)))
        return stored is not None

    def invalidate(self, *namespaces: str) -> None:
        """Retire every entry of these boards (after the transaction that changed them has committed)."""
        for namespace in namespaces:
            bumped = self._sync(partial(self.backend.bump, namespace))
            if bumped is None:
                # Entries of the old board stay until their TTL or the next successful bump.
                log.error("cache_invalidation_failed", namespace=namespace, ttl_seconds=self.ttl_seconds)
            elif self.near is not None:
                self._versions[namespace] = (bumped[0], time.monotonic())

    def close(self) -> None:
        self.backend.close()

    def _ttl(self, entry: AgedJson) -> float:
        return min(self.ttl_seconds, max(1.0, entry.valid_until - entry.computed_at))

    def _near(self, key: CacheKey) -> tuple[str | None, AgedJson | None]:
        """The near copy of ``key``'s entry, if this process read the version from Redis less than
        ``version_check_seconds`` ago; (None, None) otherwise."""
        known = self._versions.get(key.namespace)
        if self.near is None or known is None or time.monotonic() - known[1] >= self.version_check_seconds:
            return None, None
        raw = self.near.get(key.at(known[0]))
        return known[0], None if raw is None else AgedJson.decode(raw)

    async def _lookup(self, key: CacheKey) -> tuple[str, AgedJson | None] | None:
        """The version and the entry under it, from the backend (and kept near); None when unavailable."""
        if not self._breaker.allow():
            return None
        try:
            version, raw = await self.backend.lookup(key)
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        self._succeeded()
        if self.near is not None:
            self._versions[key.namespace] = (version, time.monotonic())
            if raw is not None:
                self.near.put(key.at(version), raw, self.ttl_seconds)
        return version, None if raw is None else AgedJson.decode(raw)

    async def _computed(self, full_key: str, compute: Callable[[], Awaitable[AgedJson]]) -> AgedJson:
        """Computed by the first of the concurrent requests for ``full_key`` (with its own session); the
        others wait for its answer (kit/singleflight.py)."""
        return await self._flights.run(full_key, partial(self._compute_and_store, full_key, compute))

    async def _compute_and_store(self, full_key: str, compute: Callable[[], Awaitable[AgedJson]]) -> AgedJson:
        entry = await compute()
        raw, ttl = entry.encode(), self._ttl(entry)
        if self.near is not None:
            self.near.put(full_key, raw, ttl)
        if self._breaker.allow():
            try:
                await self.backend.store(full_key, raw, ttl)
            except redis.RedisError as exc:
                self._failed(exc)
            else:
                self._succeeded()
        return entry

    def _sync(self, call: Callable[[], T]) -> tuple[T] | None:
        """The call's result (in a 1-tuple), or None when the backend is unavailable (now, or during the
        cool-down)."""
        if not self._breaker.allow():
            return None
        try:
            result = call()
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        self._succeeded()
        return (result,)

    def _failed(self, exc: redis.RedisError) -> None:
        reason = "timeout" if isinstance(exc, redis.TimeoutError) else "connection"
        if not isinstance(exc, redis.ConnectionError | redis.TimeoutError):
            reason = "error"
        metrics.CACHE_ERRORS.labels(reason=reason).inc()
        if self._breaker.failed():
            self._versions.clear()  # nothing near is served until Redis confirms its version again
            metrics.CACHE_AVAILABLE.set(0)
            log.error(
                "cache_unavailable",
                backend=self.backend.kind,
                error=type(exc).__name__,
                cooldown_seconds=self._breaker.cooldown,
            )

    def _succeeded(self) -> None:
        outage = self._breaker.succeeded()
        if outage is not None:
            metrics.CACHE_AVAILABLE.set(1)
            log.info("cache_recovered", backend=self.backend.kind, outage_seconds=round(outage, 3))
