"""The background health probe: runs the checks at start and every 15 s (``HEALTH_PROBE_SECONDS``), so the
health gauges are true (and alerts fire) with nobody calling ``/health``; while the database answers, it also
takes the readings it was given (the board gauges of health/board.py).

A daemon thread of its own: the checks block (a connect, a ping), and a probe that waited behind busy request
threads would report late exactly when it matters.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import structlog

from fairedge.health.checks import HealthChecks

log = structlog.get_logger(__name__)

PROBE_EVERY_SECONDS = 15.0


class HealthProbe:
    def __init__(
        self,
        checks: HealthChecks,
        every_seconds: float = PROBE_EVERY_SECONDS,
        readings: Sequence[Callable[[], None]] = (),
    ) -> None:
        self._checks = checks
        self._every_seconds = every_seconds
        self._readings = readings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        previous: dict[str, str] = {}
        while True:
            current = {
                "database": self._checks.database()["status"],
                "redis": self._checks.redis()["status"],
            }
            for service, status in current.items():
                if status != previous.get(service, "healthy") and status != "disabled":
                    level = log.info if status == "healthy" else log.warning
                    level("health_changed", service=service, status=status)
            if current["database"] == "healthy":
                self._read()
            previous = current
            if self._stop.wait(self._every_seconds):
                return

    def _read(self) -> None:
        for reading in self._readings:
            try:
                reading()
            except Exception as exc:  # the probe outlives a failed reading; the next round retries it
                log.warning(
                    "probe_reading_failed",
                    reading=getattr(reading, "__qualname__", repr(reading)),
                    error_type=type(exc).__name__,
                )

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="fairedge-health-probe", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
