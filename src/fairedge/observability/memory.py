"""``memory_warning``: a process's resident memory passed ``MEMORY_WARNING_MB``, logged once per crossing.

A daemon thread of each process reads its RSS every ``MEMORY_CHECK_SECONDS`` (one read of /proc), sets
``fairedge_process_resident_memory_bytes``, and logs ``memory_warning`` when the RSS rises past the threshold;
it logs ``memory_recovered`` once it is back under 90 % of it, and only then can warn again, so a process
hovering at the line does not log at every check. Start it after a fork (gunicorn and Celery workers): a
thread does not survive one.
"""

from __future__ import annotations

import os
import resource
import sys
import threading
from collections.abc import Callable

import structlog

from fairedge.observability import metrics

log = structlog.get_logger(__name__)

MB = 1024 * 1024
REARM_FRACTION = 0.9


def resident_bytes() -> int:
    """This process's resident set size: from /proc on Linux; elsewhere (macOS development) the peak."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except FileNotFoundError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere


class MemoryWatch:
    def __init__(
        self,
        threshold_mb: float,
        every_seconds: float = 15.0,
        *,
        rss: Callable[[], int] = resident_bytes,
    ) -> None:
        self.threshold_mb = threshold_mb  # 0: no warnings, the gauge only
        self._every_seconds = every_seconds
        self._rss = rss
        self._above = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> None:
        """One reading: the gauge, and a log line if the threshold was crossed since the last one."""
        rss = self._rss()
        metrics.PROCESS_RESIDENT_MEMORY.set(rss)
        if not self.threshold_mb:
            return
        rss_mb = round(rss / MB, 1)
        if not self._above and rss_mb >= self.threshold_mb:
            self._above = True
            log.warning("memory_warning", rss_mb=rss_mb, threshold_mb=self.threshold_mb)
        elif self._above and rss_mb < self.threshold_mb * REARM_FRACTION:
            self._above = False
            log.info("memory_recovered", rss_mb=rss_mb, threshold_mb=self.threshold_mb)

    def _loop(self) -> None:
        while True:
            self.check()
            if self._stop.wait(self._every_seconds):
                return

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="fairedge-memory-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
