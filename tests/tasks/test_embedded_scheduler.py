"""The embedded scheduler runs the schedule's chains and survives failing jobs."""

from __future__ import annotations

import threading

import pytest

from fairedge.tasks.embedded import EmbeddedScheduler, run_job
from fairedge.tasks.schedule import Periodic, schedule


def test_chain_runs_follower_only_after_success() -> None:
    calls: list[str] = []
    jobs = {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}
    scheduler = EmbeddedScheduler(jobs, [Periodic("a", 60, then=("b",))])
    assert scheduler.run_chain(Periodic("a", 60, then=("b",)))
    assert calls == ["a", "b"]

    def boom() -> None:
        raise RuntimeError("provider down")

    failing = EmbeddedScheduler({"a": boom, "b": lambda: calls.append("b")}, [Periodic("a", 60, then=("b",))])
    assert not failing.run_chain(Periodic("a", 60, then=("b",)))
    assert calls == ["a", "b"]  # b did not run after a failed


def test_failing_job_does_not_stop_the_loop() -> None:
    runs = {"n": 0}
    done = threading.Event()

    def flaky() -> None:
        runs["n"] += 1
        if runs["n"] >= 3:
            done.set()
        raise RuntimeError("still down")

    scheduler = EmbeddedScheduler({"tasks.odds_refresh": flaky}, [Periodic("tasks.odds_refresh", 0.01)])
    scheduler.start()
    try:
        assert done.wait(5), "the loop stopped after a failure"
        assert scheduler.running
    finally:
        scheduler.stop()
    assert not scheduler.running


def test_unknown_job_in_schedule_is_refused() -> None:
    with pytest.raises(ValueError, match=r"tasks\.ev_calculation"):
        EmbeddedScheduler({"tasks.odds_refresh": lambda: None}, schedule(5))


def test_run_job_reports_failure_without_raising() -> None:
    ok, error = run_job("x", lambda: 1 / 0)
    assert not ok and isinstance(error, ZeroDivisionError)


def test_a_stuck_job_does_not_hold_back_the_other_timers() -> None:
    release = threading.Event()
    ticks = {"n": 0}
    ticked = threading.Event()

    def stuck_refresh() -> None:
        release.wait(10)  # a provider that hangs

    def expiry() -> None:
        ticks["n"] += 1
        if ticks["n"] >= 3:
            ticked.set()

    scheduler = EmbeddedScheduler(
        {"tasks.odds_refresh": stuck_refresh, "tasks.opportunity_expiry": expiry},
        [Periodic("tasks.odds_refresh", 0.01), Periodic("tasks.opportunity_expiry", 0.01)],
    )
    scheduler.start()
    try:
        assert ticked.wait(5), "the expiry timer waited for the stuck refresh"
    finally:
        release.set()
        scheduler.stop()
