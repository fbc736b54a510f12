"""The rate limiter on both storages: limits enforced with the headers a client sees, buckets kept apart,
peek and usage that never spend, Retry-After that is true, and no over-spending under concurrent threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from conftest import make_settings
from fairedge.errors import ConfigurationError, RateLimited
from fairedge.ratelimit import RateDecision, RateLimiter, parse_limit
from redis_scratch import keys_under, require_redis, scratch_prefix


@pytest.fixture(params=["memory", "redis"])
def limiter(request: pytest.FixtureRequest) -> Iterator[RateLimiter]:
    if request.param == "memory":
        limiter = RateLimiter("memory://")
        yield limiter
        return
    url = require_redis()
    with scratch_prefix() as prefix:
        limiter = RateLimiter(url, key_prefix=prefix)
        yield limiter
        limiter.close()


def _clear_of_window_edge(limiter: RateLimiter, window_seconds: float, margin: float) -> None:
    """Memory windows are aligned to the epoch (Redis ones start at the first hit): keep a burst from
    straddling two of them."""
    if limiter.backend != "memory":
        return
    left = window_seconds - time.time() % window_seconds
    if left < margin:
        time.sleep(left + 0.01)


def _exceeded(scope: str) -> float:
    return REGISTRY.get_sample_value("fairedge_rate_limit_exceeded_total", {"scope": scope}) or 0.0


def test_limit_is_enforced_with_headers_and_a_429_that_says_when(limiter: RateLimiter) -> None:
    _clear_of_window_edge(limiter, 60, margin=2)
    decisions = [limiter.hit("api", "user:12", "3/minute") for _ in range(3)]

    assert [d.remaining for d in decisions] == [2, 1, 0]
    assert all(d.allowed and not d.degraded and d.limit == 3 for d in decisions)
    headers = decisions[0].headers()
    assert headers["RateLimit-Limit"] == "3" and headers["RateLimit-Remaining"] == "2"
    assert 0 < int(headers["RateLimit-Reset"]) <= 120

    before = _exceeded("api")
    with capture_logs() as logs, pytest.raises(RateLimited) as refused:
        limiter.hit("api", "user:12", "3/minute")

    error = refused.value
    assert error.status_code == 429 and error.code == "rate_limited"
    assert error.headers is not None
    retry_after = int(error.headers["Retry-After"])
    assert 1 <= retry_after <= 60  # the current minute must end before anything frees up
    assert error.headers["RateLimit-Limit"] == "3"
    assert error.headers["RateLimit-Remaining"] == "0"
    assert retry_after <= int(error.headers["RateLimit-Reset"]) <= 120
    assert error.details == {
        "scope": "api",
        "limit": 3,
        "window_seconds": 60,
        "retry_after_seconds": retry_after,
    }
    assert "3 per 1 minute" in error.message
    assert _exceeded("api") == before + 1
    exceeded = [entry for entry in logs if entry["event"] == "rate_limit_exceeded"]
    assert len(exceeded) == 1
    assert exceeded[0]["scope"] == "api" and exceeded[0]["identity"] == "user:12"
    assert exceeded[0]["log_level"] == "warning"


def test_scopes_and_identities_have_separate_buckets(limiter: RateLimiter) -> None:
    _clear_of_window_edge(limiter, 60, margin=2)
    for _ in range(2):
        limiter.hit("api", "user:1", "2/minute")
    with pytest.raises(RateLimited):
        limiter.hit("api", "user:1", "2/minute")

    assert limiter.hit("api", "user:2", "2/minute").remaining == 1
    assert limiter.hit("api", "key:1", "2/minute").remaining == 1
    assert limiter.hit("login_ip", "user:1", "2/minute").remaining == 1


def test_cost_spends_several_units_at_once(limiter: RateLimiter) -> None:
    _clear_of_window_edge(limiter, 60, margin=2)
    assert limiter.hit("api", "user:3", "10/minute", cost=4).remaining == 6
    assert limiter.hit("api", "user:3", "10/minute", cost=6).remaining == 0
    with pytest.raises(RateLimited):
        limiter.hit("api", "user:3", "10/minute")


def test_peek_never_spends_and_refuses_once_the_bucket_is_full(limiter: RateLimiter) -> None:
    _clear_of_window_edge(limiter, 15 * 60, margin=2)
    failures = "3/15minutes"
    for _ in range(5):
        assert limiter.peek("login_failures", "ip:10.0.0.1", failures).remaining == 3

    for expected in (2, 1, 0):
        assert limiter.hit("login_failures", "ip:10.0.0.1", failures).remaining == expected

    with pytest.raises(RateLimited) as refused:
        limiter.peek("login_failures", "ip:10.0.0.1", failures)
    details = refused.value.details
    assert isinstance(details, dict)
    assert details["scope"] == "login_failures" and details["window_seconds"] == 900


def test_usage_reports_the_bucket_without_spending(limiter: RateLimiter) -> None:
    _clear_of_window_edge(limiter, 60, margin=2)
    fresh = limiter.usage("api", "user:4", "2/minute")
    assert fresh == RateDecision(2, 2, fresh.reset_at, allowed=True, degraded=False)
    assert abs(fresh.reset_at - time.time()) < 1  # nothing to wait for

    limiter.hit("api", "user:4", "2/minute")
    limiter.hit("api", "user:4", "2/minute")
    spent = limiter.usage("api", "user:4", "2/minute")
    assert spent.remaining == 0 and not spent.allowed and spent.reset_at > time.time() + 30
    assert limiter.usage("api", "user:4", "2/minute").remaining == 0  # still not spent by looking


def test_reset_empties_a_bucket(limiter: RateLimiter) -> None:
    limiter.hit("login_failures", "user:5", "2/minute", cost=2)
    limiter.reset("login_failures", "user:5", "2/minute")
    assert limiter.usage("login_failures", "user:5", "2/minute").remaining == 2


def test_retry_after_is_when_the_refused_request_would_pass(limiter: RateLimiter) -> None:
    _clear_of_window_edge(limiter, 2, margin=2)  # memory: start as an aligned window begins
    limiter.hit("api", "user:6", "2/2seconds")
    limiter.hit("api", "user:6", "2/2seconds")
    with pytest.raises(RateLimited) as refused:
        limiter.hit("api", "user:6", "2/2seconds")
    refused_at = time.monotonic()
    assert refused.value.headers is not None
    retry_after = int(refused.value.headers["Retry-After"])
    assert retry_after == 2  # the two hits weigh fully until their window ends, 2 s from now

    time.sleep(retry_after - 0.5)
    with pytest.raises(RateLimited):
        limiter.peek("api", "user:6", "2/2seconds")  # not yet: asking early is refused

    time.sleep(max(0.0, refused_at + retry_after + 0.05 - time.monotonic()))
    assert limiter.hit("api", "user:6", "2/2seconds").allowed


def test_concurrent_threads_never_spend_more_than_the_limit(limiter: RateLimiter) -> None:
    _clear_of_window_edge(limiter, 60, margin=5)
    allowed: list[RateDecision] = []
    refused: list[RateLimited] = []
    start = threading.Barrier(20)

    def client() -> None:
        start.wait()
        for _ in range(10):
            try:
                allowed.append(limiter.hit("api", "user:7", "50/minute"))
            except RateLimited as exc:
                refused.append(exc)

    threads = [threading.Thread(target=client) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(allowed) == 50 and len(refused) == 150
    assert min(d.remaining for d in allowed) == 0


def test_redis_keys_live_under_the_prefix() -> None:
    url = require_redis()
    with scratch_prefix() as prefix:
        limiter = RateLimiter(url, key_prefix=prefix)
        limiter.hit("api", "ip:2001:db8::1", "5/minute")
        keys = keys_under(prefix)
        limiter.close()
    assert keys and all(b"api/ip:2001:db8::1/5/1/minute" in key for key in keys)
    assert keys_under(prefix) == []


def test_from_settings_uses_redis_when_configured_and_memory_otherwise() -> None:
    embedded = RateLimiter.from_settings(make_settings("sqlite://"))
    production = RateLimiter.from_settings(make_settings("sqlite://", REDIS_URL="redis://127.0.0.1:1/0"))
    assert embedded.backend == "memory" and production.backend == "redis"
    production.close()


@pytest.mark.parametrize(
    ("limit", "match"),
    [("sixty a minute", "not in limits notation"), ("10/second;100/minute", "one limit per bucket")],
)
def test_limits_outside_the_notation_are_configuration_errors(limit: str, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        parse_limit(limit)
    with pytest.raises(ConfigurationError, match=match):
        RateLimiter().hit("api", "user:1", limit)


def test_scope_and_cost_are_checked() -> None:
    limiter = RateLimiter()
    with pytest.raises(ValueError, match="scope"):
        limiter.hit("user:1", "user:1", "5/minute")  # an id where a bucket name belongs
    with pytest.raises(ValueError, match="cost"):
        limiter.hit("api", "user:1", "5/minute", cost=6)


def test_unknown_storage_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="memcached"):
        RateLimiter("memcached://127.0.0.1:11211")
