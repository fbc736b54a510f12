"""The live stream of the opportunity board: every change as server-sent events, as the caller's plan and
filters show the list.

Jobs append one change log entry (``stream/``) per scan and per expiry run that changed the board, after
their commit: ids only, by kind of change (:func:`scan_entry`, :func:`expiry_entry`). In each API process one
reader task (:class:`Hub`) follows the log, loads the changed rows once per entry (one lean query, the list's
plain columns) and hands the loaded :class:`Change` to every open stream's bounded queue. Each stream
(:class:`View`) applies its own filters and plan, with the list's rules (``service.stream_verdict``), and
keeps what its client holds:

- ``opened`` / ``updated``: one item, the list's item shape; a row that stops matching (its values changed)
  leaves with ``ended`` reason ``filtered``. A delayed plan's new row is held until ``first_seen + delay``
  (updates replace it, an end drops it), then opened.
- ``ended``: ``{"id", "reason"}`` for ids the client holds: ``gone``/``stale``/``started`` from the scan and
  the expiry job, and by time alone (its event starts, its quotes pass the age limit or the stream's
  ``max_age_seconds``) when that comes before the expiry job, so the stream never shows what the list would
  not.
- ``confirmed``: ``{"confirmed_at", "ids"}``, the ids the client holds whose quotes were confirmed again at
  that instant, values unchanged: ages stay exact without resending rows.
- The cap: at most ``min(plan.max_results, limit)`` open at once; a slot freed by an end goes to the next
  row opened or updated while there is room (the stream does not query for the list's next best).
- ``hidden``: the list's ``hidden`` object (what the plan withholds, by reason), sent whenever it changes: a
  scan brings rows the plan delays or leaves out, a delay ends. Read from the list as it is served (the cache:
  one entry per plan and filters, shared by every stream that asks), so it is the list's count, never a
  second one; a read that fails (the database down) is skipped and the next change tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import anyio
import orjson
import structlog
from sqlalchemy import Row
from sqlalchemy.orm import Session, sessionmaker

from fairedge.billing.plans import Plan
from fairedge.cache import AgedJson, Cache, Since
from fairedge.db.session import held
from fairedge.errors import UpstreamUnavailable
from fairedge.kit.timeutil import Clock
from fairedge.observability import metrics
from fairedge.opportunities import listing, service
from fairedge.opportunities.entitlement import Entitlement
from fairedge.opportunities.service import OpportunityFilter
from fairedge.stream import Batch, ChangeLog, Entry, LogUnavailable, parse_id

log = structlog.get_logger(__name__)

DEFAULT_LIMIT = 2000
MAX_LIMIT = 5000
READ_BLOCK_SECONDS = 5.0  # the reader's blocking read; short, so an outage is noticed soon
BACKOFF_SECONDS = (0.2, 5.0)  # the reader's reconnect backoff, first and longest (with jitter)
RESET_SNAPSHOTS_AT_ONCE = 4  # snapshots recomputed at once after a reset (each a worker thread)


# The jobs' side: one entry per change of the board, after the commit.


def scan_entry(changes: Any) -> dict[str, Any] | None:
    """A scan's changes (``repository.ReplaceStats``) as a log entry; None when it changed nothing."""
    confirmed: dict[str, list[int]] = {}
    for oid, at in changes.confirmed:
        confirmed.setdefault(at.isoformat(), []).append(oid)
    entry = {
        "opened": changes.opened,
        "updated": changes.changed,
        "confirmed": sorted(confirmed.items()),
        "ended": changes.ended,
    }
    return entry if any(entry.values()) else None


def expiry_entry(ended: Sequence[tuple[int, str]]) -> dict[str, Any] | None:
    return {"opened": [], "updated": [], "confirmed": [], "ended": list(ended)} if ended else None


def publish(changes: ChangeLog, entry: dict[str, Any] | None) -> None:
    if entry is not None:
        changes.publish(entry)


# The reader's side: entries loaded once per process.


@dataclass(frozen=True, slots=True)
class Change:
    """One log entry with its opened and updated rows loaded, shared by every stream."""

    id: str
    rows: dict[int, Row[Any]]
    opened: tuple[int, ...]
    updated: tuple[int, ...]
    confirmed: tuple[tuple[datetime, tuple[int, ...]], ...]
    ended: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class Reset:
    """Entries were lost (the log was trimmed past a position, or unavailable): streams start over."""

    reason: str


