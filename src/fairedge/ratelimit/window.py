"""Sliding-window-counter arithmetic: what is used, and when capacity comes back.

The ``limits`` sliding window counter keeps two counts per key. The previous window's count weighs in
proportion to the time it has left (``previous_ttl / expiry``); the current count weighs fully until the
current window ends, ``current_ttl - expiry`` seconds from now, when it becomes the previous one and starts
to fade. A request of ``cost`` passes when
``floor(previous * previous_ttl / expiry) + current + cost <= limit`` (the storage's own rule, in the Redis
Lua script and in memory alike). Both storages report these four numbers; this module
answers the questions the storage does not: how long until a refused request would pass (``Retry-After``)
and until the full quota is back (``RateLimit-Reset``), assuming nobody else spends from the bucket meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import floor, inf


@dataclass(frozen=True)
class Window:
    previous_count: int
    previous_ttl: float  # seconds the previous window still weighs
    current_count: int
    current_ttl: float  # seconds until the current count is forgotten (it turns "previous" at ttl - expiry)

    def used(self, expiry: float) -> int:
        return floor(self.previous_count * self.previous_ttl / expiry) + self.current_count

    def seconds_until_available(self, expiry: float, limit: int, cost: int) -> float:
        """Seconds until ``cost`` more fits under ``limit``; with ``cost=limit``, until the quota is whole."""
        if cost > limit:
            raise ValueError(f"cost {cost} can never fit a limit of {limit}")
        # Before the shift the current count stands and the previous one fades: floor(p*(ttl-t)/E) <= room.
        room = limit - cost - self.current_count
        before_shift = inf
        if room >= 0:
            before_shift = 0.0
            if self.previous_count:
                before_shift = max(0.0, self.previous_ttl - (room + 1) * expiry / self.previous_count)
        if not self.current_count:
            return before_shift  # finite: with nothing current, room >= 0
        shift = max(0.0, self.current_ttl - expiry)
        if before_shift < shift:
            return before_shift
        # After the shift only the old current count remains, fading over one expiry: c*(E-u)/E < L-cost+1.
        fade = expiry * (1 - (limit - cost + 1) / self.current_count)
        return shift + max(0.0, fade)
