"""The Redis list ``celery_failed``: tasks that exhausted their retries, kept for an operator to inspect and
re-enqueue (``tasks.retry_failed``). One JSON object per entry:
``{"task", "task_id", "args", "kwargs", "error_type", "error", "failed_at"}``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import redis
import structlog

from fairedge.tasks.broker import CeleryKeys

log = structlog.get_logger(__name__)

ERROR_MESSAGE_CHARS = 500


@dataclass(frozen=True)
class FailedTask:
    task: str
    task_id: str | None
    args: list[Any]
    kwargs: dict[str, Any]
    error_type: str
    error: str
    failed_at: str  # ISO 8601, UTC

    @classmethod
    def of(
        cls,
        task: str,
        task_id: str | None,
        args: Sequence[Any] | None,
        kwargs: dict[str, Any] | None,
        exc: BaseException,
        at: datetime,
    ) -> FailedTask:
        return cls(
            task=task,
            task_id=task_id,
            args=list(args or ()),
            kwargs=dict(kwargs or {}),
            error_type=type(exc).__name__,
            error=str(exc)[:ERROR_MESSAGE_CHARS],
            failed_at=at.isoformat().replace("+00:00", "Z"),
        )


def record(client: redis.Redis, keys: CeleryKeys, entry: FailedTask) -> None:
    client.rpush(keys.failed, json.dumps(asdict(entry)))


def pending(client: redis.Redis, keys: CeleryKeys) -> list[tuple[str, FailedTask]]:
    """Every readable entry with its text (the handle :func:`remove` needs), oldest first; an entry that is
    not ours (written by hand, another version) is left in the list and logged."""
    entries = []
    for raw in client.lrange(keys.failed, 0, -1):
        try:
            text = raw.decode() if isinstance(raw, bytes) else raw
            entries.append((text, FailedTask(**json.loads(text))))
        except (ValueError, TypeError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            log.warning("celery_failed_unreadable", entry=repr(raw[:200]))
    return entries


def remove(client: redis.Redis, keys: CeleryKeys, text: str) -> None:
    client.lrem(keys.failed, 1, text)