def _ids(entry: Entry, with_ended: bool) -> set[int]:
    ids = {*entry.data.get("opened", ()), *entry.data.get("updated", ())}
    return ids | {oid for oid, _ in entry.data.get("ended", ())} if with_ended else ids


def load(session: Session, entries: Sequence[Entry], *, with_ended: bool = False) -> list[Change]:
    """Entries with their opened and updated rows (and ended ones: a resume's scope check), in one query
    for all of them."""
    found = service.changed_rows(session, sorted(set().union(*(_ids(e, with_ended) for e in entries))))
    rows = {row.id: row for row in found}
    changes = []
    for e in entries:
        wanted = _ids(e, with_ended)
        changes.append(
            Change(
                e.id,
                {oid: rows[oid] for oid in wanted if oid in rows},
                tuple(e.data.get("opened", ())),
                tuple(e.data.get("updated", ())),
                tuple((datetime.fromisoformat(at), tuple(ids)) for at, ids in e.data.get("confirmed", ())),
                tuple((int(oid), str(reason)) for oid, reason in e.data.get("ended", ())),
            )
        )
    return changes


# One stream: the client's view of the board.


def sse(event: str, data: Any, event_id: str | None = None) -> bytes:
    """One server-sent event; ``data`` is JSON (bytes already serialised are sent as they are)."""
    body = data if isinstance(data, bytes) else orjson.dumps(data, option=orjson.OPT_UTC_Z)
    head = f"id: {event_id}\n" if event_id else ""
    metrics.STREAM_EVENTS.labels(event=event).inc()
    return f"{head}event: {event}\ndata: ".encode() + body + b"\n\n"


HEARTBEAT = b": heartbeat\n\n"


@dataclass(frozen=True, slots=True)
class StreamQuery:
    filters: OpportunityFilter
    plan: Plan
    limit: int

    @property
    def cap(self) -> int:
        """At most this many open at once: the snapshot's size and the stream's bound."""
        return self.limit if self.plan.max_results is None else min(self.limit, self.plan.max_results)

    def list_query(self) -> listing.ListQuery:
        return listing.ListQuery.build(self.filters, self.plan, sort="ev", offset=0, limit=self.cap)

    def hidden_query(self) -> listing.ListQuery:
        """A one-row page of the same list: its ``hidden`` is the whole list's (a page does not change it)."""
        return replace(self.list_query(), limit=1)


@dataclass(frozen=True, slots=True)
class Leaving:
    """When an open opportunity leaves by time alone, and why."""

    at: datetime
    reason: str


NEVER = datetime.max.replace(tzinfo=UTC)


def _item_from_row(row: Row[Any], confirmed_at: datetime | None = None) -> dict[str, Any]:
    """The list's item for ``row``; ``confirmed_at``: confirmed again since the row was loaded."""
    item = listing.row_item(row)
    if confirmed_at is not None and confirmed_at != row.confirmed_at:
        item["confirmed_at"] = confirmed_at
        item["quote_age_seconds"] = Since(confirmed_at.timestamp())
    return item


def _instants(item: dict[str, Any]) -> tuple[datetime, datetime]:
    """An item's (start, confirmed_at), from its JSON."""
    return datetime.fromisoformat(item["event"]["commence_time"]), datetime.fromisoformat(
        item["confirmed_at"]
    )


def _render(item: dict[str, Any], now: datetime) -> bytes:
    """An item with its ages at ``now``."""
    return AgedJson.dump(item, computed_at=now.timestamp()).render(now.timestamp())


