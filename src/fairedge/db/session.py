"""The request's unit of work: one session per request, admitted before it can hold a connection.

A sync endpoint hops between worker threads of anyio's pool: the endpoint, then the response serialisation,
each wait for one of its 40 tokens. A session holds its pooled connection across those hops, so when more
requests run endpoints than the pool has connections, the endpoints wait on the pool while holding every token
and the sessions that hold the connections wait for a token to finish: nothing moves until the pool times out.
The gate below breaks that cycle: a request waits for a permit in the event loop (no thread, no connection)
before its session exists, and there are ``DB_POOL_SIZE`` permits (the overflow serves the scheduler and the
health checks), so an admitted request finds a free connection. See docs/concurrency.md.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Annotated

import anyio
from fastapi import Depends, Request
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from fairedge.errors import FairEdgeError, UpstreamUnavailable


class DatabaseBusy(UpstreamUnavailable):
    code = "database_busy"


class ClientGone(FairEdgeError):
    """The client hung up while its request queued; nobody will read the answer (nginx's 499)."""

    status_code = 499
    code = "client_closed_request"


class SessionGate:
    """At most ``permits`` requests hold a session at once; the others queue, in order, without a thread."""

    def __init__(self, factory: sessionmaker[Session], *, permits: int, wait_seconds: float) -> None:
        self._factory = factory
        self._permits = anyio.Semaphore(permits)
        # Commit and close run here, never behind endpoints waiting for anyio's default threads; at most
        # ``permits`` sessions exist, so this limiter is never the one that waits.
        self._threads = anyio.CapacityLimiter(permits)
        self._wait_seconds = wait_seconds

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """Hold a permit: wait for one in order, at most ``wait_seconds``, else 503 ``database_busy``."""
        try:
            with anyio.fail_after(self._wait_seconds):
                await self._permits.acquire()
        except TimeoutError:
            raise DatabaseBusy(
                "the database is busy; retry shortly", details={"waited_seconds": self._wait_seconds}
            ) from None
        try:
            yield
        finally:
            self._permits.release()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Session]:
        """Commit on success (before the response is sent), roll back on error, always close."""
        session = self._factory()
        try:
            yield session
        except sa_exc.TimeoutError as exc:  # the pool itself ran dry: other users of the engine
            await self._finish(session, commit=False)
            raise DatabaseBusy("the database is busy; retry shortly") from exc
        except FairEdgeError as exc:
            # Most errors undo the request; a revocation made while refusing (token reuse) must stand.
            await self._finish(session, commit=exc.keeps_writes)
            raise
        except BaseException:
            await self._finish(session, commit=False)
            raise
        await self._finish(session, commit=True)

    async def _finish(self, session: Session, *, commit: bool) -> None:
        if not session.in_transaction():  # never used (a cached answer): nothing to end, no thread needed
            session.close()
            return
        # Shielded: the permit must not come back while the session still holds its connection.
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_close, session, commit, limiter=self._threads)


def _close(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# Where a session is needed only sometimes (a cache miss, a credential not seen lately): how to get one.
SessionOpener = Callable[[], AbstractAsyncContextManager[Session]]


def held(session: Session) -> SessionOpener:
    """An opener for a session the caller already holds (and will end)."""
    return lambda: nullcontext(session)


@asynccontextmanager
async def request_session(request: Request) -> AsyncIterator[Session]:
    """The request's session, admitted through the app's gate (what :data:`SessionDep` gives an endpoint;
    opened directly where a session is needed only sometimes, such as a cache miss)."""
    gate: SessionGate = request.app.state.session_gate
    async with gate.admitted():
        # After a burst, the queue holds requests whose clients gave up: skip them, serve the living. Only
        # reads: the check consumes the request's body message, which an endpoint with a body still needs.
        if request.method in ("GET", "HEAD") and await request.is_disconnected():
            raise ClientGone("the client closed the connection while its request waited")
        async with gate.session() as session:
            yield session


async def get_session(request: Request) -> AsyncIterator[Session]:
    async with request_session(request) as session:
        yield session


# scope="function": commit before the response goes out, so a client never sees a 200 for a lost write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
