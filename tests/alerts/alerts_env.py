"""Alert test helpers: a real HTTP receiver on 127.0.0.1 (a thread), boards scanned at chosen instants, and
the delivery job run with the test's clock."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from factories import T0, FakeClock, book, event, h2h, snapshot, totals
from fairedge.alerts.delivery import WebhookSender
from fairedge.alerts.service import RetryRules
from fairedge.alerts.ssrf import WebhookPolicy
from fairedge.alerts.tasks import alert_delivery
from fairedge.config import Settings
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.odds.providers.base import EventOdds
from fairedge.opportunities.scan import ScanConfig
from fairedge.opportunities.service import run_scan


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Receiver:
    """A webhook receiver: answers each POST with the next scripted status (the last one repeats)."""

    host: str = "127.0.0.1"
    statuses: list[int] = field(default_factory=lambda: [204])
    location: str | None = None  # sent with a 3xx
    headers: dict[str, str] = field(default_factory=dict)  # sent with every answer
    received: list[Received] = field(default_factory=list)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                receiver.received.append(Received(self.path, dict(self.headers), json.loads(raw or b"null")))
                index = min(len(receiver.received), len(receiver.statuses)) - 1
                status = receiver.statuses[index]
                self.send_response(status)
                if receiver.location and 300 <= status < 400:
                    self.send_header("Location", receiver.location)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                body = (
                    b"" if status == 204 else b'{"message": "receiver says no"}' if status >= 400 else b"ok"
                )
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._server.server_address[1]}/hooks/secret-token"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def receiver_fixture(**kwargs: Any) -> Iterator[Receiver]:
    receiver = Receiver(**kwargs).start()
    try:
        yield receiver
    finally:
        receiver.stop()


def nba(name: str = "nba", *, fanduel_home: float = 2.10) -> EventOdds:
    """An NBA game that yields an h2h +EV bet, an h2h arbitrage and a totals middle (see test_entitlement)."""
    return event(
        name,
        book("pinnacle", h2h(1.95, 1.95), totals(220.5, 1.95, 1.95)),
        book("fanduel", h2h(fanduel_home, 1.80), totals(222.5, 1.80, 2.02)),
        commence=T0 + timedelta(days=1),
    )


def epl() -> EventOdds:
    return event(
        "epl",
        book("pinnacle", h2h(1.95, 1.95)),
        book("fanduel", h2h(2.10, 1.80)),
        sport="soccer_epl",
        commence=T0 + timedelta(days=1),
    )


def scan_board(factory: sessionmaker[Session], at: datetime, *events: EventOdds) -> None:
    """Ingest ``events`` as fetched at ``at`` and scan, committed (as the refresh and scan jobs do)."""
    with factory() as session:
        ingest_snapshot(session, snapshot(*events, at=at), provider="test")
        run_scan(session, ScanConfig(), now=at)
        session.commit()


def run_job(
    factory: sessionmaker[Session],
    settings: Settings,
    clock: FakeClock,
    *,
    policy: WebhookPolicy | None = None,
    pause_after: int = 10,
    max_attempts: int = 5,
) -> dict[str, Any]:
    sender = WebhookSender(policy or WebhookPolicy.build(production=False), timeout_seconds=2.0)
    rules = RetryRules(
        max_attempts=max_attempts, backoff_seconds=30.0, pause_after=pause_after, jitter=lambda: 1.0
    )
    return alert_delivery(factory, settings, clock, sender=sender, rules=rules)