@dataclass
class View:
    """What one client holds, and the rules that change it."""

    query: StreamQuery
    max_age_seconds: float
    open: dict[int, tuple[datetime, datetime]] = field(default_factory=dict)  # id → (start, confirmed_at)
    # Held for the plan's delay: id → (when it shows, the row, its latest confirmation).
    pending: dict[int, tuple[datetime, Row[Any], datetime]] = field(default_factory=dict)
    hidden: bytes = b"null"  # the last ``hidden`` the client was sent (JSON)

    def leaving(self, commence_time: datetime, confirmed_at: datetime) -> Leaving:
        stale_after = self.max_age_seconds
        if self.query.filters.max_age_seconds is not None:
            stale_after = min(stale_after, self.query.filters.max_age_seconds)
        stale = confirmed_at + timedelta(seconds=stale_after)
        return Leaving(commence_time, "started") if commence_time <= stale else Leaving(stale, "stale")

    def start(self, items: Iterable[dict[str, Any]], delayed: Iterable[Row[Any]], hidden: bytes) -> None:
        """Begin from a snapshot's items (JSON as sent), the rows its plan's delay holds back and what it
        said is hidden."""
        self.open = {int(item["id"]): _instants(item) for item in items}
        self.hidden = hidden
        delay = timedelta(seconds=self.query.plan.delay_seconds)
        self.pending = {row.id: (row.first_seen + delay, row, row.confirmed_at) for row in delayed}

    def _entitlement(self, now: datetime) -> Entitlement:
        return Entitlement(self.query.plan, now)

    def _offer(self, row: Row[Any], now: datetime, event_id: str, out: list[bytes]) -> None:
        """A row opened or updated on the board: open, update, hold or drop it for this client."""
        oid = row.id
        verdict = service.stream_verdict(
            self.query.filters, self._entitlement(now), row, now=now, max_age_seconds=self.max_age_seconds
        )
        if verdict is None:
            self.pending.pop(oid, None)
            if self.open.pop(oid, None) is not None:
                out.append(sse("ended", {"id": oid, "reason": "filtered"}, event_id))
            return
        if verdict == "delay":
            due = row.first_seen + timedelta(seconds=self.query.plan.delay_seconds)
            self.pending[oid] = (due, row, row.confirmed_at)
            return
        item = _render(_item_from_row(row), now)
        if oid in self.open:
            self.open[oid] = (row.commence_time, row.confirmed_at)
            out.append(sse("updated", item, event_id))
        elif len(self.open) < self.query.cap:
            self.open[oid] = (row.commence_time, row.confirmed_at)
            out.append(sse("opened", item, event_id))

    def apply(self, change: Change, now: datetime) -> list[bytes]:
        out: list[bytes] = []
        for oid, reason in change.ended:  # first: the slots they free may go to rows opened alongside
            self.pending.pop(oid, None)
            if self.open.pop(oid, None) is not None:
                out.append(sse("ended", {"id": oid, "reason": reason}, change.id))
        for oid in (*change.opened, *change.updated):
            row = change.rows.get(oid)
            if row is not None and row.active:
                self._offer(row, now, change.id, out)
        for at, ids in change.confirmed:
            held = []
            for oid in ids:
                if (instants := self.open.get(oid)) is not None:
                    held.append(oid)
                    self.open[oid] = (instants[0], at)
                elif oid in self.pending:
                    due, row, _ = self.pending[oid]
                    self.pending[oid] = (due, row, at)
            if held:
                out.append(sse("confirmed", {"confirmed_at": at, "ids": held}, change.id))
        return out

    def tick(self, now: datetime) -> list[bytes]:
        """What time alone changes: opportunities whose event starts or whose quotes age out leave, held
        ones whose delay is over open (while there is room)."""
        out: list[bytes] = []
        for oid, instants in list(self.open.items()):
            leaving = self.leaving(*instants)
            if now >= leaving.at:
                del self.open[oid]
                out.append(sse("ended", {"id": oid, "reason": leaving.reason}))
        for oid, (due, row, confirmed_at) in sorted(self.pending.items(), key=lambda kv: kv[1][0]):
            if due > now:
                continue
            del self.pending[oid]
            if now < self.leaving(row.commence_time, confirmed_at).at and len(self.open) < self.query.cap:
                self.open[oid] = (row.commence_time, confirmed_at)
                out.append(sse("opened", _render(_item_from_row(row, confirmed_at), now)))
        return out

    def next_tick(self) -> datetime | None:
        instants = [self.leaving(*held).at for held in self.open.values()]
        instants += [due for due, _, _ in self.pending.values()]
        return min(instants, default=None)


# The process's reader and its streams.


