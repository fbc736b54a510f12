"""The API with its rate limiter's Redis stopped or hanging: reads fail open, logins fail closed, and it
recovers by itself. Real Redis behind a TCP proxy (tests/faults.py) that can pass, hang or close."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from accounts_env import PASSWORD, Env
from faults import TcpProxy
from redis_scratch import url_via


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


@pytest.mark.parametrize("fault", ["close", "blackhole"])
def test_reads_fail_open_and_logins_fail_closed_while_redis_is_out(
    make_env: Callable[..., Env], redis_proxy: TcpProxy, fault: str
) -> None:
    env = make_env(REDIS_URL=url_via(redis_proxy.port), ANONYMOUS_PLAN="free", RATE_LIMIT_FREE="1000/minute")
    env.signup("out@example.com")
    healthy = env.client.get("/api/opportunities")
    assert healthy.status_code == 200 and healthy.headers["RateLimit-Limit"] == "1000"

    redis_proxy.set_mode(fault)  # type: ignore[arg-type]
    reads = [env.client.get("/api/opportunities") for _ in range(5)]
    assert [r.status_code for r in reads] == [200] * 5
    assert "RateLimit-Limit" not in reads[-1].headers  # not enforced, and not pretended
    login = env.client.post("/api/auth/login", json={"email": "out@example.com", "password": PASSWORD})
    assert login.status_code == 503 and login.json()["error"]["code"] == "rate_limiter_unavailable"
    assert int(login.headers["Retry-After"]) >= 1
    reset = env.client.post("/api/auth/password-reset", json={"email": "out@example.com"})
    assert reset.status_code == 503
    # A hung Redis costs a request at most the 0.25 s timeout; the breaker spares the ones after it.
    assert _timed(lambda: env.client.get("/api/opportunities")) < 1.0

    redis_proxy.set_mode("pass")
    time.sleep(2.2)  # the breaker's cool-down, then the next request tries Redis again
    recovered = env.client.get("/api/opportunities")
    assert recovered.status_code == 200 and "RateLimit-Limit" in recovered.headers
    assert (
        env.client.post(
            "/api/auth/login", json={"email": "out@example.com", "password": PASSWORD}
        ).status_code
        == 200
    )
