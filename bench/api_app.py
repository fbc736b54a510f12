"""The app ``make bench-api`` serves: FairEdge's own (``create_app``), plus a hello-world route for the bench
only, so both are served by the same server, workers, middleware and logging. Never used in production."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import Mount

from fairedge.app import create_app

HELLO = "/bench/hello"


def create() -> FastAPI:
    app = create_app()

    @app.get(HELLO, include_in_schema=False)
    async def hello() -> dict[str, str]:
        return {"message": "Hello World"}

    # Where an added route goes, after every API route, but before the built web app's mount at "/" (when
    # web/dist exists), which would answer the path with its index.html.
    routes = app.router.routes
    mounts = [i for i, route in enumerate(routes) if isinstance(route, Mount) and route.path == ""]
    if mounts:
        routes.insert(mounts[0], routes.pop())
    return app


def create_bare() -> FastAPI:
    """A bare FastAPI hello world (no middleware, no logging): the framework's own ceiling, for scale."""
    app = FastAPI()

    @app.get(HELLO)
    async def hello() -> dict[str, str]:
        return {"message": "Hello World"}

    return app
