"""The request session: admitted before it can hold a connection, committed before the response is sent.

The starvation these tests guard against needs more concurrent requests than worker threads and pooled
connections: anyio's thread limiter is shrunk to 3 tokens and the pool to 2 connections, so 60 requests are
far more than either, as 200 clients are against 40 threads and 15 connections in production.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Engine, text
from starlette.types import Message

from conftest import make_settings
from fairedge.app import create_app
from fairedge.db.engine import make_engine, make_session_factory
from fairedge.deps import SessionDep
from fairedge.errors import InvalidInput
from fairedge.runtime import Runtime


class Answer(BaseModel):
    value: int


def _app(engine: Engine, *, wait_seconds: float = 10.0) -> FastAPI:
    # The real application (its error handlers, its gate) plus three probe routes, under /api/: the built web
    # app's mount at / answers every other path.
    settings = make_settings(
        engine.url.render_as_string(hide_password=False), DB_POOL_SIZE=2, DB_POOL_TIMEOUT=wait_seconds
    )
    runtime = Runtime.assemble(settings, engine, make_session_factory(engine))
    runtime.close = lambda: None  # type: ignore[method-assign]  # the test disposes the engine
    app = create_app(settings, runtime=runtime)

    @app.get("/api/probe/select", response_model=Answer)
    def select(session: SessionDep) -> Answer:
        return Answer(value=session.execute(text("SELECT 1")).scalar_one())

    @app.get("/api/probe/hold", response_model=Answer)
    def hold(session: SessionDep) -> Answer:
        session.execute(text("SELECT 1"))
        time.sleep(0.5)
        return Answer(value=1)

    @app.post("/api/probe/write/{value}", response_model=Answer)
    def write(session: SessionDep, value: int) -> Answer:
        session.execute(text("INSERT INTO probe (value) VALUES (:v)"), {"v": value})
        if value < 0:
            raise InvalidInput("negative values are refused after the insert")
        return Answer(value=value)

    return app


@pytest.fixture
def small_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(make_settings(database_url, DB_POOL_SIZE=2, DB_MAX_OVERFLOW=0, DB_POOL_TIMEOUT=5))
    yield engine
    engine.dispose()


@pytest.fixture
async def shrunk_threads() -> AsyncIterator[None]:
    limiter = anyio.to_thread.current_default_thread_limiter()
    before = limiter.total_tokens
    limiter.total_tokens = 3
    yield
    limiter.total_tokens = before


def _client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.mark.anyio
@pytest.mark.usefixtures("shrunk_threads")
async def test_more_requests_than_threads_and_connections_all_answer(small_engine: Engine) -> None:
    statuses: list[int] = []
    async with _client(_app(small_engine)) as client:

        async def one() -> None:
            statuses.append((await client.get("/api/probe/select")).status_code)

        with anyio.fail_after(20):  # without the gate this waits on the pool until it times out
            async with anyio.create_task_group() as tg:
                for _ in range(60):
                    tg.start_soon(one)
    assert statuses == [200] * 60
    assert small_engine.pool.checkedout() == 0  # type: ignore[attr-defined]  # QueuePool's; typed as Pool


@pytest.mark.anyio
async def test_a_request_that_cannot_be_admitted_in_time_is_a_503(small_engine: Engine) -> None:
    async with _client(_app(small_engine, wait_seconds=0.2)) as client:
        responses: list[httpx.Response] = []

        async def one() -> None:
            responses.append(await client.get("/api/probe/hold"))

        async with anyio.create_task_group() as tg:
            for _ in range(3):  # two permits: the third waits 0.2 s while the others hold theirs 0.5 s
                tg.start_soon(one)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 503]
    busy = next(r for r in responses if r.status_code == 503).json()
    assert busy["error"]["code"] == "database_busy"


@pytest.mark.anyio
async def test_a_request_whose_client_left_while_queued_is_skipped(small_engine: Engine) -> None:
    app = _app(small_engine)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/probe/select",
        "raw_path": b"/api/probe/select",
        "query_string": b"",
        "root_path": "",
        "headers": [],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 499  # answered without running the endpoint: nobody would read it
    assert small_engine.pool.checkedout() == 0  # type: ignore[attr-defined]  # QueuePool's; typed as Pool


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(make_settings(f"sqlite:///{tmp_path / 'gate.db'}", DB_POOL_SIZE=2))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE probe (value INTEGER NOT NULL)"))
    yield engine
    engine.dispose()


def _stored(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT value FROM probe ORDER BY value")).scalars())


@pytest.mark.anyio
async def test_a_write_is_committed_before_its_response_and_rolled_back_on_error(
    sqlite_engine: Engine,
) -> None:
    async with _client(_app(sqlite_engine)) as client:
        assert (await client.post("/api/probe/write/7")).status_code == 200
        assert _stored(sqlite_engine) == [7]  # read through another connection, right after the 200
        assert (await client.post("/api/probe/write/-1")).status_code == 422
    assert _stored(sqlite_engine) == [7]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
