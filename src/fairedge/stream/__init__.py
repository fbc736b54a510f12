"""The change log behind the live streams (Redis Stream or this process's memory); see log.py."""

from __future__ import annotations

from fairedge.config import Settings
from fairedge.stream.log import (
    STREAM_KEY,
    Batch,
    ChangeLog,
    Entry,
    LogUnavailable,
    MemoryLog,
    RedisLog,
    parse_id,
)

__all__ = [
    "STREAM_KEY",
    "Batch",
    "ChangeLog",
    "Entry",
    "LogUnavailable",
    "MemoryLog",
    "RedisLog",
    "change_log",
    "parse_id",
]


def change_log(settings: Settings) -> ChangeLog:
    """A Redis Stream when ``REDIS_URL`` is set (every process sees every change), else this process's
    memory (embedded: the scheduler and the API share the process)."""
    if settings.REDIS_URL:
        return RedisLog(
            settings.REDIS_URL, key=settings.CACHE_KEY_PREFIX + STREAM_KEY, maxlen=settings.STREAM_LOG_LENGTH
        )
    return MemoryLog(settings.STREAM_LOG_LENGTH)
