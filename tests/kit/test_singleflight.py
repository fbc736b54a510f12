"""SingleFlight: concurrent requests for one key share the first one's computation, its answer or its error;
if the first is cancelled, a waiting one computes instead."""

from __future__ import annotations

import asyncio

import pytest

from fairedge.kit.singleflight import SingleFlight


def test_concurrent_requests_share_one_computation() -> None:
    flights: SingleFlight[int] = SingleFlight()
    calls: list[str] = []

    async def compute(key: str) -> int:
        calls.append(key)
        await asyncio.sleep(0.01)
        return len(calls)

    async def run() -> list[int]:
        same = [flights.run("a", lambda: compute("a")) for _ in range(20)]
        return await asyncio.gather(*same, flights.run("b", lambda: compute("b")))

    assert asyncio.run(run()) == [2] * 21  # both computations had started when each answered
    assert sorted(calls) == ["a", "b"]
    assert asyncio.run(flights.run("a", lambda: compute("a"))) == 3  # done flights are not remembered


def test_the_first_ones_error_is_everyones() -> None:
    flights: SingleFlight[int] = SingleFlight()
    calls = 0

    async def fail() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        raise LookupError("gone")

    async def run() -> list[BaseException | int]:
        return await asyncio.gather(*(flights.run("k", fail) for _ in range(5)), return_exceptions=True)

    answers = asyncio.run(run())
    assert calls == 1 and all(isinstance(a, LookupError) for a in answers)


def test_a_waiter_computes_when_the_first_is_cancelled() -> None:
    flights: SingleFlight[str] = SingleFlight()
    started = 0

    async def compute() -> str:
        nonlocal started
        started += 1
        await asyncio.sleep(0.05)
        return f"computed by #{started}"

    async def run() -> str:
        first = asyncio.create_task(flights.run("k", compute))
        await asyncio.sleep(0.01)
        waiter = asyncio.create_task(flights.run("k", compute))
        await asyncio.sleep(0.01)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        return await waiter

    assert asyncio.run(run()) == "computed by #2"
