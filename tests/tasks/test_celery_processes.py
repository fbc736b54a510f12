"""Celery in production mode, with real processes: ``fairedge worker`` or ``celery worker`` and
``fairedge beat`` or ``celery beat`` as subprocesses on the real Redis (a key prefix per test: queues, locks,
heartbeats and celery_failed of one test are invisible to any other run) and a scratch PostgreSQL database.

Every process starts in its own process group, killed in a ``finally``. The slow and the failing task are
tests/tasks/celery_test_jobs.py, registered exactly like the real jobs (see its docstring).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import redis
from celery import Celery
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from conftest import make_settings, scratch_pg_database
from fairedge.app import create_app
from fairedge.db import migrate
from fairedge.tasks.celery_config import celery_config
from fairedge.tasks.schedule import schedule
from redis_scratch import require_redis

T = TypeVar("T")

HERE = Path(__file__).resolve().parent  # on the processes' PYTHONPATH: celery_test_jobs
HEARTBEAT_SECONDS = 0.5  # lock TTL and heartbeat TTL 1.5 s: takeovers and expiries within the test's patience
REFRESH_SECONDS = 0.5
MAX_RETRIES = 2


@pytest.fixture(scope="module")
def celery_database_url() -> Iterator[str]:
    with scratch_pg_database("fairedge_celery") as url:
        migrate.upgrade(url)
        yield url


@dataclass
class Cluster:
    """One test's corner of Redis and the environment its processes share."""

    env: dict[str, str]
    prefix: str
    redis: redis.Redis
    workdir: Path

    def key(self, name: str) -> str:
        return self.prefix + name

    def settings_overrides(self) -> dict[str, Any]:
        return {
            "CELERY_BROKER_URL": self.env["CELERY_BROKER_URL"],
            "CELERY_KEY_PREFIX": self.prefix,
            "CELERY_HEARTBEAT_SECONDS": HEARTBEAT_SECONDS,
        }

    def client(self) -> Celery:
        """A producer configured as the app is (queues, exchange, prefix), without importing the app."""
        app = Celery("fairedge-test-client")
        app.conf.update(celery_config(make_settings(self.env["DATABASE_URL"], **self.settings_overrides())))
        return app

    def recorded(self, name: str) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in self.redis.lrange(self.key(f"test:{name}"), 0, -1)]

    def completions(self) -> int:
        return int(self.redis.get(self.key("test:completions")) or 0)


@pytest.fixture
def cluster(celery_database_url: str, tmp_path: Path) -> Iterator[Cluster]:
    redis_url = require_redis()
    prefix = f"fairedge-test-celery-{uuid.uuid4().hex[:10]}:"
    (tmp_path / "metrics").mkdir()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ODDS_", "CELERY_", "SIMULATOR_", "REDIS_URL"))
        },
        "ENVIRONMENT": "testing",
        "DATABASE_URL": celery_database_url,
        # The broker only: without REDIS_URL the jobs' cache and limits stay in memory, so nothing of this
        # run lands outside its prefix.
        "CELERY_BROKER_URL": redis_url,
        "CELERY_KEY_PREFIX": prefix,
        "CELERY_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
        "CELERY_MAX_RETRIES": str(MAX_RETRIES),
        "CELERY_RETRY_BACKOFF_SECONDS": "0.2",
        "ODDS_PROVIDER": "simulator",
        "ODDS_REFRESH_SECONDS": str(REFRESH_SECONDS),
        "SIMULATOR_EVENTS": "8",
        "SIMULATOR_SEED": "7",
        "LOG_FORMAT": "json",
        "PYTHONPATH": str(HERE),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "PYTHONUNBUFFERED": "1",
    }
    client = redis.Redis.from_url(redis_url)
    try:
        yield Cluster(env, prefix, client, tmp_path)
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    log: Path

    def logged(self, name: str) -> list[dict[str, Any]]:
        """The records of event ``name`` so far; fails at once, with the log, if the process has died."""
        if self.popen.poll() is not None:
            tail = self.log.read_text()[-3000:]
            raise AssertionError(f"{self.log.name} exited {self.popen.returncode}:\n{tail}")
        return self.events(name)

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                if name is None or record.get("event") == name:
                    found.append(record)
        return found


