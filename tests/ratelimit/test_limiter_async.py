"""RateLimiter.ahit, the data API's spend in the event loop: the same buckets as hit, the same refusals, and
the same outage behaviour (timeouts, breaker, fail open or closed) without a worker thread."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterator

import pytest

from fairedge.errors import RateLimited
from fairedge.ratelimit import RateLimiter, RateLimiterUnavailable
from faults import TcpProxy
from redis_scratch import require_redis, scratch_prefix, url_via

WITHIN_TIMEOUT = 0.5  # the 0.25 s socket timeout plus scheduling slack


@pytest.fixture(params=["memory", "redis"])
def limiter(request: pytest.FixtureRequest) -> Iterator[RateLimiter]:
    if request.param == "memory":
        yield RateLimiter("memory://")
        return
    url = require_redis()
    with scratch_prefix() as prefix:
        limiter = RateLimiter(url, key_prefix=prefix)
        yield limiter
        limiter.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_ahit_and_hit_spend_one_bucket_and_refuse_alike(limiter: RateLimiter) -> None:
    window = 3600  # an hour's window: the burst below never straddles two memory windows

    async def run() -> list[int]:
        first = await limiter.ahit("api", "user:7", f"4/{window}second")
        limiter.hit("api", "user:7", f"4/{window}second")
        third = await limiter.ahit("api", "user:7", f"4/{window}second")
        return [first.remaining, third.remaining]

    assert asyncio.run(run()) == [3, 1]
    limiter.hit("api", "user:7", f"4/{window}second")
    with pytest.raises(RateLimited) as refused:
        asyncio.run(limiter.ahit("api", "user:7", f"4/{window}second"))
    assert refused.value.headers is not None and refused.value.headers["RateLimit-Remaining"] == "0"
    assert limiter.usage("api", "user:7", f"4/{window}second").remaining == 0


def test_ahit_spends_and_reads_as_limits_does_across_a_window_shift() -> None:
    # ahit spends and reads in one script of its own (spend.py); limits' hit then read is the reference.
    # Two identities, the same requests at the same moments, one through each: the same answers, before
    # and after the current window ends and turns "previous" (a 2-second window: its TTL starts at 4 s).
    url = require_redis()
    with scratch_prefix() as prefix:
        limiter = RateLimiter(url, key_prefix=prefix)
        limit = "5/2second"

        def both() -> tuple[tuple[bool, int], tuple[bool, int]]:
            def outcome(spend: Callable[[], object], identity: str) -> tuple[bool, int]:
                try:
                    spend()
                except RateLimited:
                    return False, limiter.usage("api", identity, limit).remaining
                return True, limiter.usage("api", identity, limit).remaining

            ours = outcome(lambda: asyncio.run(limiter.ahit("api", "user:1", limit)), "user:1")
            theirs = outcome(lambda: limiter.hit("api", "user:2", limit), "user:2")
            return ours, theirs

        try:
            answers = [both() for _ in range(6)]  # five pass, the sixth is refused
            time.sleep(2.1)  # the window shifts; the previous five weigh 4 for the next 0.3 s (floor)
            answers += [both() for _ in range(2)]
        finally:
            limiter.close()
    assert [ours for ours, _ in answers] == [theirs for _, theirs in answers]
    assert [passed for (passed, _), _ in answers[:6]] == [True] * 5 + [False]
    assert [remaining for (_, remaining), _ in answers[:5]] == [4, 3, 2, 1, 0]


def test_ahit_works_from_one_event_loop_to_the_next(limiter: RateLimiter) -> None:
    # A test client (or a restarted worker) runs a new loop: the asyncio client is made again for it.
    for expected in (9, 8, 7):
        decision = asyncio.run(limiter.ahit("api", "ip:10.0.0.1", "10/hour"))
        assert decision.remaining == expected and not decision.degraded


def test_ahit_on_a_stopped_redis_fails_open_then_skips_it() -> None:
    limiter = RateLimiter(f"redis://127.0.0.1:{_closed_port()}/0", cooldown_seconds=30)
    try:

        async def run() -> list[float]:
            took = []
            for _ in range(3):
                started = time.perf_counter()
                decision = await limiter.ahit("api", "user:1", "5/minute")
                took.append(time.perf_counter() - started)
                assert decision.allowed and decision.degraded and decision.headers() == {}
            with pytest.raises(RateLimiterUnavailable):
                await limiter.ahit("login_ip", "10.0.0.1", "5/minute", fail_closed=True)
            return took

        took = asyncio.run(run())
        assert took[0] < WITHIN_TIMEOUT and max(took[1:]) < 0.05  # the breaker: no second connection attempt
    finally:
        limiter.close()


def test_ahit_on_a_hanging_redis_waits_one_timeout_at_most(
    redis_proxy: TcpProxy, limiter_via_proxy: Callable[[], RateLimiter]
) -> None:
    limiter = limiter_via_proxy()
    assert not asyncio.run(limiter.ahit("api", "user:2", "5/minute")).degraded
    redis_proxy.set_mode("blackhole")

    async def hung() -> float:
        started = time.perf_counter()
        decision = await limiter.ahit("api", "user:2", "5/minute")
        assert decision.degraded
        return time.perf_counter() - started

    assert asyncio.run(hung()) < WITHIN_TIMEOUT


@pytest.fixture
def limiter_via_proxy(redis_proxy: TcpProxy) -> Iterator[Callable[[], RateLimiter]]:
    made: list[RateLimiter] = []
    with scratch_prefix() as prefix:

        def make() -> RateLimiter:
            limiter = RateLimiter(url_via(redis_proxy.port), key_prefix=prefix)
            made.append(limiter)
            return limiter

        yield make
        for limiter in made:
            limiter.close()
