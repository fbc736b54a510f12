"""The plan each caller's subscription grants, as the data API's access check reads it.

Remembered per process for ``PLAN_CACHE_SECONDS``: the access check runs on every data request and must not
take a worker thread and a query each time. A webhook that changes a subscription is seen by every process
within that bound (the grace period and period ends are dated in days, so seconds do not matter).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from functools import partial

import anyio
from sqlalchemy.orm import Session, sessionmaker

from fairedge.billing.subscriptions import subscribed_plan
from fairedge.config import Settings
from fairedge.kit.singleflight import SingleFlight

MAX_ENTRIES = 50_000  # callers remembered at once; past it the memory starts over


class SubscribedPlans:
    def __init__(
        self, factory: sessionmaker[Session], settings: Settings, clock: Callable[[], datetime]
    ) -> None:
        self._factory = factory
        self._settings = settings
        self._clock = clock
        self._entries: dict[int, tuple[float, str | None]] = {}
        self._flights: SingleFlight[str | None] = SingleFlight()

    async def plan_of(self, user_id: int) -> str | None:
        """The plan the user's subscription grants now (None: none does)."""
        ttl = self._settings.PLAN_CACHE_SECONDS
        entry = self._entries.get(user_id)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        # A caller's requests in flight all miss at the same instant: one of them reads.
        plan = await self._flights.run(user_id, partial(anyio.to_thread.run_sync, self._lookup, user_id))
        if ttl > 0:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[user_id] = (time.monotonic() + ttl, plan)
        return plan

    def _lookup(self, user_id: int) -> str | None:
        with self._factory() as session:
            return subscribed_plan(session, self._settings, user_id, self._clock())
