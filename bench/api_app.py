"""The app ``make bench-api`` serves: FairEdge's own (``create_app``), plus a hello-world route for the bench
only, so both are served by the same server, workers, middleware and logging. Never used in production."""

from __future__ import annotations

from fastapi import FastAPI

from fairedge.app import create_app

HELLO = "/bench/hello"


def create() -> FastAPI:
    app = create_app()

    @app.get(HELLO, include_in_schema=False)
    async def hello() -> dict[str, str]:
        return {"message": "Hello World"}

    return app


def create_bare() -> FastAPI:
    """A bare FastAPI hello world (no middleware, no logging): the framework's own ceiling, for scale."""
    app = FastAPI()

    @app.get(HELLO)
    async def hello() -> dict[str, str]:
        return {"message": "Hello World"}

    return app
