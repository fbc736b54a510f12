"""The live stream end to end on a real server (both databases, the embedded change log): a snapshot equal to
the list, then opened, updated, confirmed and ended as scans and the expiry job change the board, the
headers, heartbeats, and the connection cap."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY
from stream_harness import STREAM, Served, served, sse


@pytest.fixture
def app(db_backend: str, tmp_path: Path) -> Iterator[Served]:
    with served(db_backend, tmp_path, STREAM_HEARTBEAT_SECONDS=0.3, STREAM_MAX_CONNECTIONS=3) as running:
        yield running


def _ids(items: list[dict[str, object]]) -> set[int]:
    return {int(str(item["id"])) for item in items}


def test_snapshot_then_opened_updated_confirmed_and_ended(app: Served) -> None:
    app.refresh_and_scan()
    listed = app.list()
    with sse(app.base + STREAM) as stream:
        assert stream.status == 200
        assert stream.response_headers["content-type"].startswith("text/event-stream")
        assert stream.response_headers["cache-control"] == "no-cache"
        assert stream.response_headers["x-accel-buffering"] == "no"
        first = stream.next()
        assert first.name == "snapshot" and first.id is not None
        assert first.data["items"] == listed["items"]  # the list's items, ages of the same instant
        assert first.data["hidden"] == listed["hidden"]
        held = _ids(first.data["items"])
        assert held

        app.clock.advance(30)
        app.refresh_and_scan(fanduel_home=2.20)  # the NBA h2h edge grows: its values change
        changed = stream.quiet(1.5)
        updated = [e for e in changed if e.name == "updated"]
        assert updated, changed
        assert all(e.id == updated[0].id for e in changed)  # one entry: one id
        now_listed = {item["id"]: item for item in app.list()["items"]}
        for e in updated:
            assert e.data["id"] in held
            assert e.data["legs"] == now_listed[e.data["id"]]["legs"]
        confirmed = [e for e in changed if e.name == "confirmed"]
        assert confirmed and set(confirmed[0].data["ids"]) <= held  # values unchanged, quotes newer
        assert confirmed[0].data["confirmed_at"].startswith("2026-01-15T18:00:30")

        app.clock.advance(30)
        app.refresh_and_scan(fanduel_home=1.90, epl=False)  # the NBA h2h edge is gone
        gone = [e for e in stream.quiet(1.5) if e.name == "ended"]
        assert gone and all(e.data["reason"] == "gone" for e in gone)
        assert {e.data["id"] for e in gone} <= held
        assert {e.data["id"] for e in gone}.isdisjoint(_ids(app.list()["items"]))

        app.clock.advance(30)
        app.refresh_and_scan(fanduel_home=2.10)  # back: a new opportunity, a new id
        opened = [e for e in stream.quiet(1.5) if e.name == "opened"]
        assert opened
        assert {e.data["id"] for e in opened} <= _ids(app.list()["items"])
        assert {e.data["id"] for e in opened}.isdisjoint(held)


def test_the_expiry_jobs_withdrawal_arrives_as_ended_stale(app: Served) -> None:
    app.refresh_and_scan()
    with sse(app.base + STREAM) as stream:
        held = _ids(stream.next().data["items"])
        app.clock.advance(app.runtime.settings.SCAN_MAX_QUOTE_AGE_SECONDS - 1)
        assert stream.quiet(0.5) == []
        # Past the limit: the stream ends them by time itself or when the expiry job says so, whichever first.
        app.clock.advance(2)
        counts = app.expire()
        assert counts["stale"] >= len(held)  # every devig method's; the stream shows the first method's
        ended = stream.take(len(held))
        assert {e.name for e in ended} == {"ended"}
        assert {e.data["id"] for e in ended} == held
        assert {e.data["reason"] for e in ended} == {"stale"}
        assert stream.quiet(0.5) == []  # each ended once
        assert app.list()["items"] == []


def test_heartbeats_keep_a_quiet_stream_open(app: Served) -> None:
    with sse(app.base + STREAM) as stream:
        assert stream.next().name == "snapshot"
        beats = [stream.next(2, comments=True) for _ in range(3)]
        assert [b.name for b in beats] == ["comment"] * 3 and beats[0].data == "heartbeat"


def test_streams_beyond_the_cap_are_refused_with_503_and_retry_after(app: Served) -> None:
    before = REGISTRY.get_sample_value("fairedge_stream_connections") or 0.0
    with sse(app.base + STREAM) as a, sse(app.base + STREAM) as b, sse(app.base + STREAM) as c:
        for stream in (a, b, c):
            assert stream.next().name == "snapshot"
        assert REGISTRY.get_sample_value("fairedge_stream_connections") == before + 3
        refused = httpx.get(app.base + STREAM, timeout=5)
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "5"
        assert refused.json()["error"]["code"] == "streams_full"
    deadline = 50
    while app.open_streams() and deadline:  # the server sees the clients go
        deadline -= 1
        httpx.get(app.base + "/health", timeout=5)
    assert app.open_streams() == 0
    with sse(app.base + STREAM) as again:
        assert again.next().name == "snapshot"


def test_a_streams_latency_is_its_time_to_the_headers_not_its_life(app: Served) -> None:
    labels = {"method": "GET", "handler": STREAM.split("?")[0]}

    def observed() -> tuple[float, float]:
        count = REGISTRY.get_sample_value("http_request_duration_seconds_count", labels) or 0.0
        return count, REGISTRY.get_sample_value("http_request_duration_seconds_sum", labels) or 0.0

    count, total = observed()
    with sse(app.base + STREAM) as stream:
        assert stream.next().name == "snapshot"
        for _ in range(4):  # open for over a second: four heartbeats 0.3 s apart
            stream.next(2, comments=True)
    for _ in range(50):  # the server sees the client go, then records the request
        if observed()[0] > count:
            break
        httpx.get(app.base + "/health", timeout=5)
    after_count, after_total = observed()
    assert after_count == count + 1
    assert after_total - total < 1.0  # the time to the headers, not the 1.2 s and more it stayed open