@contextmanager
def running(cluster: Cluster, name: str, *args: str) -> Iterator[Process]:
    log = cluster.workdir / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=cluster.workdir,
            env=cluster.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the pool children die with it
        )
    try:
        yield Process(popen, log)
    finally:
        stop_group(popen)


def stop_group(popen: subprocess.Popen[bytes], signum: int = signal.SIGTERM, grace: float = 15.0) -> None:
    if popen.poll() is None:
        os.killpg(popen.pid, signum)
        with suppress(subprocess.TimeoutExpired):
            popen.wait(grace)
    with suppress(ProcessLookupError):  # what is left of the group (a pool child that outlived its parent)
        os.killpg(popen.pid, signal.SIGKILL)
    popen.wait(5)


def celery_worker(cluster: Cluster, queues: str, concurrency: int = 1) -> Callable[[], Any]:
    return lambda: running(
        cluster,
        f"worker-{queues.replace(',', '-')}",
        "celery",
        "-A",
        "fairedge.tasks.celery_app",
        "worker",
        f"--queues={queues}",
        f"--concurrency={concurrency}",
        "--include=celery_test_jobs",
        f"--hostname={queues.replace(',', '-')}@{cluster.prefix.strip(':')}",
        "--without-mingle",
        "--without-gossip",
    )


def wait_for(predicate: Callable[[], T], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def job_metric(cluster: Cluster, job: str, status: str) -> float:
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=cluster.env["PROMETHEUS_MULTIPROC_DIR"])  # type: ignore[no-untyped-call]
    return registry.get_sample_value("fairedge_job_runs_total", {"job": job, "status": status}) or 0.0


def test_scheduled_refresh_then_scan_chain_runs_end_to_end_and_health_follows(cluster: Cluster) -> None:
    engine = create_engine(cluster.env["DATABASE_URL"])
    settings = make_settings(cluster.env["DATABASE_URL"], **cluster.settings_overrides())
    with TestClient(create_app(settings)) as api:

        def celery_health() -> dict[str, Any]:
            response = api.get("/health/celery")
            body: dict[str, Any] = response.json()
            assert response.status_code == (503 if body["status"] == "unhealthy" else 200)
            return body

        # Nothing running yet: Celery is unhealthy, the API itself only degraded (200).
        assert celery_health()["status"] == "unhealthy"
        overall = api.get("/health")
        assert overall.status_code == 200
        assert overall.json()["status"] == "degraded" and overall.json()["services"]["celery"] == "unhealthy"

        with running(cluster, "worker", "fairedge.cli", "worker", "--concurrency=2") as worker:
            # A worker, no beat: degraded, naming what is missing.
            body = wait_for(lambda: (b := celery_health())["status"] == "degraded" and b, 30, "a live worker")
            assert body["beat"] == {"status": "missing"} and "beat" in body["reasons"][0]
            assert body["workers"][0]["queues"] == ["compute", "ingest", "maintenance"]

            with running(cluster, "beat", "fairedge.cli", "beat") as beat:

                def opportunities() -> int:
                    with engine.connect() as conn:
                        return int(conn.execute(text("SELECT count(*) FROM opportunities")).scalar_one())

                assert wait_for(opportunities, 30, "opportunities written by the refresh → scan chain")
                body = wait_for(lambda: (b := celery_health())["status"] == "healthy" and b, 10, "healthy")
                assert body["beat"]["last_run"] is not None
                assert set(body["queues"]) == {"ingest", "compute", "maintenance"} and body["failed"] == 0
                assert api.get("/health").json()["status"] == "healthy"
                assert beat.events("beat_active") and not beat.events("beat_standby")

            # The scan (then cache warming, where declared) is never scheduled on its own: each ran as a
            # chained follower of a refresh, in the order tasks/schedule.py declares.
            assert job_metric(cluster, "odds_refresh", "success") >= 1
            (refresh,) = [p for p in schedule(REFRESH_SECONDS) if p.task == "tasks.odds_refresh"]
            assert "tasks.ev_calculation" in refresh.then
            for follower in refresh.then:
                assert job_metric(cluster, follower.removeprefix("tasks."), "success") >= 1, follower
            assert job_metric(cluster, "odds_refresh", "failure") == 0
            assert not worker.events("task_failed")
            stop_group(worker.popen)  # a clean stop removes the heartbeat at once, no TTL to wait out
            assert worker.popen.returncode == 0
            assert celery_health()["status"] == "unhealthy"
    engine.dispose()


