"""Resuming a live stream with ``Last-Event-ID`` (both change log backends, both databases): the client gets
exactly the events it missed, as a stream that stayed open got them, with rows as they are now (an update of
a row that has ended since is told by its end); an id the log no longer holds, or never held, gets ``reset``
and a fresh snapshot."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from stream_harness import STREAM, Event, Served, served, sse

from redis_scratch import REDIS_URL, require_redis

AGES = ("quote_age_seconds", "lifespan_seconds")


@pytest.fixture(params=["memory", "redis"])
def app(request: pytest.FixtureRequest, db_backend: str, tmp_path: Path) -> Iterator[Served]:
    overrides: dict[str, Any] = {"STREAM_LOG_LENGTH": 10}
    prefix = ""
    if request.param == "redis":
        require_redis()
        prefix = f"fairedge-test-stream-{uuid.uuid4().hex[:10]}:"
        overrides.update(REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=prefix)
    try:
        with served(db_backend, tmp_path, **overrides) as running:
            yield running
    finally:
        if prefix:
            with redis.Redis.from_url(REDIS_URL) as client:
                keys = list(client.scan_iter(match=prefix + "*"))
                if keys:
                    client.delete(*keys)


def _timeless(event: Event) -> tuple[str, Any]:
    """An event without the ages (computed when sent: a resumed event is sent later)."""
    data = event.data
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in AGES}
    return event.name, data


def test_last_event_id_resumes_with_exactly_the_missed_events(app: Served) -> None:
    app.refresh_and_scan()
    with sse(app.base + STREAM) as steady, sse(app.base + STREAM) as leaving:
        assert steady.next().name == "snapshot"
        assert leaving.next().name == "snapshot"
        app.clock.advance(30)
        app.refresh_and_scan(fanduel_home=2.20)
        seen = steady.quiet(1.5)
        assert seen and leaving.quiet(1.5) == seen
        last_id = seen[-1].id
        assert last_id is not None
    # Away: the board changes twice (values changed and confirmed, then an edge gone), and comes back.
    with sse(app.base + STREAM) as steady:
        assert steady.next().name == "snapshot"
        app.clock.advance(30)
        app.refresh_and_scan(fanduel_home=2.30)
        # Taken in before the next scan: read together, an update of a row the next scan ends is told by
        # its end alone (as the resume below tells it), and the open stream would have nothing to compare.
        missed = steady.quiet(1.5)
        app.clock.advance(30)
        app.refresh_and_scan(fanduel_home=1.90)
        missed += steady.quiet(1.5)
        assert {e.name for e in missed} >= {"updated", "ended"}
        # A resume sends rows as they are now: an update of a row that ended since is told by its end.
        ended = {e.data["id"] for e in missed if e.name == "ended"}
        expected = [e for e in missed if not (e.name == "updated" and e.data["id"] in ended)]
        assert len(expected) < len(missed)  # the case is there
        with sse(app.base + STREAM, **{"Last-Event-ID": last_id}) as back:
            *resumed, hidden = back.quiet(1.5)
            assert [_timeless(e) for e in resumed] == [_timeless(e) for e in expected]
            assert [e.id for e in resumed] == [e.id for e in expected]
            # Last, what the plan withholds now (the client's own is from before it went away).
            assert hidden.name == "hidden" and hidden.data == app.list()["hidden"]
            # And it carries on like any stream.
            app.clock.advance(30)
            app.refresh_and_scan(fanduel_home=2.10)
            assert [_timeless(e) for e in back.quiet(1.5)] == [_timeless(e) for e in steady.quiet(1.5)]


def test_an_id_the_log_no_longer_holds_gets_reset_then_a_snapshot(app: Served) -> None:
    app.refresh_and_scan()
    with sse(app.base + STREAM) as stream:
        old = stream.next().id
    assert old is not None
    for n in range(150):  # far more changes than STREAM_LOG_LENGTH keeps
        app.runtime.changes.publish(
            {"opened": [], "updated": [], "confirmed": [], "ended": [[10**9 + n, "gone"]]}
        )
    for last_event_id in (old, "garbage"):
        with sse(app.base + STREAM, **{"Last-Event-ID": last_event_id}) as back:
            reset, fresh = back.take(2)
            assert reset.name == "reset"
            assert fresh.name == "snapshot" and fresh.data["items"] == app.list()["items"]