class StreamsFull(UpstreamUnavailable):
    code = "streams_full"


@dataclass(eq=False)
class Subscription:
    queue: asyncio.Queue[Change | Reset]
    since: str | None  # the reader's position when it subscribed: later entries come through the queue
    overflowed: bool = False
    task: asyncio.Task[Any] | None = None  # the task sending the stream, ended when it falls behind

    def overflow(self) -> None:
        """Too far behind (its client does not read): stop queuing and end the stream, even while it waits
        to send (the socket full), rather than buffer for it."""
        self.overflowed = True
        metrics.STREAM_EVENTS.labels(event="overflow").inc()
        log.warning("stream_overflow")
        if self.task is not None:
            self.task.cancel()


class Hub:
    """One per API process: follows the change log while streams are open, loads each entry once and hands
    it to every stream's queue (a stream that lets its queue fill is marked, and ends)."""

    def __init__(
        self,
        changes: ChangeLog,
        sessions: sessionmaker[Session],
        *,
        max_connections: int,
        queue_size: int,
    ) -> None:
        self.log = changes
        self.sessions = sessions
        self.max_connections = max_connections
        self.queue_size = queue_size
        self.position: str | None = None
        self.subscribers: set[Subscription] = set()
        self._reader: asyncio.Task[None] | None = None
        self.snapshots = anyio.CapacityLimiter(RESET_SNAPSHOTS_AT_ONCE)

    async def subscribe(self) -> Subscription:
        if len(self.subscribers) >= self.max_connections:
            raise StreamsFull(
                f"this process serves {self.max_connections} live streams already; retry shortly",
                details={"max_connections": self.max_connections},
                headers={"Retry-After": "5"},
            )
        if self._reader is None or self._reader.done():
            try:
                self.position = await self.log.last_id()
            except LogUnavailable:
                self.position = None  # the reader finds it when the log returns, and resets everyone
            self._reader = asyncio.get_running_loop().create_task(self._run(), name="stream-reader")
        sub = Subscription(asyncio.Queue(self.queue_size), self.position)
        self.subscribers.add(sub)
        metrics.STREAM_CONNECTIONS.inc()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if sub in self.subscribers:
            self.subscribers.discard(sub)
            metrics.STREAM_CONNECTIONS.dec()
        if not self.subscribers and self._reader is not None:
            self._reader.cancel()  # nobody listens: the next stream starts a reader again
            self._reader = None

    def _broadcast(self, item: Change | Reset) -> None:
        for sub in list(self.subscribers):
            if sub.overflowed:
                continue
            try:
                sub.queue.put_nowait(item)
            except asyncio.QueueFull:
                sub.overflow()

    async def _run(self) -> None:
        delay = BACKOFF_SECONDS[0]
        lost = self.position is None
        while True:
            try:
                if lost:
                    self.position = await self.log.last_id()
                    log.info("stream_log_recovered")
                    self._broadcast(Reset("log_unavailable"))  # changes published meanwhile are lost
                    lost = False
                assert self.position is not None
                batch: Batch = await self.log.read(self.position, block_seconds=READ_BLOCK_SECONDS)
            except LogUnavailable as exc:
                if not lost:
                    log.warning("stream_log_unavailable", error_type=str(exc))
                lost = True
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                delay = min(delay * 2, BACKOFF_SECONDS[1])
                continue
            except Exception:  # never leave the streams without a reader: log, wait, start over
                log.exception("stream_reader_failed")
                lost = True
                await asyncio.sleep(BACKOFF_SECONDS[1])
                continue
            delay = BACKOFF_SECONDS[0]
            if batch.reset:
                self.position = await self._last_or_none()
                lost = self.position is None
                self._broadcast(Reset("log_trimmed"))
                continue
            if batch.entries:
                try:
                    changes = await self._load(batch.entries)
                except Exception as exc:  # the database is down: try again, streams wait
                    log.warning("stream_load_failed", error_type=type(exc).__name__)
                    await asyncio.sleep(delay)
                    continue
                for change in changes:
                    self._broadcast(change)
                self.position = batch.entries[-1].id

    async def _last_or_none(self) -> str | None:
        try:
            return await self.log.last_id()
        except LogUnavailable:
            return None

    async def _load(self, entries: Sequence[Entry], *, with_ended: bool = False) -> list[Change]:
        def run() -> list[Change]:
            with self.sessions() as session:
                return load(session, entries, with_ended=with_ended)

        return await anyio.to_thread.run_sync(run)

    async def backlog(self, after: str, until: str | None) -> list[Change] | None:
        """The entries after ``after`` up to ``until`` (a subscription's start), loaded; None when ``after``
        is outside the log (or the log is unavailable): the stream resets."""
        upto = parse_id(until)
        if upto is None:
            return None
        entries: list[Entry] = []
        position = after
        while (parsed := parse_id(position)) is not None and parsed < upto:
            try:
                batch = await self.log.read(position)
            except LogUnavailable:
                return None
            if batch.reset:
                return None
            fresh = [e for e in batch.entries if (parse_id(e.id) or (0, 0)) <= upto]
            entries += fresh
            if len(fresh) < len(batch.entries) or not batch.entries:
                break
            position = batch.entries[-1].id
        if parse_id(after) is None:
            return None
        return await self._load(entries, with_ended=True) if entries else []


