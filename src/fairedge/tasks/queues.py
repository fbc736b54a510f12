"""Celery queue lengths as a metric, and the metrics port of worker and beat processes.

``fairedge_celery_queue_length{queue}`` is the number of messages waiting in each named queue (``LLEN`` of the
queue's Redis list on the broker), sampled every ``CELERY_HEARTBEAT_SECONDS`` by the heartbeat thread of every
worker and of beat (tasks/heartbeat.py), in the same round trip as the heartbeat: it moves whether or not
anyone calls ``/health/celery``. Worker and beat serve their metrics on ``WORKER_METRICS_PORT`` when it is set
(prometheus_client's HTTP server, a thread of the main process): under ``PROMETHEUS_MULTIPROC_DIR`` every
process writing to that directory (the pool children's job metrics, the main process's gauges), else the
process's own.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import structlog
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess, start_http_server

from fairedge.observability import metrics

log = structlog.get_logger(__name__)


def record(queues: Sequence[str], lengths: Sequence[int]) -> None:
    for queue, length in zip(queues, lengths, strict=True):
        metrics.CELERY_QUEUE_LENGTH.labels(queue=queue).set(int(length))


def serve_metrics(port: int | None, host: str = "0.0.0.0", process: str = "worker") -> int | None:
    """Serve this process's metrics on ``port`` (None: not served); the port bound (0 picks one)."""
    if port is None:
        return None
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    server, _thread = start_http_server(port, addr=host, registry=registry)
    bound = int(server.server_port)
    log.info("metrics_served", process=process, port=bound)
    return bound
