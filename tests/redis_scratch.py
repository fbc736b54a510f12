"""The real Redis for rate limiter tests: skip (or, in CI, fail) without it, a key prefix per test that is
deleted afterwards (tests, runs and xdist workers never see each other's buckets), and the fixture
``redis_proxy`` (registered in conftest.py) to make it hang or drop."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
import redis

from conftest import REQUIRE_SERVICES
from faults import TcpProxy

REDIS_URL = os.environ.get("FAIREDGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis() -> str:
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5) as client:
            client.ping()
    except redis.RedisError as exc:
        message = f"Redis unavailable at {REDIS_URL}: {type(exc).__name__}"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_URL


def redis_address() -> tuple[str, int]:
    parts = urlsplit(REDIS_URL)
    return parts.hostname or "127.0.0.1", parts.port or 6379


def url_via(port: int) -> str:
    """REDIS_URL with its host and port replaced by a local proxy's (database and password kept)."""
    parts = urlsplit(REDIS_URL)
    credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return parts._replace(netloc=f"{credentials}127.0.0.1:{port}").geturl()


def keys_under(prefix: str) -> list[bytes]:
    with redis.Redis.from_url(REDIS_URL) as client:
        return list(client.scan_iter(match=f"{prefix}:*", count=1000))


@contextmanager
def scratch_prefix() -> Iterator[str]:
    prefix = f"fairedge-test-ratelimit:{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        if keys := keys_under(prefix):
            with redis.Redis.from_url(REDIS_URL) as client:
                client.delete(*keys)


@pytest.fixture
def redis_proxy() -> Iterator[TcpProxy]:
    """The real Redis behind a TCP proxy the test can switch to hang (blackhole) or drop (close)."""
    require_redis()
    host, port = redis_address()
    with TcpProxy(host, port) as running:
        yield running
