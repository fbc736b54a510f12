"""``fairedge run``: embedded FairEdge in one process (migrate, scheduler, API and UI on one port)."""

from __future__ import annotations

import signal
from types import FrameType
from typing import Annotated

import typer
import uvicorn

from fairedge.cli.common import fail, load_settings, user_errors
from fairedge.db import migrate

KEEP_ALIVE_SECONDS = 75


def run_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Run everything in one process: migrations, live odds, a scan after each refresh, the API and docs."""
    from fairedge.app import create_app
    from fairedge.runtime import Runtime

    settings = load_settings(service="api")
    try:
        migrate.upgrade(settings.DATABASE_URL)
    except Exception as exc:
        fail(f"cannot migrate {settings.DATABASE_URL}: {exc}", code=1)
    with user_errors():
        runtime = Runtime.build(settings)
        runtime.provider  # noqa: B018 - build it now so a bad provider setting fails before serving
        app = create_app(settings, runtime=runtime, run_scheduler=True)
    typer.echo(f"FairEdge on http://{host}:{port}  (API docs: /docs, provider: {settings.odds_provider})")
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        # The client IP is decided once, by the app from FORWARDED_ALLOW_IPS (observability/middleware.py);
        # uvicorn's own X-Forwarded-For handling (on by default, reading the same variable) would first
        # rewrite the peer by its own rules (under "*" the leftmost entry, which the client writes).
        proxy_headers=False,
        # Browsers poll the board every few seconds: with uvicorn's 5 s default an idle connection is closed
        # just as the next poll arrives (a failed request for clients that do not retry). nginx's default.
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    serve_until_stopped(uvicorn.Server(config))


def serve_until_stopped(server: uvicorn.Server) -> None:
    """Serve until SIGTERM (containers, systemd) or SIGINT (Ctrl-C), shut down gracefully, return: exit 0.

    uvicorn handles both signals while it serves; once shut down it raises the signal again under the
    handlers that were there before it, for them to end the process (Python's defaults: SIGTERM kills it with
    143, SIGINT raises KeyboardInterrupt). Those handlers are these: a stop request, harmless after the
    shutdown and honoured if a signal lands before uvicorn has taken over.
    """

    def stop(_signum: int, _frame: FrameType | None) -> None:
        server.should_exit = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
