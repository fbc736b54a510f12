"""The Celery app ``fairedge.tasks.celery_app``: a composition root, like app.py and the CLI.

``celery -A fairedge.tasks.celery_app worker|beat|inspect|call …`` and ``fairedge worker|beat`` run it. One
task per job of ``Runtime.jobs()``, under the job's name, plus ``tasks.retry_failed``; each with the queue and
time budget that tasks/schedule.py's ``JOBS`` declares. A job's ``then`` (schedule.py) is sent as a chain
once the job has succeeded, as the embedded scheduler runs it. Each worker process builds its own Runtime on
its first task, after the fork: no engine or connection is shared between processes.

Every task run:
- takes the job's lock ``fairedge:lock:job:<task>`` (SET NX, PX = the hard time limit, value = the task id).
  A second run of the same job at the same time (a redelivery, an overlapping tick) finds it held and skips,
  logging ``task_skipped`` with ``reason="locked"``: a refresh or a scan never writes twice at once. A pool
  child killed mid-run cannot release its lock: the worker's main process, which sees the child die,
  releases it (``JobRequest``) before the task is sent again.
- retries failures that a retry can fix (tasks/retry_policy.py) at most ``CELERY_MAX_RETRIES`` times, after
  exponential backoff with jitter, logging ``task_retry`` (task, attempt, countdown, error type).
- once out of retries (or killed by its hard time limit, or lost with its pool child too often) it is
  recorded in ``celery_failed`` (tasks/failed.py); ``tasks.retry_failed`` sends those again.
- counts ``fairedge_job_runs_total{job,status}`` (success, failure, skipped),
  ``fairedge_job_duration_seconds`` and ``fairedge_job_last_success_timestamp_seconds``, as the embedded
  scheduler does.
Workers write heartbeats for ``/health/celery`` (tasks/heartbeat.py); beat is tasks/beat.py.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import redis
import structlog
from billiard.einfo import ExceptionWithTraceback
from billiard.exceptions import WorkerLostError
from celery import Celery, Task, chain, signals
from celery.exceptions import TimeLimitExceeded
from celery.worker.request import Request
from kombu.exceptions import OperationalError as BrokerUnavailable

from fairedge.config import get_settings
from fairedge.errors import ConfigurationError
from fairedge.kit.timeutil import utcnow
from fairedge.observability import metrics
from fairedge.observability.logging import configure_logging
from fairedge.runtime import Runtime
from fairedge.tasks import failed, heartbeat, job_runs, locks, queues
from fairedge.tasks.broker import CeleryKeys, connect
from fairedge.tasks.celery_config import celery_config
from fairedge.tasks.retry_policy import countdown, retryable
from fairedge.tasks.schedule import JOBS, JobSpec, schedule

log = structlog.get_logger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0  # locks, heartbeats, celery_failed: off the request path, yet never stuck

settings = get_settings()
keys = CeleryKeys(settings.CELERY_KEY_PREFIX)
app = Celery("fairedge")
app.conf.update(celery_config(settings))
# redis-py's pools notice a fork and reconnect in the child: one client serves every process.
_broker = connect(settings.broker_url or "", timeout_seconds=BROKER_TIMEOUT_SECONDS)
_runs = job_runs.RedisJobRuns(_broker, keys)  # each run's outcome, for GET /api/admin/status
FOLLOWERS = {periodic.task: periodic.then for periodic in schedule(settings.refresh_seconds) if periodic.then}

Job = Callable[[], Any]


class _ProcessRuntime:
    """The Runtime of the current process, built on first use and again in a forked child."""

    def __init__(self) -> None:
        self._pid: int | None = None
        self._runtime: Runtime | None = None

    def get(self) -> Runtime:
        if self._runtime is None or self._pid != os.getpid():
            self._runtime = Runtime.build(settings)
            self._pid = os.getpid()
        return self._runtime

    def close(self) -> None:
        if self._runtime is not None and self._pid == os.getpid():
            self._runtime.close()
        self._runtime = None


runtime = _ProcessRuntime()


class JobRequest(Request):  # type: ignore[misc]  # celery ships no type hints
    """Runs in the worker's main process: frees the job lock of a pool child that died holding it."""

    def on_failure(self, exc_info: Any, send_failed_event: bool = True, return_ok: bool = False) -> None:
        exc = exc_info.exception
        if isinstance(exc, ExceptionWithTraceback):  # how the pool hands over a child's failure
            exc = exc.exc
        if isinstance(exc, WorkerLostError):
            _release_for_dead_child(self.name, self.id)
        super().on_failure(exc_info, send_failed_event=send_failed_event, return_ok=return_ok)

    def on_timeout(self, soft: bool, timeout: float) -> None:
        if not soft:  # the hard limit killed the child
            _release_for_dead_child(self.name, self.id)
        super().on_timeout(soft, timeout)


