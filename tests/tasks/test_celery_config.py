"""Celery's configuration and rules without processes: budgets, visibility timeout, backoff, what is retried,
the schedule beat reads, and the commands' refusals (the processes themselves: test_celery_processes.py)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from conftest import make_settings
from fairedge.cli import app as cli
from fairedge.errors import ConfigurationError, InvalidInput, UpstreamUnavailable
from fairedge.runtime import Runtime
from fairedge.tasks.celery_config import MIN_EXPIRES_SECONDS, beat_schedule, celery_config, visibility_timeout
from fairedge.tasks.retry_policy import BACKOFF_CAP_SECONDS, countdown, retryable
from fairedge.tasks.schedule import JOBS, QUEUES, schedule

# The operations guide's budgets: refresh < 5 min, scan < 2 min, cache warming < 1 min, cleanup < 30 s.
GUIDE_BUDGETS = {
    "tasks.odds_refresh": 300.0,
    "tasks.ev_calculation": 120.0,
    "tasks.cache_warming": 60.0,
    "tasks.user_cleanup": 30.0,
}


def test_every_job_of_the_runtime_has_a_queue_and_a_budget(tmp_path: Path) -> None:
    runtime = Runtime.build(make_settings(f"sqlite:///{tmp_path / 'f.db'}"))
    try:
        assert set(runtime.jobs()) <= set(JOBS)
    finally:
        runtime.close()


def test_time_limits_fit_the_guide_and_the_broker_waits_longer_than_any_task() -> None:
    for name, budget in GUIDE_BUDGETS.items():
        assert JOBS[name].hard_seconds <= budget
    for spec in JOBS.values():
        assert 0 < spec.soft_seconds < spec.hard_seconds and spec.queue in QUEUES
    longest = max(spec.hard_seconds for spec in JOBS.values())
    assert visibility_timeout() > longest + BACKOFF_CAP_SECONDS


def test_celery_reads_the_schedule_the_embedded_scheduler_reads() -> None:
    settings = make_settings("sqlite://", REDIS_URL="redis://127.0.0.1:6379/0", ODDS_REFRESH_SECONDS=7)
    entries = beat_schedule(settings)
    assert {name: entry["schedule"] for name, entry in entries.items()} == {
        periodic.task: periodic.every_seconds for periodic in schedule(7)
    }
    assert entries["tasks.odds_refresh"]["options"]["expires"] == MIN_EXPIRES_SECONDS
    assert entries["tasks.user_cleanup"]["options"]["expires"] == 86_400.0


def test_configuration_is_json_late_acked_prefetch_one_with_explicit_queues() -> None:
    config = celery_config(
        make_settings(
            "sqlite://", CELERY_BROKER_URL="redis://broker:6379/1", REDIS_URL="redis://cache:6379/0"
        )
    )
    assert config["broker_url"] == "redis://broker:6379/1"  # the broker wins over the cache's Redis
    assert config["accept_content"] == ["json"] and config["task_serializer"] == "json"
    assert (
        config["task_acks_late"]
        and config["task_reject_on_worker_lost"]
        and config["task_retry_on_worker_lost"]
    )
    assert config["worker_prefetch_multiplier"] == 1
    assert config["broker_transport_options"]["visibility_timeout"] == visibility_timeout()
    assert "global_keyprefix" not in config["broker_transport_options"]  # the guide's plain names
    assert set(config["task_queues"]) == set(QUEUES) and config["task_default_queue"] != "celery"
    assert config["task_routes"]["tasks.odds_refresh"] == {"queue": "ingest"}


def test_celery_without_a_broker_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="CELERY_BROKER_URL or REDIS_URL"):
        celery_config(make_settings("sqlite://"))


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(1)
    for retries, ceiling in ((0, 2.0), (1, 4.0), (2, 8.0)):
        waits = [countdown(retries, 2.0, rng) for _ in range(200)]
        assert ceiling / 2 <= min(waits) and max(waits) <= ceiling
        assert max(waits) - min(waits) > ceiling / 4  # jittered, not one value
    assert countdown(20, 2.0, rng) <= BACKOFF_CAP_SECONDS


def test_what_a_retry_can_fix_is_retried() -> None:
    assert retryable(UpstreamUnavailable("provider down"))
    assert retryable(OperationalError("SELECT 1", {}, Exception("connection refused")))
    assert retryable(ConnectionError("reset"))
    assert not retryable(ConfigurationError("bad setting"))
    assert not retryable(InvalidInput("bad input"))
    assert not retryable(SoftTimeLimitExceeded())


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["worker"], {}, "set CELERY_BROKER_URL or REDIS_URL"),
        (["beat"], {}, "set CELERY_BROKER_URL or REDIS_URL"),
        (
            ["worker", "--queues", "ingest,bulk"],
            {"REDIS_URL": "redis://127.0.0.1:1/0"},
            "unknown queues ['bulk']",
        ),
    ],
)
def test_worker_and_beat_commands_refuse_before_starting(
    args: list[str], env: dict[str, str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.output
