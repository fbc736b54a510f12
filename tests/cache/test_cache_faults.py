"""The cache when its Redis is stopped or hangs: every answer is computed (served from the database) within
the 0.25 s timeout at worst, once per outage, then without touching Redis; the outage is logged once and
counted; when Redis is back the cache recovers by itself. The jobs' calls fail soft too. Real Redis behind
tests/faults.py's proxy, at the cache level (test_cache_api.py drives the API the same way)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import orjson
import pytest
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from fairedge.cache import AgedJson, Cache, CacheKey, Since
from fairedge.cache.backends import MemoryBackend, RedisBackend
from faults import TcpProxy
from redis_scratch import scratch_prefix, url_via

KEY = CacheKey("opportunities", "opportunities", "local:kinds=all")
COOLDOWN = 0.5
WITHIN_TIMEOUT = 0.6  # the 0.25 s socket timeout, no retries, plus scheduling slack
FAST = 0.05


class Database:
    def __init__(self) -> None:
        self.queries = 0

    async def compute(self) -> AgedJson:
        self.queries += 1
        return AgedJson.dump({"q": self.queries, "age": Since(0.0)}, computed_at=0.0)


@pytest.fixture
def cache(redis_proxy: TcpProxy) -> Iterator[Cache]:
    with scratch_prefix() as prefix:
        backend = RedisBackend(url_via(redis_proxy.port), prefix=prefix + ":")
        made = Cache(
            backend, ttl_seconds=60, near=MemoryBackend(max_bytes=1 << 20), cooldown_seconds=COOLDOWN
        )
        yield made
        made.close()


def _timed_fetch(cache: Cache, db: Database, now: float = 1.0) -> tuple[dict[str, float], float]:
    started = time.perf_counter()
    body = asyncio.run(cache.fetch(KEY, view="faults", now=now, compute=db.compute))
    return orjson.loads(body), time.perf_counter() - started


@pytest.mark.parametrize("fault", ["close", "blackhole"])
def test_an_outage_costs_one_timeout_then_the_database_answers_until_redis_is_back(
    cache: Cache, redis_proxy: TcpProxy, fault: str
) -> None:
    db = Database()
    _timed_fetch(cache, db)
    assert _timed_fetch(cache, db, now=1.5)[0] == {"q": 1, "age": 1.5}  # cached
    errors = REGISTRY.get_sample_value("fairedge_cache_errors_total", {"reason": "timeout"}) or 0.0

    time.sleep(0.15)  # past the near copy's version check: the next request asks Redis
    redis_proxy.set_mode(fault)  # type: ignore[arg-type]
    with capture_logs() as logs:
        first, first_took = _timed_fetch(cache, db, now=2.0)
        accepted = redis_proxy.accepted
        later = [_timed_fetch(cache, db, now=2.0) for _ in range(5)]
    assert first["q"] == 2 and first_took < WITHIN_TIMEOUT  # from the database, within the timeout
    assert [answer["q"] for answer, _ in later] == [3, 4, 5, 6, 7]
    assert max(took for _, took in later) < FAST  # the breaker keeps them away from Redis
    assert redis_proxy.accepted == accepted
    assert [e["event"] for e in logs if e["event"].startswith("cache_u")] == ["cache_unavailable"]
    assert REGISTRY.get_sample_value("fairedge_cache_available") == 0
    if fault == "blackhole":
        assert (REGISTRY.get_sample_value("fairedge_cache_errors_total", {"reason": "timeout"}) or 0) > errors

    redis_proxy.set_mode("pass")
    time.sleep(COOLDOWN + 0.1)
    queries = db.queries
    with capture_logs() as logs:
        probe, _ = _timed_fetch(cache, db, now=3.0)  # the probe: Redis answers
        answer, took = _timed_fetch(cache, db, now=3.0)
    # The board was not bumped meanwhile: the entry stored before the outage still holds.
    assert probe == answer == {"q": 1, "age": 3.0} and db.queries == queries and took < FAST
    assert "cache_recovered" in [e["event"] for e in logs]
    assert REGISTRY.get_sample_value("fairedge_cache_available") == 1


def test_the_jobs_fail_soft_while_redis_is_out(cache: Cache, redis_proxy: TcpProxy) -> None:
    redis_proxy.set_mode("blackhole")
    with capture_logs() as logs:
        started = time.perf_counter()
        assert not cache.warm(KEY, lambda: AgedJson.dump({}, computed_at=0.0))
        cache.invalidate("opportunities", "events")
        took = time.perf_counter() - started
    assert took < WITHIN_TIMEOUT  # one timeout, then the breaker answers for the rest
    failed = [e["namespace"] for e in logs if e["event"] == "cache_invalidation_failed"]
    assert failed == ["opportunities", "events"]  # the old entries live until their TTL: said loudly
