"""Celery's configuration from Settings, the schedule and the job table (see operations-notes.md, shared).

Delivery is at-least-once: a message is acknowledged after its task ends (``task_acks_late``), a task whose
pool child dies is sent again within its retry cap (``task_retry_on_worker_lost``; re-queued if that send
fails, ``task_reject_on_worker_lost``), each worker process reserves one message at a time. Jobs make the
second delivery harmless (a per-job lock, celery_app.py). Messages are JSON only; there is no result backend
(jobs report through logs and metrics, chains travel in the message).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fairedge.config import Settings
from fairedge.errors import ConfigurationError
from fairedge.tasks.retry_policy import BACKOFF_CAP_SECONDS
from fairedge.tasks.schedule import JOBS, QUEUES, JobSpec, schedule

# On a warm shutdown's second signal (or SIGQUIT) running tasks get this long, then they are cancelled and,
# being late-acked, go back to the queue at once instead of after the visibility timeout.
SOFT_SHUTDOWN_SECONDS = 10.0
# A scheduled run older than its period (or this floor) is dropped on arrival: after an outage the workers
# do not work through a backlog of refreshes nobody needs, the next tick does the same work.
MIN_EXPIRES_SECONDS = 30.0
EXCHANGE = "fairedge"  # direct: a message goes to the queue named by its routing key


def visibility_timeout(jobs: Mapping[str, JobSpec] = JOBS) -> float:
    """How long Redis waits for an acknowledgement before delivering a message again: longer than the longest
    task plus the longest retry wait (a retry's countdown is spent holding the message), twice over."""
    return 2 * (max(spec.hard_seconds for spec in jobs.values()) + BACKOFF_CAP_SECONDS)


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    return {
        periodic.task: {
            "task": periodic.task,
            "schedule": periodic.every_seconds,
            "options": {"expires": max(periodic.every_seconds, MIN_EXPIRES_SECONDS)},
        }
        for periodic in schedule(settings.refresh_seconds, settings.BETS_SETTLEMENT_SECONDS)
    }


def celery_config(settings: Settings) -> dict[str, Any]:
    if not settings.broker_url:
        raise ConfigurationError("Celery needs a broker: set CELERY_BROKER_URL or REDIS_URL")
    transport: dict[str, Any] = {
        "visibility_timeout": visibility_timeout(),
        "socket_connect_timeout": 5,
    }
    if settings.CELERY_KEY_PREFIX:
        transport["global_keyprefix"] = settings.CELERY_KEY_PREFIX
    return {
        "broker_url": settings.broker_url,
        "broker_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "result_backend": None,
        "task_ignore_result": True,
        "task_serializer": "json",
        "result_serializer": "json",
        "event_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "enable_utc": True,
        "timezone": "UTC",
        "task_acks_late": True,
        "task_acks_on_failure_or_timeout": True,  # a task that failed for good is in celery_failed
        "task_reject_on_worker_lost": True,
        "task_retry_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_soft_shutdown_timeout": SOFT_SHUTDOWN_SECONDS,
        "worker_enable_soft_shutdown_on_idle": True,  # also re-queues retries waiting for their countdown
        "worker_cancel_long_running_tasks_on_connection_loss": True,  # they are redelivered anyway
        "worker_hijack_root_logger": False,  # structlog JSON (celery_app.py connects setup_logging)
        "task_queues": {
            name: {"exchange": EXCHANGE, "exchange_type": "direct", "routing_key": name} for name in QUEUES
        },
        # Every task is routed; the default only catches Celery's own, so the old `celery` queue stays empty.
        "task_default_exchange": EXCHANGE,
        "task_default_queue": "maintenance",
        "task_default_routing_key": "maintenance",
        "task_routes": {name: {"queue": spec.queue} for name, spec in JOBS.items()},
        "result_expires": None,  # no results to expire: beat schedules no celery.backend_cleanup
        "beat_schedule": beat_schedule(settings),
        "beat_scheduler": "fairedge.tasks.beat:SingleBeatScheduler",
        "beat_max_loop_interval": settings.CELERY_HEARTBEAT_SECONDS,  # lock renewal and heartbeat cadence
        "fairedge_key_prefix": settings.CELERY_KEY_PREFIX,
        "fairedge_heartbeat_seconds": settings.CELERY_HEARTBEAT_SECONDS,
    }