def test_a_pool_child_killed_mid_run_is_redelivered_and_its_task_completes_once(cluster: Cluster) -> None:
    client = cluster.client()
    with celery_worker(cluster, "compute", concurrency=2)() as worker:
        wait_for(lambda: worker.logged("worker_heartbeat_started"), 30, "the worker")
        client.send_task("tests.slow_write", queue="compute")
        first = wait_for(lambda: cluster.recorded("starts"), 10, "the task to start")[0]
        os.kill(first["pid"], signal.SIGKILL)  # the pool child, mid-run

        wait_for(lambda: cluster.completions() == 1, 20, "the redelivered task to complete")
        time.sleep(1.0)  # time enough for a wrongly queued third run to start
        starts = cluster.recorded("starts")
        assert [s["retries"] for s in starts] == [0, 1]  # sent again once, within its retry cap
        assert starts[1]["pid"] != first["pid"]
        assert cluster.completions() == 1
        assert cluster.redis.llen(cluster.key("celery_failed")) == 0
        assert not cluster.redis.exists(cluster.key("fairedge:lock:job:tests.slow_write"))

        # A redelivery while the first delivery still runs (same task id, as after a visibility timeout):
        # the job lock makes the second one skip, so the job's writes happen once.
        for _ in range(2):
            client.send_task("tests.slow_write", queue="compute", task_id="redelivered-1")
        wait_for(lambda: worker.events("task_skipped"), 10, "the duplicate to skip")
        wait_for(lambda: cluster.completions() == 2, 10, "the first delivery to complete")
        time.sleep(0.5)
        assert cluster.completions() == 2
        skipped = worker.events("task_skipped")
        assert len(skipped) == 1
        assert skipped[0]["reason"] == "locked" and skipped[0]["holder"] == "redelivered-1"


def test_a_task_that_keeps_failing_lands_in_celery_failed_and_retry_failed_brings_it_back(
    cluster: Cluster,
) -> None:
    cluster.redis.set(cluster.key("test:fail"), 1)
    with celery_worker(cluster, "compute,maintenance")() as worker:
        wait_for(lambda: worker.logged("worker_heartbeat_started"), 30, "the worker")
        cluster.client().send_task("tests.flaky", queue="compute", args=[], kwargs={})
        raw = wait_for(lambda: cluster.redis.lrange(cluster.key("celery_failed"), 0, -1), 20, "celery_failed")

        entry = json.loads(raw[0])
        assert entry["task"] == "tests.flaky" and entry["error_type"] == "UpstreamUnavailable"
        assert entry["error"] == "the test's upstream is down"
        assert entry["args"] == [] and entry["kwargs"] == {} and entry["failed_at"].endswith("Z")
        assert len(cluster.recorded("starts")) == MAX_RETRIES + 1
        retries = worker.events("task_retry")
        assert [r["attempt"] for r in retries] == list(range(1, MAX_RETRIES + 1))
        assert all(r["task"] == "tests.flaky" and r["error_type"] == "UpstreamUnavailable" for r in retries)
        assert 0.1 <= retries[0]["countdown"] <= 0.2 and 0.2 <= retries[1]["countdown"] <= 0.4  # backoff
        assert job_metric(cluster, "tests.flaky", "failure") == MAX_RETRIES + 1

        # The upstream is back; the operator re-enqueues what failed, as the operations guide says.
        cluster.redis.delete(cluster.key("test:fail"))
        subprocess.run(
            [sys.executable, "-m", "celery", "-A", "fairedge.tasks.celery_app", "call", "tasks.retry_failed"],
            cwd=cluster.workdir,
            env=cluster.env,
            check=True,
            capture_output=True,
            timeout=60,
        )
        wait_for(lambda: cluster.completions() == 1, 20, "the re-enqueued task to succeed")
        assert cluster.redis.llen(cluster.key("celery_failed")) == 0
        assert worker.events("task_requeued")[0]["task"] == "tests.flaky"


