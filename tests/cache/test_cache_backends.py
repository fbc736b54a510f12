"""Both cache backends, Redis (real, on a scratch key prefix) and memory: entries under their board's version,
a bump retires them all, TTLs end them; memory stays within its bound; Redis keys all carry a TTL."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator

import pytest
import redis

from fairedge.cache.backends import Backend, MemoryBackend, RedisBackend
from fairedge.cache.keys import CacheKey
from redis_scratch import REDIS_URL, require_redis, scratch_prefix

LIST = CacheKey("opportunities", "opportunities", "local:kinds=all")
BOARD = CacheKey("events", "events:42:odds", "method=shin")


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "memory":
        yield MemoryBackend(max_bytes=1 << 20)
        return
    require_redis()
    with scratch_prefix() as prefix:
        made = RedisBackend(REDIS_URL, prefix=prefix + ":")
        yield made
        made.close()


def _lookup(backend: Backend, key: CacheKey) -> tuple[str, bytes | None]:
    return asyncio.run(backend.lookup(key))


def test_an_entry_is_read_under_its_version_until_the_board_is_bumped(backend: Backend) -> None:
    version, value = _lookup(backend, LIST)
    assert value is None and version == backend.version("opportunities")
    backend.put(LIST.at(version), b"answer", 60)
    assert _lookup(backend, LIST) == (version, b"answer")

    bumped = backend.bump("opportunities")
    assert int(bumped) > int(version)
    assert _lookup(backend, LIST) == (bumped, None)  # retired, every plan and filter at once


def test_each_board_has_its_own_version(backend: Backend) -> None:
    version, _ = _lookup(backend, BOARD)
    backend.put(BOARD.at(version), b"board", 60)
    backend.bump("opportunities")
    assert _lookup(backend, BOARD) == (version, b"board")


def test_async_store_and_ttl(backend: Backend) -> None:
    version, _ = _lookup(backend, LIST)
    asyncio.run(backend.store(LIST.at(version), b"short", 0.2))
    assert _lookup(backend, LIST)[1] == b"short"
    time.sleep(0.3)
    assert _lookup(backend, LIST)[1] is None


def test_memory_stays_within_its_bound_least_recently_used_first_out() -> None:
    memory = MemoryBackend(max_bytes=300)
    for name in ("a", "b", "c"):
        memory.put(name, b"x" * 90, 60)
    assert memory.get("a") is not None  # used: b is now the least recently used
    memory.put("d", b"x" * 90, 60)
    assert memory.get("b") is None and memory.get("a") is not None
    assert memory.size_bytes <= 300 and len(memory) == 3
    memory.put("huge", b"x" * 400, 60)  # larger than the whole cache: not stored, nothing evicted for it
    assert memory.get("huge") is None and len(memory) == 3


def test_memory_frees_a_retired_board_at_once() -> None:
    memory = MemoryBackend(max_bytes=1 << 20)
    memory.put(LIST.at("0"), b"list", 60)
    memory.put(BOARD.at("0"), b"board", 60)
    memory.bump("opportunities")
    assert len(memory) == 1 and memory.get(BOARD.at("0")) == b"board"


def test_every_redis_key_carries_a_ttl() -> None:
    require_redis()
    with scratch_prefix() as prefix, redis.Redis.from_url(REDIS_URL) as client:
        backend = RedisBackend(REDIS_URL, prefix=prefix + ":")
        version, _ = _lookup(backend, LIST)
        backend.put(LIST.at(version), b"answer", 30)
        backend.bump("opportunities")
        keys = list(client.scan_iter(match=prefix + ":*"))
        names = {re.sub(r":v\d+:.*$", "", k.decode().removeprefix(prefix + ":")) for k in keys}
        assert names == {"opportunities:version", "opportunities:bumps", "opportunities"}
        assert all(client.ttl(k) > 0 for k in keys)
        backend.close()


def test_a_lost_redis_version_restarts_above_every_version_used_before() -> None:
    require_redis()
    with scratch_prefix() as prefix, redis.Redis.from_url(REDIS_URL) as client:
        backend = RedisBackend(REDIS_URL, prefix=prefix + ":")
        before = backend.bump("opportunities")
        client.delete(prefix + ":opportunities:version")  # expired, or flushed by an operator
        after, _ = _lookup(backend, LIST)
        assert int(after) >= int(before)  # versions come from the clock: an old entry is never read again
        assert int(backend.bump("opportunities")) > int(after)
        backend.close()
