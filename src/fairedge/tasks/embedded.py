"""In-process scheduler for embedded mode: one background thread runs the schedule's jobs.

A job that fails is logged and counted; the loop goes on and the job runs again at its next tick, so a
provider outage degrades freshness, never the process. Only one scheduler may run: embedded mode is a
single process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import structlog

from fairedge.observability import metrics
from fairedge.tasks.schedule import Periodic

log = structlog.get_logger(__name__)

Job = Callable[[], Any]


def run_job(name: str, job: Job) -> tuple[bool, Any]:
    """Run one job with logs and metrics; never raises (the caller decides what failure means)."""
    started = time.perf_counter()
    short = name.removeprefix("tasks.")
    try:
        result = job()
    except Exception as exc:
        metrics.JOB_RUNS.labels(job=short, status="failure").inc()
        log.error("task_failed", task=name, error=str(exc), error_type=type(exc).__name__)
        return False, exc
    elapsed = time.perf_counter() - started
    metrics.JOB_RUNS.labels(job=short, status="success").inc()
    metrics.JOB_DURATION.labels(job=short).observe(elapsed)
    metrics.JOB_LAST_SUCCESS.labels(job=short).set(time.time())
    return True, result


class EmbeddedScheduler:
    def __init__(self, jobs: Mapping[str, Job], schedule: Sequence[Periodic]) -> None:
        missing = {p.task for p in schedule} | {t for p in schedule for t in p.then}
        missing -= set(jobs)
        if missing:
            raise ValueError(f"schedule names jobs that are not registered: {sorted(missing)}")
        self._jobs = jobs
        self._schedule = schedule
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0  # completed ticks, for health and tests

    def run_chain(self, periodic: Periodic) -> bool:
        ok, _ = run_job(periodic.task, self._jobs[periodic.task])
        if ok:
            for follower in periodic.then:
                ok, _ = run_job(follower, self._jobs[follower])
                if not ok:
                    break
        return ok

    def _loop(self) -> None:
        due = dict.fromkeys((p.task for p in self._schedule), 0.0)
        while not self._stop.is_set():
            now = time.monotonic()
            for periodic in self._schedule:
                if now >= due[periodic.task]:
                    self.run_chain(periodic)
                    due[periodic.task] = time.monotonic() + periodic.every_seconds
                    self.runs += 1
            wait = max(0.05, min(due.values()) - time.monotonic())
            self._stop.wait(wait)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="fairedge-scheduler", daemon=True)
        self._thread.start()
        log.info("scheduler_started", jobs=[p.task for p in self._schedule])

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        log.info("scheduler_stopped")

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
