"""gunicorn's configuration for ``fairedge serve``: uvicorn workers, JSON logs, Prometheus multiprocess hooks.

``fairedge serve`` execs ``gunicorn --config python:fairedge.gunicorn_conf … 'fairedge.app:create_app()'``
with ``PROMETHEUS_MULTIPROC_DIR`` set. gunicorn applies every module-level name of this module that is one of
its settings; helpers are private. The master stays light: it never imports the app (each worker builds its
own after the fork: engine, pool, probe and threads are per process) nor a module that creates metrics.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from gunicorn import glogging  # type: ignore[import-untyped]
from gunicorn.arbiter import Arbiter  # type: ignore[import-untyped]
from gunicorn.workers.base import Worker  # type: ignore[import-untyped]
from prometheus_client import multiprocess

# uvicorn 0.54 still ships its gunicorn worker here (deprecated in favour of the `uvicorn-worker` package).
from uvicorn.workers import UvicornWorker as _UvicornWorker

from fairedge.config import Settings
from fairedge.kit.gcpause import tune_for_serving
from fairedge.observability import multiproc
from fairedge.observability.logging import configure_logging

GRACEFUL_TIMEOUT_SECONDS = 30
# Browsers poll the board every few seconds; nginx keeps upstream connections for 75 s (as `fairedge run`).
KEEP_ALIVE_SECONDS = 75

_settings = Settings()
configure_logging(
    service="api", level=_settings.LOG_LEVEL, fmt=_settings.LOG_FORMAT, log_dir=_settings.LOG_DIR
)


class GunicornLogger(glogging.Logger):  # type: ignore[misc]
    """gunicorn's own records (worker booted, exited, timed out) through the root handlers: JSON like the
    app's, to stdout and ``LOG_DIR/api.log``."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
            log.propagate = True


class UvicornWorker(_UvicornWorker):
    CONFIG_KWARGS: dict[str, Any] = {  # noqa: RUF012 - the base class's name and shape
        "loop": "auto",
        "http": "auto",
        # The app decides the client IP from FORWARDED_ALLOW_IPS (observability/middleware.py): uvicorn's own
        # X-Forwarded-For handling would first rewrite the peer by its own rules (see `fairedge run`).
        "proxy_headers": False,
        "access_log": False,
        # Streams still open this long after SIGTERM are cancelled, so the worker ends by itself before
        # gunicorn kills it at graceful_timeout.
        "timeout_graceful_shutdown": GRACEFUL_TIMEOUT_SECONDS - 5,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # uvicorn gave its error logger gunicorn's handlers, which GunicornLogger removed: back to the root
        # ones. Its access logger stays off (no handler, no propagation): its lines carry the query string,
        # API keys included, and the request middleware logs every request without it.
        error_log = logging.getLogger("uvicorn.error")
        error_log.handlers.clear()
        error_log.propagate = True


def post_worker_init(_worker: Worker) -> None:
    """In each worker, once it has built the app: the garbage collector tuned for serving (kit/gcpause.py)."""
    tune_for_serving()


def child_exit(_server: Arbiter, worker: Worker) -> None:
    """In the master, after a worker ended: its live gauges (health, pool, memory) stop counting; its counters
    and histograms stay in the totals."""
    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(_server: Arbiter) -> None:
    multiproc.remove(os.environ["PROMETHEUS_MULTIPROC_DIR"])


worker_class = UvicornWorker
logger_class = GunicornLogger
loglevel = _settings.LOG_LEVEL.lower()
graceful_timeout = GRACEFUL_TIMEOUT_SECONDS
keepalive = KEEP_ALIVE_SECONDS
# gunicorn 25+ opens a control socket at one path per user: two servers (blue-green, tests) would share it.
control_socket_disable = True
# Heartbeat files on tmpfs: a container's /tmp on overlayfs can stall them and get workers killed.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
