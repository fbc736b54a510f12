"""Where cache entries live: Redis (shared by every process) or this process's memory (embedded mode).

Both store bytes under string keys with a TTL, and keep one version counter per namespace. Reads on the
request path are async (no worker thread per lookup); the jobs and the CLI use the synchronous calls.

Redis: one round trip per lookup (a script reads the namespace's version and the entry under it). Calls get
``timeout_seconds`` to connect and to read and no retry after a timeout: the
:class:`~fairedge.cache.cache.Cache` in front decides what a failure means. The version key and a short list
of recent bump instants carry a TTL like every other key; a version that expired restarts from the clock in
milliseconds, above any version used before.

Memory: an LRU dictionary bounded in bytes, entries expiring by TTL; a bump also drops the namespace's
entries at once (they can never be read again).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal, Protocol

import redis
import redis.asyncio as aredis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.retry import Retry

from fairedge.cache.keys import CacheKey, version_key

# One reconnect, at once, for a pooled connection that a past outage left broken (it fails without waiting);
# never a retry after a timeout: a hung Redis costs a call one timeout (redis-py's default retries cost
# seconds).
RECONNECT_ON: tuple[type[redis.RedisError], ...] = (redis.ConnectionError,)
VERSION_TTL_SECONDS = 86_400  # the version key outlives every entry by far; it is refreshed at each bump
RECENT_BUMPS = 50  # bump instants kept per namespace, for `fairedge cache analyze`

_VERSION = """
local version = redis.call('GET', KEYS[1])
if not version then
  redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2])
  version = redis.call('GET', KEYS[1])
end
"""
# KEYS[1]: the version key. ARGV: a version to start from, the version key's TTL, then the entry's key head
# and tail (the entry is head..':v'..version..':'..tail). Keys made inside a script: single Redis, no cluster.
LOOKUP = _VERSION + "return {version, redis.call('GET', ARGV[3] .. ':v' .. version .. ':' .. ARGV[4])}"
VERSION = _VERSION + "return version"
# KEYS: the version key and the list of recent bumps. ARGV: now in milliseconds, the TTL of both, list length.
BUMP = """
local version = math.max(tonumber(redis.call('GET', KEYS[1]) or '0') + 1, tonumber(ARGV[1]))
local text = string.format('%.0f', version)
redis.call('SET', KEYS[1], text, 'EX', ARGV[2])
redis.call('LPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]) - 1)
redis.call('EXPIRE', KEYS[2], ARGV[2])
return text
"""


def bumps_key(namespace: str) -> str:
    return f"{namespace}:bumps"


class Backend(Protocol):
    @property
    def kind(self) -> Literal["redis", "memory"]: ...

    async def lookup(self, key: CacheKey) -> tuple[str, bytes | None]:
        """The namespace's current version and the entry stored under it (None: absent)."""
        ...

    async def store(self, key: str, value: bytes, ttl: float) -> None: ...

    def version(self, namespace: str) -> str: ...

    def put(self, key: str, value: bytes, ttl: float) -> None: ...

    def bump(self, namespace: str) -> str:
        """Retire every entry of ``namespace``: the next version."""
        ...

    def close(self) -> None: ...


def _now_ms() -> str:
    return str(int(time.time() * 1000))


class RedisBackend:
    kind: Literal["redis"] = "redis"

    def __init__(self, url: str, *, prefix: str = "", timeout_seconds: float = 0.25) -> None:
        self.prefix = prefix
        self._url = url
        self._timeout = timeout_seconds
        self._pool = redis.ConnectionPool.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            retry=Retry(NoBackoff(), 1, supported_errors=RECONNECT_ON),
        )
        self.client = redis.Redis(connection_pool=self._pool)
        self._version = self.client.register_script(VERSION)
        self._bump = self.client.register_script(BUMP)
        # The async client belongs to the event loop that made it (one per API process; tests may run a loop
        # per request, and get a client per loop).
        self._loop: asyncio.AbstractEventLoop | None = None
        self._aclient: aredis.Redis | None = None
        self._alookup: redis.commands.core.AsyncScript | None = None

    def _async(self) -> tuple[aredis.Redis, redis.commands.core.AsyncScript]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._aclient is None or self._alookup is None:
            pool = aredis.ConnectionPool.from_url(
                self._url,
                socket_timeout=self._timeout,
                socket_connect_timeout=self._timeout,
                retry=AsyncRetry(NoBackoff(), 1, supported_errors=RECONNECT_ON),
            )
            self._aclient = aredis.Redis(connection_pool=pool)
            self._alookup = self._aclient.register_script(LOOKUP)
            self._loop = loop
        return self._aclient, self._alookup

    async def lookup(self, key: CacheKey) -> tuple[str, bytes | None]:
        _, script = self._async()
        version, value = await script(
            keys=[self.prefix + version_key(key.namespace)],
            args=[_now_ms(), VERSION_TTL_SECONDS, self.prefix + key.head, key.tail],
        )
        return version.decode(), value

    async def store(self, key: str, value: bytes, ttl: float) -> None:
        client, _ = self._async()
        await client.set(self.prefix + key, value, px=max(1, int(ttl * 1000)))

    def version(self, namespace: str) -> str:
        version: bytes = self._version(
            keys=[self.prefix + version_key(namespace)], args=[_now_ms(), VERSION_TTL_SECONDS]
        )
        return version.decode()

    def put(self, key: str, value: bytes, ttl: float) -> None:
        self.client.set(self.prefix + key, value, px=max(1, int(ttl * 1000)))

    def bump(self, namespace: str) -> str:
        version: bytes = self._bump(
            keys=[self.prefix + version_key(namespace), self.prefix + bumps_key(namespace)],
            args=[_now_ms(), VERSION_TTL_SECONDS, RECENT_BUMPS],
        )
        return version.decode()

    def close(self) -> None:
        # The async pool is left to its loop, which has ended by the time the process closes the cache.
        self._pool.disconnect()


@dataclass(slots=True)
class _Entry:
    value: bytes
    expires_at: float  # time.monotonic()


class MemoryBackend:
    """This process's cache: bounded in bytes (least recently used first out), entries expire by TTL."""

    kind: Literal["memory"] = "memory"

    def __init__(self, *, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._versions: dict[str, int] = {}
        self._bytes = 0
        self._lock = threading.Lock()  # the embedded scheduler's threads write beside the request path

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    async def lookup(self, key: CacheKey) -> tuple[str, bytes | None]:
        with self._lock:
            version = str(self._versions.get(key.namespace, 0))
            return version, self._get(key.at(version))

    async def store(self, key: str, value: bytes, ttl: float) -> None:
        self.put(key, value, ttl)

    def version(self, namespace: str) -> str:
        with self._lock:
            return str(self._versions.get(namespace, 0))

    def get(self, key: str) -> bytes | None:
        with self._lock:
            return self._get(key)

    def _get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at <= time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry.value

    def put(self, key: str, value: bytes, ttl: float) -> None:
        size = len(key) + len(value)
        if size > self.max_bytes:
            return  # larger than the whole cache: not worth evicting everything for
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = _Entry(value, time.monotonic() + ttl)
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def bump(self, namespace: str) -> str:
        with self._lock:
            version = self._versions.get(namespace, 0) + 1
            self._versions[namespace] = version
            for key in [k for k in self._entries if k.startswith(namespace + ":")]:
                self._drop(key)
            return str(version)

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key)
        self._bytes -= len(key) + len(entry.value)

    def close(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
