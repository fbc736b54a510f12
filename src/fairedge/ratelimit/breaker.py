"""A small circuit breaker, so that during a storage outage requests stop waiting for the socket timeout.

Closed: every call goes through. A failure opens it for ``cooldown`` seconds, during which callers are told to
skip the storage. When the cool-down ends exactly one caller is let through as a probe (the others keep
skipping): its success closes the breaker, its failure opens it for another cool-down. Shared by every
request thread of a process, hence the lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CircuitBreaker:
    def __init__(self, cooldown: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._open_until: float | None = None  # None: closed
        self._opened_at = 0.0

    def allow(self) -> bool:
        """May this call use the storage? Claims the probe when the cool-down is over."""
        with self._lock:
            if self._open_until is None:
                return True
            now = self._clock()
            if now < self._open_until:
                return False
            self._open_until = now + self.cooldown  # this caller is the probe; the rest keep skipping
            return True

    def failed(self) -> bool:
        """Record a failure; True when it starts an outage (the breaker was closed)."""
        with self._lock:
            now = self._clock()
            started = self._open_until is None
            if started:
                self._opened_at = now
            self._open_until = now + self.cooldown
            return started

    def succeeded(self) -> float | None:
        """Record a success; the outage's length in seconds when it ends one, else None."""
        with self._lock:
            if self._open_until is None:
                return None
            self._open_until = None
            return self._clock() - self._opened_at

    def seconds_until_probe(self) -> float:
        with self._lock:
            if self._open_until is None:
                return 0.0
            return max(0.0, self._open_until - self._clock())
