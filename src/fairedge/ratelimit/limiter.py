"""The rate limiter: named buckets per caller over the ``limits`` sliding window counter, Redis or memory.

Strategy: the sliding window counter. It keeps two counters per bucket (O(1) memory, one atomic Lua script a
hit on Redis) and avoids the fixed window's double burst at a window edge; the moving window is exact but
stores one entry per request (3000 for an elite minute), which Redis would have to hold and scan per call.

Redis failure is the design's centre. Request-path calls get ``timeout_seconds`` (0.25 s) to connect and to
read, and no retries, so a dead or hung Redis costs one request at most that long. A failure opens a circuit
breaker: for ``cooldown_seconds`` the limiter does not touch Redis at all and decides at once, failing open
(``degraded`` decisions) or, for ``fail_closed`` buckets such as login, raising a 503 with ``Retry-After``.
One probe per cool-down finds out when Redis is back. ``rate_limiter_unavailable`` and
``rate_limiter_recovered`` are logged once per outage; the errors and degraded decisions are counted.

:meth:`RateLimiter.ahit` is :meth:`RateLimiter.hit` for the event loop (the data API's per-request spend): the
same buckets, timeouts and breaker through an asyncio Redis client (one per event loop), so a request spends
its limit without waiting for a worker thread, in one round trip (``spend.py``: ``limits``' spend and read
scripts as one).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from math import ceil
from typing import Literal, TypeVar

import redis
import redis.asyncio
import structlog
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.retry import Retry

from fairedge.config import Settings
from fairedge.errors import ConfigurationError, RateLimited, UpstreamUnavailable
from fairedge.observability import metrics
from fairedge.ratelimit.breaker import CircuitBreaker
from fairedge.ratelimit.spend import SPEND_AND_READ, window_keys
from fairedge.ratelimit.window import Window

log = structlog.get_logger(__name__)

REQUEST_TIMEOUT_SECONDS = 0.25  # connect and read, per Redis call on the request path
OUTAGE_COOLDOWN_SECONDS = 2.0  # how long Redis is left alone after a failure
DEFAULT_KEY_PREFIX = "fairedge:ratelimit"
REDIS_SCHEMES = frozenset({"redis", "rediss", "unix"})
SCOPE = re.compile(r"^[a-z][a-z0-9_]*$")  # a fixed bucket name: also a metric label, never an id

T = TypeVar("T")


class RateLimiterUnavailable(UpstreamUnavailable):
    """A fail-closed bucket (login, password reset, checkout) could not be checked: 503 with Retry-After."""

    code = "rate_limiter_unavailable"


@dataclass(frozen=True)
class RateDecision:
    limit: int
    remaining: int
    reset_at: float  # epoch seconds when the whole quota is back
    allowed: bool
    degraded: bool = False  # decided without the storage (outage): limit and remaining are not known

    def headers(self) -> dict[str, str]:
        """``RateLimit-Limit``, ``-Remaining``, ``-Reset`` (seconds); none when degraded rather than guess."""
        if self.degraded:
            return {}
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(max(0, ceil(self.reset_at - time.time()))),
        }


@lru_cache(maxsize=64)
def parse_limit(limit: str) -> RateLimitItem:
    """One limit in ``limits`` notation ("60/minute", "10/15minutes"); ConfigurationError otherwise."""
    try:
        items = parse_many(limit)
    except ValueError as exc:
        raise ConfigurationError(f"rate limit {limit!r} is not in limits notation, e.g. 60/minute") from exc
    if len(items) != 1:
        raise ConfigurationError(f"rate limit {limit!r}: give one limit per bucket, not {len(items)}")
    return items[0]


class RateLimiter:
    """Shared by every request thread of a process; every method is thread-safe."""

    def __init__(
        self,
        storage_uri: str = "memory://",
        *,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        timeout_seconds: float = REQUEST_TIMEOUT_SECONDS,
        cooldown_seconds: float = OUTAGE_COOLDOWN_SECONDS,
    ) -> None:
        scheme = storage_uri.split("://", 1)[0]
        self._uri = storage_uri
        self._key_prefix = key_prefix
        self._timeout = timeout_seconds
        self._pool: redis.ConnectionPool | None = None
        # ahit's script on an asyncio client, made in (and for) the event loop that first needs it.
        self._aio: tuple[asyncio.AbstractEventLoop, AsyncScript] | None = None
        self._storage: MemoryStorage | RedisStorage
        self.backend: Literal["redis", "memory"]
        if scheme == "memory":
            self.backend = "memory"
            self._storage = MemoryStorage()
        elif scheme in REDIS_SCHEMES:
            self.backend = "redis"
            try:
                self._pool = redis.ConnectionPool.from_url(
                    storage_uri,
                    socket_timeout=timeout_seconds,
                    socket_connect_timeout=timeout_seconds,
                    retry=Retry(NoBackoff(), 0),  # Redis() defaults to 10 retries: 7 s per call on a hang
                )
            except ValueError as exc:
                raise ConfigurationError(f"rate limiter storage: {exc}") from exc
            # The URI only tells the storage redis from valkey: the pool above carries host and timeouts.
            self._storage = RedisStorage("redis://", connection_pool=self._pool, key_prefix=key_prefix)
        else:
            raise ConfigurationError(f"rate limiter storage {scheme!r}: use redis://, rediss:// or memory://")
        self._strategy = SlidingWindowCounterRateLimiter(self._storage)
        self._breaker = CircuitBreaker(cooldown_seconds)
        metrics.RATE_LIMITER_AVAILABLE.set(1)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        """Redis when ``REDIS_URL`` is set (shared by every API process), else memory (embedded mode)."""
        return cls(settings.REDIS_URL or "memory://")

    def hit(
        self, scope: str, identity: str, limit: str, *, fail_closed: bool = False, cost: int = 1
    ) -> RateDecision:
        """Spend ``cost`` from ``identity``'s ``scope`` bucket; RateLimited (429) when it does not fit."""
        item = self._item(scope, limit, cost)

        def spend() -> tuple[bool, Window]:
            acquired = self._strategy.hit(item, scope, identity, cost=cost)
            return acquired, self._window(item, scope, identity)

        outcome = self._use_storage(spend)
        if outcome is None:
            return self._degraded(scope, item, fail_closed=fail_closed)
        acquired, window = outcome
        if not acquired:
            raise self._refusal(scope, identity, item, window, cost)
        return self._decision(item, window, allowed=True)

    async def ahit(
        self, scope: str, identity: str, limit: str, *, fail_closed: bool = False, cost: int = 1
    ) -> RateDecision:
        """:meth:`hit` without a worker thread: the same bucket, answer and outage behaviour."""
        if self._pool is None:  # memory: no I/O to wait for
            return self.hit(scope, identity, limit, fail_closed=fail_closed, cost=cost)
        item = self._item(scope, limit, cost)
        script = self._aio_script()
        keys = window_keys(self._key_prefix, item, scope, identity)

        async def spend() -> tuple[bool, Window]:
            acquired, *window = await script(keys=keys, args=[item.amount, item.get_expiry(), cost])
            previous_count, previous_ttl, current_count, current_ttl = (int(n) for n in window)
            return bool(acquired), Window(
                previous_count, previous_ttl / 1000, current_count, current_ttl / 1000
            )

        outcome = await self._ause_storage(spend)
        if outcome is None:
            return self._degraded(scope, item, fail_closed=fail_closed)
        acquired, found = outcome
        if not acquired:
            raise self._refusal(scope, identity, item, found, cost)
        return self._decision(item, found, allowed=True)

    def peek(
        self, scope: str, identity: str, limit: str, *, fail_closed: bool = False, cost: int = 1
    ) -> RateDecision:
        """Like :meth:`hit` without spending: raises RateLimited when ``cost`` more would be refused.

        For throttles that count only failures: peek before the work (the password hash), hit on failure.
        """
        item = self._item(scope, limit, cost)
        window = self._use_storage(lambda: self._window(item, scope, identity))
        if window is None:
            return self._degraded(scope, item, fail_closed=fail_closed)
        if window.used(item.get_expiry()) + cost > item.amount:
            raise self._refusal(scope, identity, item, window, cost)
        return self._decision(item, window, allowed=True)

    def usage(self, scope: str, identity: str, limit: str) -> RateDecision:
        """The bucket as it stands (for ``GET /api/me``): never spends, never raises for an outage."""
        item = self._item(scope, limit, 1)
        window = self._use_storage(lambda: self._window(item, scope, identity))
        if window is None:
            return RateDecision(item.amount, item.amount, time.time(), allowed=True, degraded=True)
        remaining = max(0, item.amount - window.used(item.get_expiry()))
        return self._decision(item, window, allowed=remaining > 0)

    def reset(self, scope: str, identity: str, limit: str) -> None:
        """Empty a bucket (a successful login clears the account's failures); skipped during an outage."""
        item = self._item(scope, limit, 1)
        self._use_storage(lambda: self._strategy.clear(item, scope, identity))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.disconnect()
        self._aio = None  # its connections belong to their event loop, which closes them with itself

    def _aio_script(self) -> AsyncScript:
        """The spend script on an asyncio client of this event loop (made on first use in each loop)."""
        loop = asyncio.get_running_loop()
        if self._aio is None or self._aio[0] is not loop:
            client = redis.asyncio.Redis.from_url(
                self._uri,
                socket_timeout=self._timeout,
                socket_connect_timeout=self._timeout,
                retry=AsyncRetry(NoBackoff(), 0),
            )
            self._aio = (loop, client.register_script(SPEND_AND_READ))
        return self._aio[1]

    def _item(self, scope: str, limit: str, cost: int) -> RateLimitItem:
        if not SCOPE.match(scope):
            raise ValueError(f"scope {scope!r} must be a fixed lower-case name such as 'api' or 'login_ip'")
        item = parse_limit(limit)
        if not 1 <= cost <= item.amount:
            raise ValueError(f"cost {cost} must be between 1 and the limit's {item.amount}")
        return item

    def _window(self, item: RateLimitItem, scope: str, identity: str) -> Window:
        return Window(*self._storage.get_sliding_window(item.key_for(scope, identity), item.get_expiry()))

    def _use_storage(self, call: Callable[[], T]) -> T | None:
        """The call's result, or None when the storage is unavailable (now, or during the cool-down)."""
        if not self._breaker.allow():
            return None
        try:
            result = call()
        except redis.RedisError as exc:  # refused, timed out, auth, OOM…: the limiter cannot answer
            self._failed(exc)
            return None
        self._succeeded()
        return result

    async def _ause_storage(self, call: Callable[[], Awaitable[T]]) -> T | None:
        """:meth:`_use_storage` for an asyncio call (redis.asyncio raises the same errors)."""
        if not self._breaker.allow():
            return None
        try:
            result = await call()
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        self._succeeded()
        return result

    def _failed(self, exc: redis.RedisError) -> None:
        metrics.RATE_LIMITER_ERRORS.labels(reason=_reason(exc)).inc()
        if self._breaker.failed():
            metrics.RATE_LIMITER_AVAILABLE.set(0)
            log.error(
                "rate_limiter_unavailable",
                backend=self.backend,
                error=type(exc).__name__,
                cooldown_seconds=self._breaker.cooldown,
            )

    def _succeeded(self) -> None:
        outage = self._breaker.succeeded()
        if outage is not None:
            metrics.RATE_LIMITER_AVAILABLE.set(1)
            log.info("rate_limiter_recovered", backend=self.backend, outage_seconds=round(outage, 3))

    def _decision(self, item: RateLimitItem, window: Window, *, allowed: bool) -> RateDecision:
        expiry = item.get_expiry()
        return RateDecision(
            limit=item.amount,
            remaining=max(0, item.amount - window.used(expiry)),
            reset_at=time.time() + window.seconds_until_available(expiry, item.amount, item.amount),
            allowed=allowed,
        )

    def _degraded(self, scope: str, item: RateLimitItem, *, fail_closed: bool) -> RateDecision:
        if fail_closed:
            metrics.RATE_LIMITER_DEGRADED.labels(scope=scope, outcome="refused").inc()
            retry_after = max(1, ceil(self._breaker.seconds_until_probe()))
            raise RateLimiterUnavailable(
                "Rate limiting is unavailable, so this request is refused for now; retry shortly.",
                details={"scope": scope, "retry_after_seconds": retry_after},
                headers={"Retry-After": str(retry_after)},
            )
        metrics.RATE_LIMITER_DEGRADED.labels(scope=scope, outcome="allowed").inc()
        return RateDecision(item.amount, item.amount, time.time(), allowed=True, degraded=True)

    def _refusal(
        self, scope: str, identity: str, item: RateLimitItem, window: Window, cost: int
    ) -> RateLimited:
        expiry = item.get_expiry()
        retry_after = max(1, ceil(window.seconds_until_available(expiry, item.amount, cost)))
        reset = max(retry_after, ceil(window.seconds_until_available(expiry, item.amount, item.amount)))
        metrics.RATE_LIMIT_EXCEEDED.labels(scope=scope).inc()
        log.warning(
            "rate_limit_exceeded",
            scope=scope,
            identity=identity,
            limit=str(item),
            retry_after_seconds=retry_after,
        )
        return RateLimited(
            f"Rate limit exceeded: {item}. Retry in {retry_after} s.",
            details={
                "scope": scope,
                "limit": item.amount,
                "window_seconds": expiry,
                "retry_after_seconds": retry_after,
            },
            headers={
                "Retry-After": str(retry_after),
                "RateLimit-Limit": str(item.amount),
                "RateLimit-Remaining": str(max(0, item.amount - window.used(expiry))),
                "RateLimit-Reset": str(reset),
            },
        )


def _reason(exc: redis.RedisError) -> str:
    if isinstance(exc, redis.TimeoutError):
        return "timeout"
    if isinstance(exc, redis.ConnectionError):
        return "connection"
    return "error"
