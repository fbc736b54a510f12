"""The live stream under faults and load (real server): Redis stopped leaves the API and its streams up, and
when Redis returns every stream gets ``reset`` and a snapshot of the board as it is (the changes published
meanwhile were lost); a stream whose client falls a queue behind is dropped, not buffered for; 120 open
streams on one server process hold no worker thread, so the list keeps answering while they stay open and
every stream gets the next scan's changes."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy.orm import Session, sessionmaker
from stream_harness import LIST, STREAM, served, sse

from fairedge.opportunities.stream import Hub
from fairedge.stream import MemoryLog
from faults import TcpProxy
from redis_scratch import REDIS_URL, url_via

STREAMS = 120


@pytest.fixture
def prefix() -> Iterator[str]:
    made = f"fairedge-test-stream-{uuid.uuid4().hex[:10]}:"
    yield made
    with redis.Redis.from_url(REDIS_URL) as client:
        if keys := list(client.scan_iter(match=made + "*")):
            client.delete(*keys)


def test_redis_stopped_the_stream_stays_and_resets_when_it_returns(
    db_backend: str, tmp_path: Path, redis_proxy: TcpProxy, prefix: str
) -> None:
    url = url_via(redis_proxy.port)
    with served(
        db_backend, tmp_path, REDIS_URL=url, CACHE_KEY_PREFIX=prefix, STREAM_HEARTBEAT_SECONDS=0.3
    ) as app:
        app.refresh_and_scan()
        with sse(app.base + STREAM) as stream:
            assert stream.next().name == "snapshot"
            redis_proxy.set_mode("close")
            app.clock.advance(30)
            app.refresh_and_scan(fanduel_home=1.90)  # committed; its change cannot be published
            assert stream.next(3, comments=True).name == "comment"  # still open: heartbeats
            assert app.list()["items"] is not None  # the API serves (from the database)
            redis_proxy.set_mode("pass")
            reset = stream.next(15)
            assert reset.name == "reset" and reset.data == {"reason": "log_unavailable"}
            fresh = stream.next(5)
            assert fresh.name == "snapshot" and fresh.data["items"] == app.list()["items"]
            app.clock.advance(30)
            app.refresh_and_scan(fanduel_home=2.10)  # and it carries on
            assert "opened" in {e.name for e in stream.quiet(2.0)}


def test_a_stream_whose_queue_fills_is_dropped_not_buffered_for(
    session_factory: sessionmaker[Session],
) -> None:
    async def run() -> None:
        changes = MemoryLog(50)
        hub = Hub(changes, session_factory, max_connections=5, queue_size=2)
        slow, fine = await hub.subscribe(), await hub.subscribe()
        sending = asyncio.create_task(
            asyncio.sleep(3600)
        )  # a stream stuck sending to a client that never reads
        slow.task = sending
        for n in range(4):
            changes.publish({"opened": [], "updated": [], "confirmed": [], "ended": [[n, "gone"]]})
            for _ in range(100):  # the reader hands it to both; this one reads it
                if not fine.queue.empty():
                    break
                await asyncio.sleep(0.02)
            fine.queue.get_nowait()
        assert slow.overflowed and not fine.overflowed
        assert slow.queue.qsize() == 2  # nothing more queued for it
        await asyncio.sleep(0)
        assert sending.cancelled()
        hub.unsubscribe(slow)
        hub.unsubscribe(fine)

    asyncio.run(run())


def test_a_dropped_stream_ends_its_connection_and_the_server_carries_on(
    db_backend: str, tmp_path: Path
) -> None:
    with served(db_backend, tmp_path) as app:
        app.refresh_and_scan()
        with sse(app.base + STREAM) as stream:
            assert stream.next().name == "snapshot"
            hub = app.app.state.stream_hub
            (sub,) = hub.subscribers
            sub.task.get_loop().call_soon_threadsafe(sub.overflow)
            with pytest.raises((EOFError, httpx.RemoteProtocolError)):  # cut off: it could not be sent to
                stream.next(5)
        assert app.open_streams() == 0
        with sse(app.base + STREAM) as again:
            assert again.next().name == "snapshot"


async def _hold_streams(base: str, n: int, opened: asyncio.Event, changed: list[int]) -> None:
    limits = httpx.Limits(max_connections=n + 10)
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0), limits=limits) as client:

        async def one(i: int) -> None:
            async with client.stream("GET", base + STREAM) as response:
                assert response.status_code == 200
                seen = 0
                async for line in response.aiter_lines():
                    if line.startswith("event: snapshot"):
                        changed.append(0)
                        if len(changed) == n:
                            opened.set()
                    elif line.startswith("event: updated"):
                        seen += 1
                        changed[i] = seen
                        return

        await asyncio.gather(*(one(i) for i in range(n)))


async def _ask_list(base: str) -> list[float]:
    """200 list requests, 20 clients at a time: each one's seconds."""
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=30) as client:

        async def ask() -> None:
            for _ in range(10):
                began = time.monotonic()
                response = await client.get(base + LIST, params={"limit": 20})
                assert response.status_code == 200
                latencies.append(time.monotonic() - began)

        await asyncio.gather(*(ask() for _ in range(20)))
    return latencies


def test_many_open_streams_leave_the_list_answering(db_backend: str, tmp_path: Path) -> None:
    with served(db_backend, tmp_path, STREAM_MAX_CONNECTIONS=STREAMS + 10, STREAM_HEARTBEAT_SECONDS=2) as app:
        app.refresh_and_scan()

        async def run() -> tuple[list[float], list[float], int]:
            alone = await _ask_list(app.base)  # the same load without streams, for scale
            threads = threading.active_count()
            opened = asyncio.Event()
            changed: list[int] = []
            holder = asyncio.create_task(_hold_streams(app.base, STREAMS, opened, changed))
            await asyncio.wait_for(opened.wait(), 120)
            assert app.open_streams() == STREAMS
            grown = threading.active_count() - threads
            beside = await _ask_list(app.base)
            await asyncio.to_thread(app.clock.advance, 30)
            await asyncio.to_thread(app.refresh_and_scan, 2.20)
            await asyncio.wait_for(holder, 60)
            assert all(changed), "every stream got the scan's update"
            return alone, beside, grown

        alone, beside, grown = asyncio.run(run())
        assert grown < 10  # 120 open streams hold no thread
        assert len(beside) == 200  # every request answered, none refused
        p50, p99 = statistics.median(beside), statistics.quantiles(beside, n=100)[98]
        base50, base99 = statistics.median(alone), statistics.quantiles(alone, n=100)[98]
        print(
            f"\nlist, 20 clients: alone p50 {base50 * 1000:.0f} ms p99 {base99 * 1000:.0f} ms; "
            f"beside {STREAMS} open streams p50 {p50 * 1000:.0f} ms p99 {p99 * 1000:.0f} ms"
        )
        assert (
            p50 < 3 * base50 + 0.1
        )  # open streams cost the list little (two shared cores, client and server)
