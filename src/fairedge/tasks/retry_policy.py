"""Which job failures are retried and after how long: finite, exponential, with jitter."""

from __future__ import annotations

import random

from celery.exceptions import SoftTimeLimitExceeded

from fairedge.errors import FairEdgeError, UpstreamUnavailable

# The longest wait before a retry. It must stay well under the broker's visibility timeout (celery_config.py):
# a retry is a message held by a worker until its countdown ends, redelivered if that outlasts the timeout.
BACKOFF_CAP_SECONDS = 60.0

_RNG = random.Random()


def retryable(exc: BaseException) -> bool:
    """False for errors a second attempt cannot fix: a job past its time budget (the next tick runs it
    anyway), a bad setting or input. Upstream outages, database and network errors are retried."""
    if isinstance(exc, SoftTimeLimitExceeded):
        return False
    return not isinstance(exc, FairEdgeError) or isinstance(exc, UpstreamUnavailable)


def countdown(retries: int, base_seconds: float, rng: random.Random | None = None) -> float:
    """Seconds before attempt ``retries + 2``: ``base · 2^retries`` capped, then "equal jitter" (half fixed,
    half random), so workers that failed together do not retry together yet never retry at once."""
    ceiling = min(BACKOFF_CAP_SECONDS, base_seconds * 2.0**retries)
    return ceiling / 2 + (rng or _RNG).uniform(0, ceiling / 2)