class JobTask(Task):  # type: ignore[misc]
    Request = JobRequest
    max_retries = settings.CELERY_MAX_RETRIES
    default_retry_delay = settings.CELERY_RETRY_BACKOFF_SECONDS  # the wait after a lost pool child
    job_spec: JobSpec


def register_job(name: str, job: Job, spec: JobSpec) -> Any:
    """A Celery task named ``name`` that runs ``job`` under the lock, retry and failure rules above."""

    def run(task: Any) -> Any:
        return _run(task, name, job)

    run.__name__ = run.__qualname__ = name.replace(".", "_")  # named in tracebacks and Celery's own logs
    return app.task(
        run,
        name=name,
        bind=True,
        base=JobTask,
        queue=spec.queue,
        soft_time_limit=spec.soft_seconds,
        time_limit=spec.hard_seconds,
        job_spec=spec,
    )


def _run(task: Any, name: str, job: Job) -> Any:
    spec: JobSpec = task.job_spec
    short = name.removeprefix("tasks.")
    lock_key, token = keys.job_lock(name), str(task.request.id)
    if not locks.acquire(_broker, lock_key, token, spec.hard_seconds):
        metrics.JOB_RUNS.labels(job=short, status="skipped").inc()
        log.info("task_skipped", task=name, reason="locked", holder=locks.holder(_broker, lock_key))
        return {"skipped": "locked"}
    started = time.perf_counter()
    error: Exception | None = None
    try:
        result = job()
    except Exception as exc:
        error = exc
    finally:
        _release(lock_key, token)
    if error is not None:
        metrics.JOB_RUNS.labels(job=short, status="failure").inc()
        _runs.record(
            name, ok=False, duration_seconds=time.perf_counter() - started, error_type=type(error).__name__
        )
        retries: int = task.request.retries
        details = {"task": name, "attempt": retries + 1, "error_type": type(error).__name__}
        if retryable(error) and retries < task.max_retries:
            wait = countdown(retries, settings.CELERY_RETRY_BACKOFF_SECONDS)
            log.warning("task_retry", countdown=round(wait, 3), error=str(error)[:200], **details)
            raise task.retry(exc=error, countdown=wait)
        log.error("task_failed", error=str(error)[:200], **details)
        raise error
    metrics.JOB_RUNS.labels(job=short, status="success").inc()
    metrics.JOB_DURATION.labels(job=short).observe(time.perf_counter() - started)
    metrics.JOB_LAST_SUCCESS.labels(job=short).set(time.time())
    _runs.record(name, ok=True, duration_seconds=time.perf_counter() - started)
    followers = FOLLOWERS.get(name, ())
    if followers:
        try:
            chain(*(app.signature(follower, immutable=True) for follower in followers)).apply_async()
        except (BrokerUnavailable, redis.RedisError, OSError) as exc:
            # The job itself succeeded: no retry, no celery_failed; the next tick's chain catches up.
            log.error("task_followers_unsent", task=name, followers=followers, error_type=type(exc).__name__)
    return result


def _release(lock_key: str, token: str) -> None:
    try:
        locks.release(_broker, lock_key, token)
    except redis.RedisError as exc:  # it expires with the hard time limit
        log.warning("job_lock_unreleased", lock=lock_key, error_type=type(exc).__name__)


def _release_for_dead_child(task_name: str, task_id: str) -> None:
    if task_name in app.tasks and isinstance(app.tasks[task_name], JobTask):
        _release(keys.job_lock(task_name), task_id)


def retry_failed() -> dict[str, int]:
    """Send every task of ``celery_failed`` again (with a fresh retry budget) and remove it from the list.
    Sent first, removed after: a crash in between sends one twice (harmless, jobs are idempotent), never
    loses one."""
    requeued = kept = 0
    for raw, entry in failed.pending(_broker, keys):
        task = app.tasks.get(entry.task)
        if task is None:
            log.warning("retry_failed_unknown_task", task=entry.task, task_id=entry.task_id)
            kept += 1
            continue
        task.apply_async(entry.args, entry.kwargs)
        failed.remove(_broker, keys, raw)
        log.info("task_requeued", task=entry.task, task_id=entry.task_id, error_type=entry.error_type)
        requeued += 1
    return {"requeued": requeued, "kept": kept}


def _job_names() -> tuple[str, ...]:
    """The jobs of Runtime.jobs(): read from a runtime that is closed at once (engines and pools open no
    connection until used), so whatever job the runtime gains gets its task here."""
    probe = Runtime.build(settings)
    try:
        return tuple(probe.jobs())
    finally:
        probe.close()


