"""Test-only jobs, loaded into a real ``celery worker`` by tests/tasks/test_celery_processes.py with
``--include celery_test_jobs`` (``PYTHONPATH`` holds tests/tasks/).

They are registered with ``register_job``, like every real job, so they run under the very lock, retry,
failure-recording and metric rules of tasks/celery_app.py. What they add is what no real job offers on demand:
a run slow enough to SIGKILL its pool child mid-way, and a failure the test switches on and off. Each run
records itself in the broker's Redis under the run's ``CELERY_KEY_PREFIX``: ``test:starts`` (the pid and
retry count of every start) and ``test:completions``.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import redis
from celery import current_task

from fairedge.errors import UpstreamUnavailable
from fairedge.tasks.celery_app import register_job, settings
from fairedge.tasks.schedule import JobSpec

SLOW_SECONDS = 2.5


def recorded_key(name: str) -> str:
    return f"{settings.CELERY_KEY_PREFIX}test:{name}"


def _started(client: redis.Redis) -> None:
    start = {"pid": os.getpid(), "retries": current_task.request.retries}
    client.rpush(recorded_key("starts"), json.dumps(start))


def slow_write() -> dict[str, Any]:
    with redis.Redis.from_url(settings.broker_url or "") as client:
        _started(client)
        time.sleep(SLOW_SECONDS)
        return {"completions": client.incr(recorded_key("completions"))}


def flaky() -> dict[str, Any]:
    with redis.Redis.from_url(settings.broker_url or "") as client:
        _started(client)
        if client.exists(recorded_key("fail")):
            raise UpstreamUnavailable("the test's upstream is down")
        return {"completions": client.incr(recorded_key("completions"))}


register_job("tests.slow_write", slow_write, JobSpec("compute", 20.0, 30.0))
register_job("tests.flaky", flaky, JobSpec("compute", 20.0, 30.0))
