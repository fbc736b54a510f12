"""The change log behind the live streams: a Redis Stream shared by every process, or this process's memory.

Jobs append one entry per change of a board after their commit (:meth:`ChangeLog.publish`, synchronous: the
scheduler's thread, a Celery worker). Each API process reads the entries after an id (:meth:`ChangeLog.read`,
async, blocking a short while for new ones) and fans them out to its open streams. Entry ids grow with time
(``<milliseconds>-<sequence>``, Redis' own format in both backends) and are the streams' SSE event ids, so a
client that reconnects with ``Last-Event-ID`` is given the entries after it; one the log no longer holds (it
was trimmed past it) or never held (a newer id than the log's last: the log was lost) reads as a reset.

Redis: ``XADD <key> MAXLEN ~ n`` (pub/sub fan-out that also keeps the recent past for resumes), ``XREAD
BLOCK`` from an async client per event loop, short timeouts; ``XINFO STREAM`` tells an id older than the
oldest entry held once the stream was trimmed. Memory: a bounded deque behind a lock (the embedded
scheduler publishes from its thread), readers in the event loop woken through ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import orjson
import redis
import redis.asyncio as aredis
import structlog
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.retry import Retry

log = structlog.get_logger(__name__)

STREAM_KEY = "fairedge:stream:opportunities"
READ_COUNT = 100  # entries per read at most
MAX_BLOCK_SECONDS = 10.0  # a blocking read waits at most this long
# One reconnect, at once, for a pooled connection a past outage left broken; never a retry after a timeout.
RECONNECT_ON: tuple[type[redis.RedisError], ...] = (redis.ConnectionError,)
EntryId = tuple[int, int]


class LogUnavailable(Exception):
    """The log could not be read (Redis down or hung); the caller retries with backoff."""


def parse_id(text: str | bytes | None) -> EntryId | None:
    """``<ms>-<seq>`` as a pair, or None when ``text`` is not an entry id."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    if not text:
        return None
    ms, _, seq = text.strip().partition("-")
    if not ms.isdigit() or not (seq or "0").isdigit():
        return None
    return int(ms), int(seq or "0")


def format_id(entry_id: EntryId) -> str:
    return f"{entry_id[0]}-{entry_id[1]}"


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Batch:
    """Entries after the id asked for, oldest first; ``reset``: that id is outside the log (entries after it
    are lost), and ``entries`` is empty."""

    entries: list[Entry] = field(default_factory=list)
    reset: bool = False


class ChangeLog(Protocol):
    @property
    def kind(self) -> Literal["redis", "memory"]: ...

    def publish(self, data: dict[str, Any]) -> str | None:
        """Append an entry (JSON-able ``data``); its id, or None when the log is unavailable (logged)."""
        ...

    async def last_id(self) -> str:
        """The newest entry's id (or the log's starting point when it holds none)."""
        ...

    async def read(self, after: str, *, block_seconds: float = 0.0) -> Batch:
        """Entries after ``after``; waits up to ``block_seconds`` for one when there are none yet."""
        ...

    def close(self) -> None: ...


class MemoryLog:
    """The last ``maxlen`` entries in this process (embedded mode)."""

    kind: Literal["memory"] = "memory"

    def __init__(self, maxlen: int) -> None:
        self._maxlen = maxlen
        self._lock = threading.Lock()
        self._entries: deque[tuple[EntryId, Entry]] = deque()
        # Ids up to the floor are not held (before this log began, or trimmed): reading after one resets.
        self._floor: EntryId = (int(time.time() * 1000), 0)
        self._last: EntryId = self._floor
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def publish(self, data: dict[str, Any]) -> str:
        with self._lock:
            ms = max(int(time.time() * 1000), self._last[0])
            entry_id = (ms, self._last[1] + 1 if ms == self._last[0] else 0)
            entry = Entry(format_id(entry_id), orjson.loads(orjson.dumps(data)))  # as Redis would give it
            self._entries.append((entry_id, entry))
            if len(self._entries) > self._maxlen:
                self._floor = self._entries.popleft()[0]
            self._last = entry_id
            waiters = list(self._waiters)
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that loop has closed; its reader is gone
                with self._lock:
                    self._waiters.discard((loop, event))
        return entry.id

    async def last_id(self) -> str:
        with self._lock:
            return format_id(self._last)

    def _after(self, after: EntryId | None) -> Batch | None:
        with self._lock:
            if after is None or after < self._floor or after > self._last:
                return Batch(reset=True)
            found = [entry for entry_id, entry in self._entries if entry_id > after][:READ_COUNT]
        return Batch(found) if found else None

    async def read(self, after: str, *, block_seconds: float = 0.0) -> Batch:
        parsed = parse_id(after)
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:  # before looking: a publish in between still wakes this reader
            self._waiters.add(waiter)
        try:
            found = self._after(parsed)
            if found is None and block_seconds > 0:
                try:
                    await asyncio.wait_for(waiter[1].wait(), block_seconds)
                except TimeoutError:
                    return Batch()
                found = self._after(parsed)
            return found or Batch()
        finally:
            with self._lock:
                self._waiters.discard(waiter)

    def close(self) -> None:
        return None


