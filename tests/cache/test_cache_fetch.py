"""The cache in front of a read path: a miss computes and stores, the next request hits; concurrent misses
share one computation; time ends an entry; with Redis, each process keeps near copies and sees another
process's bump within a tenth of a second. Hits and misses are counted by view (and misses by reason)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import orjson
import pytest
import redis
from prometheus_client import REGISTRY

from fairedge.cache import AgedJson, Cache, CacheKey, Since
from fairedge.cache.backends import MemoryBackend, RedisBackend
from faults import TcpProxy
from redis_scratch import REDIS_URL, require_redis, scratch_prefix, url_via

KEY = CacheKey("opportunities", "opportunities", "local:kinds=all")
VIEW = "test_view"


def _count(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, {"view": VIEW, **labels}) or 0.0


class Source:
    """A read path that counts its computations; its answer carries an age and a version number."""

    def __init__(self, valid_until: float = float("inf")) -> None:
        self.calls = 0
        self.valid_until = valid_until

    async def compute(self) -> AgedJson:
        self.calls += 1
        await asyncio.sleep(0.01)  # a query: concurrent misses overlap
        document = {"n": self.calls, "age": Since(100.0)}
        return AgedJson.dump(document, computed_at=100.0, valid_until=self.valid_until)


def _fetch(cache: Cache, source: Source, now: float = 100.0) -> dict[str, float]:
    body = asyncio.run(cache.fetch(KEY, view=VIEW, now=now, compute=source.compute))
    answer: dict[str, float] = orjson.loads(body)
    return answer


@pytest.fixture(params=["memory", "redis"])
def make_cache(request: pytest.FixtureRequest) -> Iterator[Callable[..., Cache]]:
    """Caches on one store: the same memory (one process) or the same Redis prefix (processes)."""
    if request.param == "memory":
        memory = MemoryBackend(max_bytes=1 << 20)
        yield lambda **options: Cache(memory, ttl_seconds=60, **options)
        return
    require_redis()
    with scratch_prefix() as prefix:
        made: list[Cache] = []

        def make(**options: float) -> Cache:
            backend = RedisBackend(REDIS_URL, prefix=prefix + ":")
            cache = Cache(backend, ttl_seconds=60, near=MemoryBackend(max_bytes=1 << 20), **options)
            made.append(cache)
            return cache

        yield make
        for cache in made:
            cache.close()


def test_a_miss_computes_and_the_next_request_hits(make_cache: Callable[..., Cache]) -> None:
    cache, source = make_cache(), Source()
    hits, misses = _count("fairedge_cache_hits_total"), _count("fairedge_cache_misses_total", reason="absent")
    assert _fetch(cache, source) == {"n": 1, "age": 0.0}
    assert _fetch(cache, source, now=107.5) == {"n": 1, "age": 7.5}  # the stored answer, aged now
    assert source.calls == 1
    assert _count("fairedge_cache_hits_total") == hits + 1
    assert _count("fairedge_cache_misses_total", reason="absent") == misses + 1


def test_concurrent_misses_share_one_computation(make_cache: Callable[..., Cache]) -> None:
    cache, source = make_cache(), Source()
    misses = _count("fairedge_cache_misses_total", reason="absent")

    async def burst() -> list[bytes]:
        calls = (cache.fetch(KEY, view=VIEW, now=100.0, compute=source.compute) for _ in range(10))
        return await asyncio.gather(*calls)

    answers = asyncio.run(burst())
    assert source.calls == 1 and len(set(answers)) == 1
    assert _count("fairedge_cache_misses_total", reason="absent") == misses + 10  # each one asked in vain


def test_a_failure_reaches_every_waiter_and_is_not_stored(
    make_cache: Callable[..., Cache],
) -> None:
    cache, attempts = make_cache(), []

    async def failing() -> AgedJson:
        attempts.append(1)
        await asyncio.sleep(0.01)
        raise LookupError("no such event")

    async def burst() -> list[BaseException | bytes]:
        calls = (cache.fetch(KEY, view=VIEW, now=1.0, compute=failing) for _ in range(3))
        return await asyncio.gather(*calls, return_exceptions=True)

    assert all(isinstance(answer, LookupError) for answer in asyncio.run(burst()))
    assert len(attempts) == 1
    assert _fetch(cache, Source()) == {"n": 1, "age": 0.0}  # nothing was stored for the failure


def test_an_entry_ends_when_time_changes_its_answer(make_cache: Callable[..., Cache]) -> None:
    cache, source = make_cache(), Source(valid_until=130.0)
    expired = _count("fairedge_cache_misses_total", reason="expired")
    _fetch(cache, source)
    assert _fetch(cache, source, now=129.0)["n"] == 1
    assert _fetch(cache, source, now=130.0)["n"] == 2  # e.g. an event started: the list is not the same
    assert _count("fairedge_cache_misses_total", reason="expired") == expired + 1
    assert _fetch(cache, source, now=99.0)["n"] == 3  # a clock moved back: not served either


def test_a_bump_retires_the_board_in_the_process_that_made_it(make_cache: Callable[..., Cache]) -> None:
    cache, source = make_cache(), Source()
    _fetch(cache, source)
    cache.invalidate("opportunities")
    assert _fetch(cache, source)["n"] == 2


def test_another_process_sees_a_bump_within_the_version_check(make_cache: Callable[..., Cache]) -> None:
    api, scanner, source = make_cache(version_check_seconds=0.2), make_cache(), Source()
    _fetch(api, source)
    scanner.invalidate("opportunities")
    if isinstance(api.backend, RedisBackend):  # its near copy is trusted for up to 0.2 s more
        assert _fetch(api, source)["n"] == 1
        asyncio.run(asyncio.sleep(0.25))
    assert _fetch(api, source)["n"] == 2


def test_warming_stores_what_requests_then_hit(make_cache: Callable[..., Cache]) -> None:
    cache, source = make_cache(), Source()
    assert make_cache().warm(KEY, lambda: AgedJson.dump({"warm": True}, computed_at=100.0))
    assert orjson.loads(asyncio.run(cache.fetch(KEY, view=VIEW, now=100.0, compute=source.compute))) == {
        "warm": True
    }
    assert source.calls == 0


def test_a_ttl_of_zero_turns_the_cache_off() -> None:
    cache, source = Cache(MemoryBackend(max_bytes=1 << 20), ttl_seconds=0), Source()
    off = _count("fairedge_cache_misses_total", reason="off")
    _fetch(cache, source)
    _fetch(cache, source)
    assert source.calls == 2 and _count("fairedge_cache_misses_total", reason="off") == off + 2
    assert not cache.warm(KEY, lambda: AgedJson.dump({}, computed_at=0.0))


def test_near_copies_spare_redis_while_the_version_is_fresh(redis_proxy: TcpProxy) -> None:
    with scratch_prefix() as prefix:
        backend = RedisBackend(url_via(redis_proxy.port), prefix=prefix + ":")
        cache = Cache(backend, ttl_seconds=60, near=MemoryBackend(max_bytes=1 << 20), version_check_seconds=5)
        source = Source()
        _fetch(cache, source)
        redis_proxy.set_mode("blackhole")  # any call to Redis now would hang for its timeout
        received = redis_proxy.bytes_received
        assert _fetch(cache, source, now=101.0) == {"n": 1, "age": 1.0}
        assert redis_proxy.bytes_received == received  # served from this process's memory
        cache.close()


def test_waiters_compute_for_themselves_when_the_first_request_is_cancelled() -> None:
    cache = Cache(MemoryBackend(max_bytes=1 << 20), ttl_seconds=60)

    async def scenario() -> bytes:
        started, never = asyncio.Event(), asyncio.Event()

        async def stuck() -> AgedJson:
            started.set()
            await never.wait()  # the first request's client hangs up while its query runs
            raise AssertionError("unreachable")

        first = asyncio.create_task(cache.fetch(KEY, view=VIEW, now=100.0, compute=stuck))
        await started.wait()
        waiter = asyncio.create_task(cache.fetch(KEY, view=VIEW, now=100.0, compute=Source().compute))
        await asyncio.sleep(0.01)  # the waiter waits on the first one's computation
        first.cancel()
        return await waiter

    assert orjson.loads(asyncio.run(scenario())) == {"n": 1, "age": 0.0}


def test_an_error_reply_from_redis_is_counted_and_served_from_the_database() -> None:
    require_redis()
    with scratch_prefix() as prefix, redis.Redis.from_url(REDIS_URL) as client:
        client.lpush(prefix + ":opportunities:version", "not a version")  # WRONGTYPE for the script
        cache = Cache(RedisBackend(REDIS_URL, prefix=prefix + ":"), ttl_seconds=60, cooldown_seconds=0.1)
        errors = REGISTRY.get_sample_value("fairedge_cache_errors_total", {"reason": "error"}) or 0.0
        assert _fetch(cache, Source()) == {"n": 1, "age": 0.0}
        assert REGISTRY.get_sample_value("fairedge_cache_errors_total", {"reason": "error"}) == errors + 1
        cache.close()


def test_a_store_that_fails_still_answers(redis_proxy: TcpProxy) -> None:
    with scratch_prefix() as prefix:
        cache = Cache(RedisBackend(url_via(redis_proxy.port), prefix=prefix + ":"), ttl_seconds=60)
        source = Source()

        async def redis_dies_during_the_query() -> AgedJson:
            redis_proxy.set_mode("close")
            return await source.compute()

        body = asyncio.run(cache.fetch(KEY, view=VIEW, now=100.0, compute=redis_dies_during_the_query))
        assert orjson.loads(body) == {"n": 1, "age": 0.0}
        assert REGISTRY.get_sample_value("fairedge_cache_available") == 0
        cache.close()
