"""``fairedge run``: embedded FairEdge in one process (migrate, scheduler, API and UI on one port).
``fairedge serve``: the API alone, in several processes (gunicorn with uvicorn workers), for production.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from types import FrameType
from typing import Annotated

import structlog
import typer
import uvicorn
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from fairedge.cli.common import fail, load_settings, user_errors
from fairedge.config import Settings
from fairedge.db import migrate
from fairedge.db.engine import make_engine
from fairedge.kit.gcpause import tune_for_serving
from fairedge.observability import multiproc

log = structlog.get_logger(__name__)

KEEP_ALIVE_SECONDS = 75
GRACEFUL_SECONDS = 10  # requests in flight finish within this on SIGTERM or Ctrl-C; open streams are closed
# Default API workers: one uvicorn worker per core (each is an event loop; 2 x cores + 1 is the rule for sync
# workers that block on I/O), at least 2 so one busy or restarting worker does not stall the server, at most 4
# by default because each holds up to DB_POOL_SIZE + DB_MAX_OVERFLOW connections (4 x 15 = 60 of
# PostgreSQL's default 100, leaving room for Celery and operators). WEB_CONCURRENCY or --workers go beyond.
MIN_WORKERS, MAX_DEFAULT_WORKERS = 2, 4


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
    tune_for_serving()
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
        # Open live streams never end by themselves: close them after this long rather than wait forever.
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
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


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="API worker processes (default: WEB_CONCURRENCY, else from the cores)."),
    ] = None,
) -> None:
    """Serve the API with several processes (gunicorn, uvicorn workers): no scheduler, no migrations.

    Jobs run in Celery (`fairedge worker`, `fairedge beat`); run `fairedge db upgrade` before starting.
    SIGTERM stops gracefully: requests in flight finish (up to 30 s), then exit 0.
    """
    settings = load_settings(service="api")
    with user_errors():
        from fairedge.runtime import Runtime

        Runtime.build(settings).close()  # a bad setting stops the start here, with a message
    _require_migrated(settings)
    count = workers or settings.WEB_CONCURRENCY or default_workers()
    metrics_dir = multiproc.prepare(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
    log.info(
        "serve_starting",
        host=host,
        port=port,
        workers=count,
        db_connections_max=count * (settings.DB_POOL_SIZE + settings.DB_MAX_OVERFLOW),
        metrics_dir=str(metrics_dir),
    )
    if not settings.REDIS_URL:
        log.warning(
            "serve_without_redis",
            detail="rate limits and the cache are per worker process; set REDIS_URL to share them",
        )
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config=python:fairedge.gunicorn_conf",
        f"--bind={bind}",
        f"--workers={count}",
        "fairedge.app:create_app()",
    ]
    logging.shutdown()  # flush: exec replaces the process without running exit handlers
    # A new interpreter, not a fork of this one: prometheus_client picks its multiprocess mode when first
    # imported, which this process did (with its own metrics) before the directory existed.
    os.execve(sys.executable, argv, {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)})


def default_workers() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(max(cores, MIN_WORKERS), MAX_DEFAULT_WORKERS)


def _require_migrated(settings: Settings) -> None:
    """Refuse a database behind the code's migrations (every request would fail); serve one migrated by newer
    code (a rolling deploy migrates first) and one that is not up yet (requests answer 503 until it is)."""
    logging.getLogger("alembic").setLevel(logging.WARNING)  # not its "Context impl" lines at every start
    engine = make_engine(settings)
    try:
        revision = migrate.current_revision(engine)
    except Exception as exc:
        log.warning("database_unavailable", error_type=type(exc).__name__, detail="starting anyway")
        return
    finally:
        engine.dispose()
    head = migrate.head_revision(settings.DATABASE_URL)
    if revision == head:
        return
    if revision is not None:
        try:
            ScriptDirectory.from_config(migrate.alembic_config(settings.DATABASE_URL)).get_revision(revision)
        except CommandError:  # a revision this code does not know
            log.warning("database_ahead_of_code", revision=revision, head=head)
            return
    fail(f"the database is at {revision or 'no revision'}, the code at {head}: run `fairedge db upgrade`", 1)
