"""The change log behind the live streams, both backends on the same tests: ids that grow, reads after an id,
a blocking read woken by a publish from another thread, resets for an id the log no longer (or never) held,
and Redis unavailable or hung: publish degrades (logged, None), read raises LogUnavailable within its
timeout."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from structlog.testing import capture_logs

from fairedge.config import Settings
from fairedge.stream import MemoryLog, RedisLog, change_log, parse_id
from fairedge.stream.log import STREAM_KEY, ChangeLog, LogUnavailable
from faults import TcpProxy
from redis_scratch import REDIS_URL, require_redis, url_via


@pytest.fixture(params=["memory", "redis"])
def changes(request: pytest.FixtureRequest) -> Iterator[ChangeLog]:
    if request.param == "memory":
        yield MemoryLog(maxlen=20)
        return
    require_redis()
    key = f"fairedge-test-stream:{uuid.uuid4().hex[:12]}"
    made = RedisLog(REDIS_URL, key=key, maxlen=20)
    try:
        yield made
    finally:
        made.close()
        with redis.Redis.from_url(REDIS_URL) as client:
            client.delete(key)


def test_entries_after_an_id_in_order(changes: ChangeLog) -> None:
    async def run() -> None:
        start = await changes.last_id()
        ids = [changes.publish({"opened": [n], "ended": []}) for n in range(5)]
        assert all(ids) and [parse_id(i) for i in ids] == sorted(parse_id(i) for i in ids)  # type: ignore[type-var]
        assert await changes.last_id() == ids[-1]
        batch = await changes.read(start)
        assert not batch.reset
        assert [e.id for e in batch.entries] == ids
        assert [e.data["opened"] for e in batch.entries] == [[n] for n in range(5)]
        assert [e.id for e in (await changes.read(str(ids[2]))).entries] == ids[3:]
        assert (await changes.read(str(ids[-1]))).entries == []  # nothing newer, no wait

    asyncio.run(run())


def test_a_blocking_read_wakes_on_a_publish_from_another_thread(changes: ChangeLog) -> None:
    async def run() -> None:
        start = await changes.last_id()
        timer = threading.Timer(0.3, changes.publish, args=({"opened": [7]},))
        began = time.monotonic()
        timer.start()
        batch = await changes.read(start, block_seconds=5)
        assert 0.2 < time.monotonic() - began < 3
        assert [e.data for e in batch.entries] == [{"opened": [7]}]
        quiet = time.monotonic()
        assert (await changes.read(batch.entries[-1].id, block_seconds=0.3)).entries == []
        assert time.monotonic() - quiet >= 0.25

    asyncio.run(run())


def test_an_id_the_log_trimmed_or_never_held_reads_as_a_reset(changes: ChangeLog) -> None:
    async def run() -> None:
        first = changes.publish({"n": 0})
        assert first is not None
        for n in range(1, 300):  # far past maxlen (Redis trims "about" maxlen, by whole nodes)
            changes.publish({"n": n})
        assert (await changes.read(first)).reset  # the entries after it are gone
        last = await changes.last_id()
        ms, _ = parse_id(last) or (0, 0)
        assert (await changes.read(f"{ms + 60_000}-0")).reset  # newer than the log: the log was lost
        assert (await changes.read("not-an-id")).reset
        assert not (await changes.read(last)).reset

    asyncio.run(run())


def test_the_backend_follows_the_settings() -> None:
    memory = change_log(Settings(_env_file=None, ENVIRONMENT="testing"))
    assert isinstance(memory, MemoryLog)
    stored = change_log(
        Settings(_env_file=None, ENVIRONMENT="testing", REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX="deploy-a:")
    )
    assert isinstance(stored, RedisLog) and stored.key == "deploy-a:" + STREAM_KEY
    stored.close()


@pytest.mark.parametrize("fault", ["stopped", "hung"])
def test_redis_unavailable_degrades_and_recovers(redis_proxy: TcpProxy, fault: str) -> None:
    key = f"fairedge-test-stream:{uuid.uuid4().hex[:12]}"
    changes = RedisLog(url_via(redis_proxy.port), key=key, maxlen=20, timeout_seconds=0.3)

    async def run() -> None:
        before = await changes.last_id()
        redis_proxy.set_mode("close" if fault == "stopped" else "blackhole")
        with capture_logs() as logs:
            assert changes.publish({"n": 1}) is None
        assert logs[0]["event"] == "stream_publish_failed"
        began = time.monotonic()
        with pytest.raises(LogUnavailable):
            await changes.read(before, block_seconds=0.5)
        assert time.monotonic() - began < 5  # a hung Redis costs a timeout, never a hang
        redis_proxy.set_mode("pass")
        published = changes.publish({"n": 2})
        assert published is not None
        assert [e.data for e in (await changes.read(before)).entries] == [{"n": 2}]

    try:
        asyncio.run(run())
    finally:
        changes.close()
        with redis.Redis.from_url(REDIS_URL) as client:
            client.delete(key)
