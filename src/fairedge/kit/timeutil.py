"""Time helpers: FairEdge works in aware UTC datetimes only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]  # what "now" is: utcnow in production, a fake clock in tests


def utcnow() -> datetime:
    return datetime.now(UTC)