# Snapshots: the list's answer, as the list serves it (from the cache while it holds).


@dataclass(frozen=True, slots=True)
class Snapshot:
    event: bytes  # the ``snapshot`` event
    items: list[dict[str, Any]]
    delayed: Sequence[Row[Any]]
    hidden: bytes  # its ``hidden``, as JSON


async def snapshot(
    cache: Cache,
    session: Session,
    query: StreamQuery,
    *,
    now: datetime,
    max_age_seconds: float,
    event_id: str | None,
    limiter: anyio.CapacityLimiter | None = None,
) -> Snapshot:
    """The list's first page for the stream's filters and plan, ``cap`` long, and the rows its delay holds."""
    body = await listing.serve(
        cache,
        held(session),
        query.list_query(),
        now=now,
        max_age_seconds=max_age_seconds,
    )
    document = orjson.loads(body)
    delayed: Sequence[Row[Any]] = []
    if query.plan.delay_seconds > 0:
        delayed = await anyio.to_thread.run_sync(
            partial(
                service.delayed_rows,
                session,
                query.list_query().filters,
                query.plan,
                now=now,
                max_age_seconds=max_age_seconds,
            ),
            limiter=limiter,
        )
    data = orjson.dumps({"items": document["items"], "hidden": document["hidden"]})
    return Snapshot(
        sse("snapshot", data, event_id), document["items"], delayed, orjson.dumps(document["hidden"])
    )