def _register_all() -> None:
    names = (*_job_names(), "tasks.retry_failed")
    undeclared = sorted(set(names) - set(JOBS))
    if undeclared:
        raise ConfigurationError(
            f"jobs without a queue and time budget in tasks/schedule.py JOBS: {undeclared}"
        )
    for name in names:
        if name != "tasks.retry_failed":
            register_job(name, _process_job(name), JOBS[name])
    register_job("tasks.retry_failed", retry_failed, JOBS["tasks.retry_failed"])
    unknown = sorted(
        ({p.task for p in schedule(settings.refresh_seconds)} | {t for ts in FOLLOWERS.values() for t in ts})
        - set(names)
    )
    if unknown:
        raise ConfigurationError(f"schedule names jobs that are not registered: {unknown}")


def _process_job(name: str) -> Job:
    return lambda: runtime.get().jobs()[name]()


# ------------------------------------------------------------------------------------------- signals


def _record_failure(
    sender: Any = None,
    task_id: str | None = None,
    exception: BaseException | None = None,
    args: Any = None,
    kwargs: Any = None,
    **_: Any,
) -> None:
    """A task that failed for good: raised out of its retries, hit its hard time limit, lost its child
    past the retry cap. Sent in the pool child or (the last two) in the main process."""
    name = str(getattr(sender, "name", "unknown"))
    error = exception or RuntimeError("unknown failure")
    if isinstance(error, TimeLimitExceeded | WorkerLostError):  # the child could not count it
        metrics.JOB_RUNS.labels(job=name.removeprefix("tasks."), status="failure").inc()
        log.error("task_failed", task=name, task_id=task_id, error_type=type(error).__name__)
    try:
        failed.record(_broker, keys, failed.FailedTask.of(name, task_id, args, kwargs, error, utcnow()))
    except redis.RedisError as exc:
        log.error("celery_failed_unrecorded", task=name, task_id=task_id, error_type=type(exc).__name__)


def _bind_task_context(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    structlog.contextvars.bind_contextvars(task_id=task_id, task=getattr(task, "name", None))


def _unbind_task_context(**_: Any) -> None:
    structlog.contextvars.unbind_contextvars("task_id", "task")


def _configure_logging(**_: Any) -> None:
    # Connected, so Celery leaves logging alone: its own records go through the same JSON pipeline.
    configure_logging(
        service="celery", level=settings.LOG_LEVEL, fmt=settings.LOG_FORMAT, log_dir=settings.LOG_DIR
    )


class _WorkerHeartbeat:
    """The worker's heartbeat, from its main process (which is what receives and acknowledges tasks)."""

    def __init__(self) -> None:
        self._heartbeat: heartbeat.Heartbeat | None = None
        self._hostname = ""

    def start(self, sender: Any = None, **_: Any) -> None:
        self._hostname = str(sender.hostname)
        period = settings.CELERY_HEARTBEAT_SECONDS
        info = {
            "pid": os.getpid(),
            "queues": sorted(sender.app.amqp.queues.consume_from),
            "started_at": utcnow().isoformat().replace("+00:00", "Z"),
        }
        self._heartbeat = heartbeat.Heartbeat(
            "worker",
            lambda: heartbeat.write_worker(_broker, keys, self._hostname, info, period),
            period,
        )
        self._heartbeat.start()
        log.info("worker_heartbeat_started", hostname=self._hostname, queues=info["queues"])

    def stop(self, **_: Any) -> None:
        if self._heartbeat is None:
            return
        self._heartbeat.stop()
        self._heartbeat = None
        try:
            heartbeat.remove_worker(_broker, keys, self._hostname)
        except redis.RedisError as exc:  # it expires on its own
            log.warning("heartbeat_unremoved", hostname=self._hostname, error_type=type(exc).__name__)


def _child_exit(**_: Any) -> None:
    runtime.close()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def _serve_metrics(process: str) -> Callable[..., None]:
    def serve(**_: Any) -> None:  # worker_ready and beat_init: in the main process, after logging is set up
        queues.serve_metrics(settings.WORKER_METRICS_PORT, process=process)

    return serve


_worker_heartbeat = _WorkerHeartbeat()
signals.setup_logging.connect(_configure_logging, weak=False)
signals.task_failure.connect(_record_failure, weak=False)
signals.task_prerun.connect(_bind_task_context, weak=False)
signals.task_postrun.connect(_unbind_task_context, weak=False)
signals.worker_ready.connect(_worker_heartbeat.start, weak=False)
signals.worker_ready.connect(_serve_metrics("worker"), weak=False)
signals.beat_init.connect(_serve_metrics("beat"), weak=False)
signals.worker_shutdown.connect(_worker_heartbeat.stop, weak=False)
signals.worker_process_shutdown.connect(_child_exit, weak=False)
_register_all()
