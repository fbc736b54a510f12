"""The circuit breaker: a failure opens it for the cool-down, one probe at a time tests the storage again,
and a success closes it and reports how long the outage lasted."""

from __future__ import annotations

import threading

from fairedge.ratelimit.breaker import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_closed_breaker_lets_every_call_through() -> None:
    breaker = CircuitBreaker(2.0, clock=Clock())
    assert all(breaker.allow() for _ in range(5))
    assert breaker.seconds_until_probe() == 0.0
    assert breaker.succeeded() is None  # nothing to recover from


def test_a_failure_opens_it_for_the_cool_down_and_only_the_first_failure_starts_an_outage() -> None:
    clock = Clock()
    breaker = CircuitBreaker(2.0, clock=clock)
    assert breaker.failed() is True
    assert breaker.failed() is False  # same outage
    assert not breaker.allow()
    clock.now += 1.5
    assert not breaker.allow()
    assert breaker.seconds_until_probe() == 0.5


def test_after_the_cool_down_exactly_one_probe_goes_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(2.0, clock=clock)
    breaker.failed()
    clock.now += 2.0
    assert breaker.allow() is True  # the probe
    assert breaker.allow() is False  # the others keep skipping while it runs
    breaker.failed()  # the probe failed: another cool-down
    clock.now += 1.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.allow()


def test_a_successful_probe_closes_it_and_reports_the_outage_length() -> None:
    clock = Clock()
    breaker = CircuitBreaker(2.0, clock=clock)
    breaker.failed()
    clock.now += 7.0
    assert breaker.allow()
    assert breaker.succeeded() == 7.0
    assert breaker.allow() and breaker.allow()
    assert breaker.succeeded() is None


def test_concurrent_callers_after_the_cool_down_elect_a_single_probe() -> None:
    clock = Clock()
    breaker = CircuitBreaker(2.0, clock=clock)
    breaker.failed()
    clock.now += 2.0
    start = threading.Barrier(16)
    results: list[bool] = []

    def call() -> None:
        start.wait()
        results.append(breaker.allow())

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 15 + [True]
