"""The live stream's test harness: the real app served by uvicorn in a thread (streaming bodies need a real
server), on a database of its own, with the fake clock; a board the test refreshes and scans with the jobs
themselves (which publish to the change log); and an SSE client that reads events in a thread of its own.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvicorn
from fastapi import FastAPI

from conftest import make_settings
from factories import T0, FakeClock, book, event, h2h, snapshot, totals
from fairedge.app import create_app
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.odds.providers.base import EventOdds
from fairedge.runtime import Runtime
from scratch_db import migrated_scratch

STREAM = "/api/stream/opportunities"
LIST = "/api/opportunities"


def board(fanduel_home: float = 2.10, *, epl: bool = True) -> tuple[EventOdds, ...]:
    """An NBA game (+EV bets, an arbitrage, a middle) and, unless told, an EPL game; ``fanduel_home``
    moves the NBA h2h edge (1.90: none)."""
    nba = event(
        "nba",
        book("pinnacle", h2h(1.95, 1.95), totals(220.5, 1.95, 1.95)),
        book("fanduel", h2h(fanduel_home, 1.80), totals(222.5, 1.80, 2.02)),
    )
    if not epl:
        return (nba,)
    soccer = event(
        "epl",
        book("pinnacle", h2h(1.95, 1.95), totals(2.5, 1.95, 1.95)),
        book("fanduel", h2h(2.10, 1.80), totals(2.5, 1.80, 2.10)),
        sport="soccer_epl",
        commence=T0 + timedelta(days=1),
    )
    return nba, soccer


@dataclass
class Served:
    base: str
    runtime: Runtime
    clock: FakeClock
    server: uvicorn.Server
    app: FastAPI

    def refresh_and_scan(self, fanduel_home: float = 2.10, *, epl: bool = True) -> None:
        """A refresh at the clock's now, then the scan job (which publishes the board's changes)."""
        with self.runtime.session_factory() as session:
            ingest_snapshot(
                session, snapshot(*board(fanduel_home, epl=epl), at=self.clock.now), provider="test"
            )
            session.commit()
        self.runtime.jobs()["tasks.ev_calculation"]()

    def expire(self) -> dict[str, int]:
        result: dict[str, int] = self.runtime.jobs()["tasks.opportunity_expiry"]()
        return result

    def list(self, params: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
        response = httpx.get(f"{self.base}{LIST}", params={"limit": 500, **(params or {})}, **options)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def open_streams(self) -> int:
        hub = getattr(self.app.state, "stream_hub", None)
        return 0 if hub is None else len(hub.subscribers)


@contextmanager
def served(db_backend: str, folder: Path, **overrides: Any) -> Iterator[Served]:
    """The app on a database of its own, served on a free port until the block ends."""
    with migrated_scratch(db_backend, folder, "stream") as url:
        clock = FakeClock(T0)
        # Heartbeats every half second unless a test says otherwise: a client's reader thread wakes on them,
        # so a closed client ends at once instead of at the next 15 s heartbeat.
        overrides.setdefault("STREAM_HEARTBEAT_SECONDS", 0.5)
        settings = make_settings(url, MAIL_OUTBOX_DIR=str(folder / "outbox"), **overrides)
        runtime = Runtime.build(settings, clock=clock)
        app = create_app(settings, runtime=runtime)
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False)
        server = uvicorn.Server(config)
        config.timeout_graceful_shutdown = 1
        thread = threading.Thread(target=server.run, name="stream-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield Served(f"http://127.0.0.1:{port}", runtime, clock, server, app)
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            runtime.engine.dispose()


@dataclass
class Event:
    name: str  # "comment" for an SSE comment (the heartbeat)
    data: Any
    id: str | None


@dataclass
class SseClient:
    """One stream read in a thread: events land in a queue, in order."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    events: queue.Queue[Event | BaseException | None] = field(default_factory=queue.Queue)
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    _client: httpx.Client | None = None
    _thread: threading.Thread | None = None
    _started: threading.Event = field(default_factory=threading.Event)

    def start(self) -> SseClient:
        self._client = httpx.Client(timeout=httpx.Timeout(5.0, read=60.0))
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self._started.wait(15), "no answer"
        return self

    def _read(self) -> None:
        assert self._client is not None
        try:
            with self._client.stream("GET", self.url, headers=self.headers) as response:
                self.status = response.status_code
                self.response_headers = dict(response.headers)
                self._started.set()
                if response.status_code != 200:
                    self.body = response.read()
                    return
                name, data, event_id = "message", [], None
                for line in response.iter_lines():
                    if line.startswith(":"):
                        self.events.put(Event("comment", line[1:].strip(), None))
                    elif line.startswith("id:"):
                        event_id = line[3:].strip()
                    elif line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].strip())
                    elif line == "" and data:
                        self.events.put(Event(name, orjson.loads("\n".join(data)), event_id))
                        name, data, event_id = "message", [], None
        except (httpx.HTTPError, RuntimeError) as exc:
            self.events.put(exc)
        finally:
            self._started.set()
            self.events.put(None)  # the stream ended

    def next(self, timeout: float = 10.0, *, comments: bool = False) -> Event:
        deadline = time.monotonic() + timeout
        while True:
            found = self.events.get(timeout=max(deadline - time.monotonic(), 0.01))
            if found is None:
                raise EOFError("the stream ended")
            if isinstance(found, BaseException):
                raise found
            if comments or found.name != "comment":
                return found

    def take(self, n: int, timeout: float = 10.0) -> list[Event]:
        return [self.next(timeout) for _ in range(n)]

    def quiet(self, seconds: float = 0.5) -> list[Event]:
        """Events (not comments) that arrive within ``seconds``."""
        found = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                found.append(self.next(left))
            except queue.Empty:
                break
        return found

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._thread is not None:
            self._thread.join(timeout=10)


@contextmanager
def sse(url: str, **headers: str) -> Iterator[SseClient]:
    client = SseClient(url, headers).start()
    try:
        yield client
    finally:
        client.close()
