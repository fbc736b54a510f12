"""``fairedge worker`` and ``fairedge beat``: Celery's worker and beat for this app, with checked settings.

Equivalent to ``celery -A fairedge.tasks.celery_app worker|beat``; these add a readable error for missing or
invalid settings, queue names checked against the declared ones, and a node name per queue set (two workers
for different queues on one host do not share a heartbeat).
"""

from __future__ import annotations

from typing import Annotated

import typer

from fairedge.cli.common import fail, load_settings, user_errors
from fairedge.config import Settings
from fairedge.tasks.schedule import QUEUES

ALL_QUEUES = ",".join(QUEUES)


def _broker_settings() -> Settings:
    settings = load_settings(service="celery")
    if not settings.broker_url:
        fail("Celery needs a broker: set CELERY_BROKER_URL or REDIS_URL (fairedge run needs neither)")
    return settings


def worker_command(
    queues: Annotated[
        str, typer.Option(help=f"Comma list of queues to consume, from {ALL_QUEUES}.")
    ] = ALL_QUEUES,
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Pool processes (default: the number of CPUs).")
    ] = None,
    hostname: Annotated[
        str | None, typer.Option(help="Node name (default: <queues>@<host>, e.g. ingest-compute@web1).")
    ] = None,
) -> None:
    """Run a Celery worker: the jobs of the given queues, acknowledged late, one task per process at once."""
    settings = _broker_settings()
    names = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = sorted(set(names) - set(QUEUES))
    if unknown or not names:
        fail(f"unknown queues {unknown}; choose from {ALL_QUEUES}")
    argv = [
        "worker",
        f"--queues={','.join(names)}",
        f"--hostname={hostname or '-'.join(names) + '@%h'}",
        f"--loglevel={settings.LOG_LEVEL}",
    ]
    if concurrency is not None:
        argv.append(f"--concurrency={concurrency}")
    with user_errors():
        from fairedge.tasks.celery_app import app

        app.worker_main(argv)


def beat_command() -> None:
    """Run Celery beat: sends the schedule's jobs while it holds the beat lock; a second beat stands by."""
    settings = _broker_settings()
    with user_errors():
        from fairedge.tasks.celery_app import app

        app.start(["beat", f"--loglevel={settings.LOG_LEVEL}"])
