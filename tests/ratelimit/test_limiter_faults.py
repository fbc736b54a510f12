"""The rate limiter when Redis is stopped, hangs, drops connections or crawls: it answers within its timeout,
fails open (degraded, no headers) or closed (503 with Retry-After), stays away from Redis during the
cool-down, says so once per outage, and recovers by itself. Real Redis behind tests/faults.py's proxy."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import pytest
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from fairedge.errors import UpstreamUnavailable
from fairedge.ratelimit import RateDecision, RateLimiter, RateLimiterUnavailable
from faults import TcpProxy
from redis_scratch import scratch_prefix, url_via

FAST = 0.05  # a decision taken without touching the network (5x under the timeout; GIL slack under load)
WITHIN_TIMEOUT = 0.5  # the 0.25 s socket timeout plus scheduling slack, with no retries


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _timed(call: Callable[[], RateDecision]) -> tuple[RateDecision, float]:
    started = time.perf_counter()
    decision = call()
    return decision, time.perf_counter() - started


def _events(logs: list[MutableMapping[str, Any]], name: str) -> list[MutableMapping[str, Any]]:
    return [entry for entry in logs if entry["event"] == name]


@pytest.fixture
def limiter_via(redis_proxy: TcpProxy) -> Iterator[Callable[..., RateLimiter]]:
    """Limiters whose Redis is reached through the redis_proxy, on a scratch key prefix."""
    limiters: list[RateLimiter] = []
    with scratch_prefix() as prefix:

        def make(**options: float) -> RateLimiter:
            limiter = RateLimiter(url_via(redis_proxy.port), key_prefix=prefix, **options)
            limiters.append(limiter)
            return limiter

        yield make
        for limiter in limiters:
            limiter.close()


def test_stopped_redis_fails_open_at_once_and_is_logged_once() -> None:
    limiter = RateLimiter(f"redis://127.0.0.1:{_closed_port()}/0", cooldown_seconds=2.0)
    errors = _sample("fairedge_rate_limiter_errors_total", reason="connection")
    allowed = _sample("fairedge_rate_limiter_degraded_total", scope="api", outcome="allowed")

    with capture_logs() as logs:
        timed = [_timed(lambda: limiter.hit("api", "user:1", "1/minute")) for _ in range(20)]

    decisions = [decision for decision, _ in timed]
    assert all(d.allowed and d.degraded for d in decisions)  # 20 requests on a limit of 1: none refused
    assert decisions[0].headers() == {}  # nothing known, nothing claimed
    assert timed[0][1] < WITHIN_TIMEOUT
    assert max(seconds for _, seconds in timed[1:]) < FAST  # the breaker: no socket at all
    unavailable = _events(logs, "rate_limiter_unavailable")
    assert len(unavailable) == 1 and unavailable[0]["error"] == "ConnectionError"
    assert _sample("fairedge_rate_limiter_errors_total", reason="connection") == errors + 1
    assert _sample("fairedge_rate_limiter_degraded_total", scope="api", outcome="allowed") == allowed + 20
    assert _sample("fairedge_rate_limiter_available") == 0
    usage = limiter.usage("api", "user:1", "1/minute")
    assert usage.degraded and usage.remaining == 1  # /api/me still answers


def test_stopped_redis_fails_closed_with_503_and_retry_after() -> None:
    limiter = RateLimiter(f"redis://127.0.0.1:{_closed_port()}/0", cooldown_seconds=2.0)
    refused = _sample("fairedge_rate_limiter_degraded_total", scope="login_ip", outcome="refused")

    for _ in range(5):
        started = time.perf_counter()
        with pytest.raises(RateLimiterUnavailable) as unavailable:
            limiter.hit("login_ip", "ip:203.0.113.9", "30/minute", fail_closed=True)
        assert time.perf_counter() - started < WITHIN_TIMEOUT

    error = unavailable.value
    assert isinstance(error, UpstreamUnavailable)
    assert error.status_code == 503 and error.code == "rate_limiter_unavailable"
    assert error.headers is not None and error.headers["Retry-After"] in {"1", "2"}  # the cool-down left
    assert isinstance(error.details, dict) and error.details["scope"] == "login_ip"
    assert _sample("fairedge_rate_limiter_degraded_total", scope="login_ip", outcome="refused") == refused + 5
    with pytest.raises(RateLimiterUnavailable):
        limiter.peek("login_failures", "ip:203.0.113.9", "10/15minutes", fail_closed=True)


def test_hanging_redis_costs_one_timeout_then_nothing(
    redis_proxy: TcpProxy, limiter_via: Callable[..., RateLimiter]
) -> None:
    redis_proxy.set_mode("blackhole")
    limiter = limiter_via(cooldown_seconds=2.0)
    timeouts = _sample("fairedge_rate_limiter_errors_total", reason="timeout")

    decision, seconds = _timed(lambda: limiter.hit("api", "user:2", "60/minute"))
    assert decision.degraded and decision.allowed
    assert 0.2 <= seconds < WITHIN_TIMEOUT  # the read timeout fired once: no retry
    assert redis_proxy.accepted == 1  # a retrying client would have reconnected
    assert _sample("fairedge_rate_limiter_errors_total", reason="timeout") == timeouts + 1

    sent = redis_proxy.bytes_received
    for _ in range(10):
        assert _timed(lambda: limiter.hit("api", "user:2", "60/minute"))[1] < FAST
    started = time.perf_counter()
    with pytest.raises(RateLimiterUnavailable):
        limiter.hit("login_ip", "ip:203.0.113.9", "30/minute", fail_closed=True)
    assert time.perf_counter() - started < FAST
    assert (
        redis_proxy.bytes_received == sent and redis_proxy.accepted == 1
    )  # Redis left alone during the cool-down


@pytest.mark.parametrize(("mode", "reason"), [("blackhole", "timeout"), ("close", "connection")])
def test_redis_failing_under_open_connections_is_noticed_within_the_timeout(
    redis_proxy: TcpProxy, limiter_via: Callable[..., RateLimiter], mode: Any, reason: str
) -> None:
    limiter = limiter_via(cooldown_seconds=2.0)
    assert [limiter.hit("api", "user:3", "5/minute").remaining for _ in range(2)] == [4, 3]
    errors = _sample("fairedge_rate_limiter_errors_total", reason=reason)

    redis_proxy.set_mode(mode)
    started = time.perf_counter()
    with pytest.raises(RateLimiterUnavailable):
        limiter.hit("login_ip", "ip:203.0.113.9", "30/minute", fail_closed=True)
    assert time.perf_counter() - started < WITHIN_TIMEOUT
    assert _sample("fairedge_rate_limiter_errors_total", reason=reason) == errors + 1


def test_recovery_is_automatic_and_the_buckets_survive_the_outage(
    redis_proxy: TcpProxy, limiter_via: Callable[..., RateLimiter]
) -> None:
    limiter = limiter_via(cooldown_seconds=0.3)
    assert limiter.hit("api", "user:4", "5/minute").remaining == 4
    assert limiter.hit("api", "user:4", "5/minute").remaining == 3

    redis_proxy.set_mode("blackhole")
    assert limiter.hit("api", "user:4", "5/minute").degraded
    redis_proxy.set_mode("pass")
    assert limiter.hit("api", "user:4", "5/minute").degraded  # still cooling down: not tried yet

    time.sleep(0.35)
    with capture_logs() as logs:
        back = limiter.hit("api", "user:4", "5/minute")
    assert not back.degraded
    assert back.remaining == 2  # the hits before the outage still count; degraded ones never reached Redis
    recovered = _events(logs, "rate_limiter_recovered")
    assert len(recovered) == 1 and recovered[0]["outage_seconds"] >= 0.3
    assert _sample("fairedge_rate_limiter_available") == 1
    assert back.headers()["RateLimit-Remaining"] == "2"


def test_a_slow_redis_is_used_until_it_is_slower_than_the_timeout(
    redis_proxy: TcpProxy, limiter_via: Callable[..., RateLimiter]
) -> None:
    limiter = limiter_via(cooldown_seconds=2.0)
    redis_proxy.latency = 0.03
    assert not limiter.hit("api", "user:5", "5/minute").degraded

    redis_proxy.latency = 0.4
    decision, seconds = _timed(lambda: limiter.hit("api", "user:5", "5/minute"))
    assert decision.degraded and seconds < WITHIN_TIMEOUT


def test_concurrent_requests_in_an_outage_wait_one_timeout_at_most_and_log_once(
    redis_proxy: TcpProxy, limiter_via: Callable[..., RateLimiter]
) -> None:
    limiter = limiter_via(cooldown_seconds=2.0)
    limiter.hit("api", "user:6", "100/minute")  # a pooled connection exists, as in a running API
    redis_proxy.set_mode("blackhole")

    def wave() -> list[tuple[RateDecision, float]]:
        start = threading.Barrier(16)
        results: list[tuple[RateDecision, float]] = []

        def request() -> None:
            start.wait()
            results.append(_timed(lambda: limiter.hit("api", "user:6", "100/minute")))

        threads = [threading.Thread(target=request) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results

    with capture_logs() as logs:
        first, second = wave(), wave()

    assert all(decision.degraded for decision, _ in first + second)
    assert max(seconds for _, seconds in first) < WITHIN_TIMEOUT
    assert max(seconds for _, seconds in second) < FAST
    assert len(_events(logs, "rate_limiter_unavailable")) == 1