def test_a_second_beat_stands_by_so_a_window_sees_one_beats_schedule_and_takes_over(cluster: Cluster) -> None:
    window = 4.0

    def refreshes_sent_in(seconds: float) -> int:
        # No worker consumes here: every scheduled refresh stays in the ingest queue to be counted.
        before = cluster.redis.llen(cluster.key("ingest"))
        time.sleep(seconds)
        return int(cluster.redis.llen(cluster.key("ingest"))) - before

    beat_command = ("celery", "-A", "fairedge.tasks.celery_app", "beat")
    with running(cluster, "beat-a", *beat_command) as first:
        wait_for(lambda: first.logged("beat_active"), 30, "the first beat to schedule")
        time.sleep(1.0)  # past the start, where every job that never ran is sent at once
        alone = refreshes_sent_in(window)
        assert abs(alone - window / REFRESH_SECONDS) <= 2

        with running(cluster, "beat-b", *beat_command) as second:
            wait_for(lambda: second.logged("beat_standby"), 30, "the second beat to stand by")
            together = refreshes_sent_in(window)
            assert abs(together - alone) <= 1, (alone, together)
            assert not second.events("beat_active")

            # The active beat dies holding the lock: it expires and the standby takes over.
            stop_group(first.popen, signal.SIGKILL)
            wait_for(lambda: second.logged("beat_active"), 10, "the standby to take over")
            after = refreshes_sent_in(window)
            assert abs(after - alone) <= 1, (alone, after)


def test_fairedge_run_reports_celery_embedded_whatever_the_settings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fairedge.db'}"
    migrate.upgrade(url)
    settings = make_settings(
        url, CELERY_BROKER_URL=require_redis(), SIMULATOR_EVENTS=4, ODDS_PROVIDER="simulator"
    )
    with TestClient(create_app(settings, run_scheduler=True)) as api:  # what `fairedge run` builds
        celery = api.get("/health/celery")
        assert celery.status_code == 200
        assert celery.json()["status"] == "embedded" and celery.json()["scheduler"] == "healthy"
        body = api.get("/health").json()
        assert body["services"]["celery"] == "embedded" and body["status"] == "healthy"


def queue_lengths(port: int) -> dict[str, float]:
    """``fairedge_celery_queue_length`` per queue, scraped from a worker's or beat's metrics port."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {
        sample.labels["queue"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "fairedge_celery_queue_length"
    }


def test_queue_lengths_are_scraped_from_worker_and_beat_and_move_as_tasks_queue(cluster: Cluster) -> None:
    served = replace(cluster, env={**cluster.env, "WORKER_METRICS_PORT": "0"})  # 0: a free port each
    with celery_worker(served, "maintenance")() as worker:  # nobody consumes compute or ingest here
        (event,) = wait_for(lambda: worker.logged("metrics_served"), 120, "the worker's metrics port")
        port = int(event["port"])
        assert wait_for(lambda: queue_lengths(port).get("compute") == 0, 10, "a first sample")
        assert set(queue_lengths(port)) == {"ingest", "compute", "maintenance"}

        client = cluster.client()
        for _ in range(3):
            client.send_task("tests.slow_write", queue="compute")
        # Sampled by the heartbeat thread: nobody calls /health/celery.
        wait_for(lambda: queue_lengths(port).get("compute") == 3, 10, "compute to read 3")

        with running(served, "beat", "fairedge.cli", "beat") as beat:
            (event,) = wait_for(lambda: beat.logged("metrics_served"), 120, "beat's metrics port")
            beat_port = int(event["port"])
            assert beat_port != port
            # Beat schedules refreshes into ingest, which nobody consumes: beat's own samples see it grow.
            wait_for(lambda: queue_lengths(beat_port).get("ingest", 0) >= 1, 15, "ingest to grow")
            assert queue_lengths(beat_port)["compute"] >= 3  # the 3 sent, and whatever beat scheduled there

        cluster.redis.delete(cluster.key("compute"))
        wait_for(lambda: queue_lengths(port).get("compute") == 0, 10, "compute to read 0 again")


def test_no_metrics_port_unless_set(cluster: Cluster) -> None:
    with celery_worker(cluster, "maintenance")() as worker:
        wait_for(lambda: worker.logged("worker_heartbeat_started"), 120, "the worker")
        assert not worker.events("metrics_served")
