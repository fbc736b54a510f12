"""Health that checks: the database and a real Redis are pinged, optional services degrade instead of failing,
and a background probe keeps the gauges true with nobody calling /health."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import Engine

from conftest import REQUIRE_SERVICES, make_settings
from fairedge.app import create_app
from fairedge.db.engine import make_engine
from fairedge.errors import ConfigurationError
from fairedge.health.checks import HealthChecks
from fairedge.health.probe import HealthProbe
from fairedge.observability import metrics

REDIS_URL = os.environ.get("FAIREDGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="module")
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
    except redis.RedisError as exc:
        message = f"Redis unavailable at {REDIS_URL}: {type(exc).__name__}"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_URL


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _gauge(name: str) -> float | None:
    return REGISTRY.get_sample_value(name)


def _eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture
def client_for(database_url: str) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def start(url: str | None = None, **overrides: object) -> TestClient:
        client = TestClient(create_app(make_settings(url or database_url, **overrides)))
        clients.append(client)
        return client.__enter__()

    yield start
    for client in clients:
        client.__exit__(None, None, None)


def test_redis_answering_is_healthy_everywhere(client_for: Callable[..., TestClient], redis_url: str) -> None:
    client = client_for(REDIS_URL=redis_url)
    body = client.get("/health").json()
    # REDIS_URL is Celery's broker too, and no worker runs here: Celery degrades health, never fails it
    # (workers and beat are started by tests/tasks/test_celery_processes.py).
    assert body["status"] == "degraded"
    assert body["services"] == {
        "database": "healthy",
        "redis": "healthy",
        "celery": "unhealthy",
        "scheduler": "disabled",
        "odds_feed": "disabled",  # the simulator: no credits to watch
    }
    assert set(body) == {"status", "timestamp", "services", "version"}
    response = client.get("/health/redis")
    assert response.status_code == 200
    assert response.json()["status"] == "healthy" and response.json()["latency_ms"] >= 0
    assert _gauge("fairedge_redis_health") == 1


def test_unreachable_redis_degrades_health_without_failing_it(client_for: Callable[..., TestClient]) -> None:
    client = client_for(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    started = time.perf_counter()
    response = client.get("/health")
    assert time.perf_counter() - started < 2
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["services"]["database"] == "healthy" and body["services"]["redis"] == "unhealthy"
    redis_response = client.get("/health/redis")
    assert redis_response.status_code == 503
    assert redis_response.json() == {"status": "unhealthy", "error": "ConnectionError"}
    assert _gauge("fairedge_redis_health") == 0


def test_without_redis_url_redis_and_celery_are_disabled(client_for: Callable[..., TestClient]) -> None:
    client = client_for()
    assert client.get("/health").json()["services"]["redis"] == "disabled"
    redis_response = client.get("/health/redis")
    assert redis_response.status_code == 200 and redis_response.json()["status"] == "disabled"
    celery_response = client.get("/health/celery")
    assert celery_response.status_code == 200 and celery_response.json()["status"] == "disabled"
    assert _gauge("fairedge_redis_health") == -1


def test_database_down_is_the_only_503(client_for: Callable[..., TestClient]) -> None:
    client = client_for(f"postgresql://postgres@127.0.0.1:{_closed_port()}/fairedge")
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy" and body["services"]["database"] == "unhealthy"
    database = client.get("/health/database")
    assert database.status_code == 503 and database.json()["status"] == "unhealthy"
    assert "pool_stats" in database.json()
    assert _gauge("fairedge_database_health") == 0


def test_probe_sets_gauges_at_start_with_nobody_calling_health(
    client_for: Callable[..., TestClient], redis_url: str
) -> None:
    metrics.DATABASE_HEALTH.set(0)
    metrics.REDIS_HEALTH.set(0)
    client_for(REDIS_URL=redis_url)  # started (lifespan ran); no request is made
    assert _eventually(lambda: _gauge("fairedge_database_health") == 1)
    assert _eventually(lambda: _gauge("fairedge_redis_health") == 1)


def test_probe_repeats_and_stops_cleanly(database_url: str, redis_url: str) -> None:
    engine: Engine = make_engine(make_settings(database_url))
    checks = HealthChecks(engine, redis_url)
    probe = HealthProbe(checks, every_seconds=0.05)
    probe.start()
    try:
        assert _eventually(lambda: _gauge("fairedge_redis_health") == 1)
        metrics.REDIS_HEALTH.set(0)
        assert _eventually(lambda: _gauge("fairedge_redis_health") == 1)  # a later round set it back
    finally:
        probe.stop()
        checks.close()
        engine.dispose()
    assert not any(t.name == "fairedge-health-probe" for t in threading.enumerate())


def test_a_malformed_redis_url_is_a_configuration_error(engine: Engine) -> None:
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        HealthChecks(engine, "not-a-url")
