"""Concurrent requests for the same thing, in one event loop, share one computation.

Every remembered answer (a cached list, an API key's owner, a subscription's plan) runs out at an instant, and
under load every request in flight misses it at once: without this, each would query the database (a herd of
worker threads and connections every few seconds). With it the first request computes and the others wait for
its answer or its error. Should the first be cancelled (its client hung up), a waiting request computes
instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """Shared by the requests of one process; futures belong to one event loop, so a new loop (tests run
    several in turn) starts afresh."""

    def __init__(self) -> None:
        self._flights: dict[Hashable, asyncio.Future[T]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    async def run(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._flights, self._loop = {}, loop
        flight = self._flights.get(key)
        if flight is not None:
            try:
                return await asyncio.shield(flight)
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if not flight.cancelled() or (current is not None and current.cancelling()):
                    raise
            return await compute()  # the first gave up: on our own
        flight = self._flights[key] = loop.create_future()
        try:
            value = await compute()
        except asyncio.CancelledError:
            flight.cancel()
            raise
        except BaseException as exc:
            flight.set_exception(exc)
            flight.exception()  # retrieved: the waiters raise it; none waiting is no error to report
            raise
        else:
            flight.set_result(value)
            return value
        finally:
            if self._flights.get(key) is flight:
                del self._flights[key]