@dataclass
class Stream:
    """One open stream: its subscription, its view, and how it begins."""

    hub: Hub
    sub: Subscription
    view: View
    cache: Cache
    clock: Clock
    heartbeat_seconds: float
    first: list[bytes]

    async def _reset(self, reason: str) -> list[bytes]:
        """Start over: a ``reset`` event and a fresh snapshot, read with a session of the stream's own."""
        async with self._session() as session:
            fresh = await snapshot(
                self.cache,
                session,
                self.view.query,
                now=self.clock(),
                max_age_seconds=self.view.max_age_seconds,
                event_id=self.hub.position,
                limiter=self.hub.snapshots,
            )
        self.view.start(fresh.items, fresh.delayed, fresh.hidden)
        return [sse("reset", {"reason": reason}), fresh.event]

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[Session]:
        """A session of the stream's own (the request's has closed), closed in a worker thread."""
        session = self.hub.sessions()
        try:
            yield session
        finally:
            await anyio.to_thread.run_sync(session.close, limiter=self.hub.snapshots)

    async def _hidden(self, now: datetime) -> list[bytes]:
        """A ``hidden`` event if what the plan withholds is no longer what the client was last told."""
        try:
            body = await listing.serve(
                self.cache,
                self._session,
                self.view.query.hidden_query(),
                now=now,
                max_age_seconds=self.view.max_age_seconds,
            )
        except Exception as exc:  # the database or cache is out: the next change asks again
            log.warning("stream_hidden_unavailable", error_type=type(exc).__name__)
            return []
        hidden = orjson.dumps(orjson.loads(body)["hidden"])
        if hidden == self.view.hidden:
            return []
        self.view.hidden = hidden
        return [sse("hidden", hidden)]

    async def events(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        last_sent = loop.time()
        self.sub.task = asyncio.current_task()
        try:
            for chunk in self.first:
                yield chunk
            while True:
                if self.sub.overflowed:  # too far behind: reconnecting resumes from the last id it got
                    return
                wait = self.heartbeat_seconds - (loop.time() - last_sent)
                next_tick = self.view.next_tick()
                if next_tick is not None:
                    wait = min(wait, (next_tick - self.clock()).total_seconds())
                item: Change | Reset | None = None
                with contextlib.suppress(TimeoutError):
                    item = await asyncio.wait_for(self.sub.queue.get(), max(wait, 0.0))
                now = self.clock()
                out: list[bytes] = []
                pending_before = len(self.view.pending)
                if isinstance(item, Reset):
                    out += await self._reset(item.reason)
                elif item is not None:
                    out += self.view.apply(item, now)
                out += self.view.tick(now)
                changed = isinstance(item, Change) or len(self.view.pending) != pending_before
                if changed and self.view.query.plan.withholds:
                    out += await self._hidden(now)  # the board or the delay changed what the plan withholds
                if not out and loop.time() - last_sent >= self.heartbeat_seconds:
                    out.append(HEARTBEAT)
                if out:
                    yield b"".join(out)  # one write per change: a client never gets half of one
                    last_sent = loop.time()
        finally:
            self.hub.unsubscribe(self.sub)


async def open_stream(
    hub: Hub,
    cache: Cache,
    session: Session,
    query: StreamQuery,
    *,
    clock: Clock,
    max_age_seconds: float,
    heartbeat_seconds: float,
    last_event_id: str | None,
) -> Stream:
    """Subscribe, then read where the client starts: a snapshot (no ``Last-Event-ID``, or one outside the
    log: a ``reset`` first), or the entries it missed. Read with the request's session, which closes once
    the stream has begun."""
    service.check_filter(query.filters)
    sub = await hub.subscribe()
    try:
        now = clock()
        view = View(query, max_age_seconds)
        first: list[bytes] = []
        backlog = None
        if last_event_id is not None:
            backlog = await hub.backlog(last_event_id, sub.since)
        current = await snapshot(
            cache, session, query, now=now, max_age_seconds=max_age_seconds, event_id=sub.since
        )
        if backlog is None:
            if last_event_id is not None:
                first.append(sse("reset", {"reason": "unknown_last_event_id"}))
            first.append(current.event)
            view.start(current.items, current.delayed, current.hidden)
        else:
            first += _resume(view, current, backlog, now)
        return Stream(hub, sub, view, cache, clock, heartbeat_seconds, first)
    except BaseException:
        hub.unsubscribe(sub)
        raise


def _resume(view: View, current: Snapshot, backlog: Sequence[Change], now: datetime) -> list[bytes]:
    """The events a client missed since its ``Last-Event-ID``: the entries after it, applied to what it held
    then, which is today's list without what those entries opened and with what they ended."""
    opened = {oid for change in backlog for oid in change.opened}
    held = [item for item in current.items if int(item["id"]) not in opened]
    view.start(held, current.delayed, current.hidden)
    f, ent = view.query.filters, Entitlement(view.query.plan, now)
    for change in backlog:
        for oid, _ in change.ended:
            row = change.rows.get(oid)
            scope = row is not None and service.stream_verdict(
                f, ent, row, now=now, max_age_seconds=view.max_age_seconds, live=False
            )
            if scope and oid not in view.open:
                view.open[oid] = (NEVER, NEVER)  # it may have been held; its end is sent
    out: list[bytes] = []
    for change in backlog:
        out += view.apply(change, now)
    # Today's list also holds what the entries did not say: held ones that came out of the delay meanwhile.
    for item in current.items:
        oid = int(item["id"])
        if oid not in view.open and len(view.open) < view.query.cap:
            view.open[oid] = _instants(item)
            out.append(sse("opened", orjson.dumps(item)))
    # What the plan withholds now: the client's own may be from before it lost the connection.
    return [*out, *view.tick(now), sse("hidden", current.hidden)]