class RedisLog:
    """A Redis Stream shared by every process (production mode)."""

    kind: Literal["redis"] = "redis"

    def __init__(self, url: str, *, key: str = STREAM_KEY, maxlen: int, timeout_seconds: float = 1.0) -> None:
        self.key = key
        self._url = url
        self._maxlen = maxlen
        self._timeout = timeout_seconds
        self._client = redis.Redis.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            retry=Retry(NoBackoff(), 1, supported_errors=RECONNECT_ON),
        )
        # Async clients per event loop (one per API process; tests may run several loops): one for short
        # calls, one for blocking reads, whose socket timeout covers the block.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._clients: tuple[aredis.Redis, aredis.Redis] | None = None

    def publish(self, data: dict[str, Any]) -> str | None:
        try:
            entry_id: Any = self._client.xadd(
                self.key, {"d": orjson.dumps(data)}, maxlen=self._maxlen, approximate=True
            )
        except redis.RedisError as exc:
            # The board is committed; streams miss this change and are reset when their reader recovers.
            log.warning("stream_publish_failed", error_type=type(exc).__name__)
            return None
        return str(entry_id.decode())

    def _async(self, *, blocking: bool = False) -> aredis.Redis:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._clients is None:
            self._clients = tuple(  # type: ignore[assignment]
                aredis.Redis.from_url(
                    self._url,
                    socket_connect_timeout=self._timeout,
                    socket_timeout=self._timeout + wait,
                    retry=AsyncRetry(NoBackoff(), 1, supported_errors=RECONNECT_ON),
                )
                for wait in (0.0, MAX_BLOCK_SECONDS)
            )
            self._loop = loop
        assert self._clients is not None
        return self._clients[1 if blocking else 0]

    async def _info(self, client: aredis.Redis) -> tuple[EntryId, EntryId]:
        """(newest id, oldest id still held once some were trimmed, else (0, 0)); a stream that does not
        exist holds nothing and lost nothing."""
        try:
            info: dict[str, Any] = await client.xinfo_stream(self.key)
        except redis.ResponseError:  # no such key
            return (0, 0), (0, 0)
        last = parse_id(info.get("last-generated-id")) or (0, 0)
        first = info.get("first-entry")
        trimmed = int(info.get("entries-added") or 0) > int(info.get("length") or 0)
        held_from = parse_id(first[0]) if trimmed and first else None
        return last, held_from or (0, 0)

    async def last_id(self) -> str:
        try:
            last, _ = await self._info(self._async())
        except (redis.RedisError, OSError) as exc:
            raise LogUnavailable(type(exc).__name__) from exc
        return format_id(last)

    async def read(self, after: str, *, block_seconds: float = 0.0) -> Batch:
        parsed = parse_id(after)
        if parsed is None:
            return Batch(reset=True)
        block = int(min(block_seconds, MAX_BLOCK_SECONDS) * 1000) if block_seconds > 0 else None
        client = self._async()
        try:
            # Bounded here too: the blocking client's socket timeout is the longest block's.
            found: Any = await asyncio.wait_for(
                self._async(blocking=block is not None).xread(
                    {self.key: format_id(parsed)}, count=READ_COUNT, block=block
                ),
                self._timeout + (block or 0) / 1000,
            )
            # After the read: entries trimmed before it are seen here (entries-added beyond the length,
            # Redis 7). Once trimmed, an id before the oldest entry held has lost what followed it (at worst
            # none: the entry right after it was the oldest trimmed, and the resume resets needlessly).
            last, held_from = await self._info(client)
        except (redis.RedisError, OSError, TimeoutError) as exc:
            raise LogUnavailable(type(exc).__name__) from exc
        if parsed < held_from or parsed > last:
            return Batch(reset=True)
        entries = [
            Entry(entry_id.decode(), orjson.loads(fields[b"d"]))
            for _, stream_entries in found or ()
            for entry_id, fields in stream_entries
        ]
        return Batch(entries)

    def close(self) -> None:
        # The async client is left to its loop, which has ended by the time the process closes the log.
        self._client.close()
