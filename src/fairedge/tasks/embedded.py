"""In-process scheduler for embedded mode: background threads run the schedule's jobs.

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
from fairedge.tasks import job_runs
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
        job_runs.EMBEDDED.record(
            name, ok=False, duration_seconds=time.perf_counter() - started, error_type=type(exc).__name__
        )
        return False, exc
    elapsed = time.perf_counter() - started
    job_runs.EMBEDDED.record(name, ok=True, duration_seconds=elapsed)
    metrics.JOB_RUNS.labels(job=short, status="success").inc()
    metrics.JOB_DURATION.labels(job=short).observe(elapsed)
    metrics.JOB_LAST_SUCCESS.labels(job=short).set(time.time())
    return True, result


class EmbeddedScheduler:
    """Runs each periodic job (with its ``then`` chain) on its own thread and timer, so a refresh stuck on a
    slow provider never holds back the expiry timer."""

    def __init__(self, jobs: Mapping[str, Job], schedule: Sequence[Periodic]) -> None:
        missing = {p.task for p in schedule} | {t for p in schedule for t in p.then}
        missing -= set(jobs)
        if missing:
            raise ValueError(f"schedule names jobs that are not registered: {sorted(missing)}")
        self._jobs = jobs
        self._schedule = schedule
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def run_chain(self, periodic: Periodic) -> bool:
        ok, _ = run_job(periodic.task, self._jobs[periodic.task])
        if ok:
            for follower in periodic.then:
                ok, _ = run_job(follower, self._jobs[follower])
                if not ok:
                    break
        return ok

    def _lane(self, periodic: Periodic) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self.run_chain(periodic)
            self._stop.wait(max(0.05, periodic.every_seconds - (time.monotonic() - started)))

    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        for periodic in self._schedule:
            name = "fairedge-" + periodic.task.removeprefix("tasks.")
            thread = threading.Thread(target=self._lane, args=(periodic,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("scheduler_started", jobs=[p.task for p in self._schedule])

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = []
        log.info("scheduler_stopped")

    @property
    def running(self) -> bool:
        return bool(self._threads) and all(t.is_alive() for t in self._threads)
