"""`fairedge serve` as production runs it: two gunicorn workers on a migrated PostgreSQL with Redis.

/metrics, whichever worker answers, merges both workers (and a job process writing into the same directory),
parsed with prometheus_client's own parser; the gauges move when requests hold connections and when odds are
refreshed by another process; logs are JSON in the operations guide's format, never carry a secret sent in a
request, survive logrotate renaming the file under both workers, and warn about memory once per crossing;
SIGTERM stops the server gracefully (exit 0) and empties its metrics directory.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from conftest import scratch_pg_database
from fairedge.db import migrate
from fairedge.db.engine import normalise_url
from redis_scratch import require_redis

T = TypeVar("T")

WORKERS = 2
POOL_SIZE = 10  # DB_POOL_SIZE's default, per worker
MEMORY_CHECK_SECONDS = 0.2
# The names the issue and the operations guide's alerts read, with a sample each once the server has worked.
NAMES = (
    "http_requests_total",
    "http_request_duration_seconds_bucket",
    "fairedge_database_health",
    "fairedge_redis_health",
    "fairedge_opportunities_count",
    "fairedge_opportunities_active",
    "fairedge_odds_sport_last_refresh_timestamp_seconds",
    "fairedge_db_pool_size",
    "fairedge_db_pool_checked_out",
    "fairedge_db_pool_overflow",
    "fairedge_process_resident_memory_bytes",
)


@dataclass
class Served:
    base: str
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    cwd: Path
    stdout: Path
    log: Path
    metrics_dir: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(predicate: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except httpx.HTTPError:
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    redis_url = require_redis()
    cwd = tmp_path_factory.mktemp("serve")
    port = _free_port()
    with scratch_pg_database("fairedge_serve") as url:
        migrate.upgrade(url)  # the deploy step: `fairedge serve` never migrates
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "LOG_DIR": str(cwd / "logs"),
            "LOG_FORMAT": "json",
            "PROMETHEUS_MULTIPROC_DIR": str(cwd / "metrics"),
            "HEALTH_PROBE_SECONDS": "0.5",
            "MEMORY_WARNING_MB": "1",  # every process is past it from the start
            "MEMORY_CHECK_SECONDS": str(MEMORY_CHECK_SECONDS),
            "DB_SLOW_QUERY_MS": "0.001",  # every statement is a slow one
            "FORWARDED_ALLOW_IPS": "10.9.9.9",  # the test client is not a trusted proxy
            "SIMULATOR_EVENTS": "12",
            "SIMULATOR_SEED": "5",
        }
        for name in ("ODDS_API_KEY", "ODDS_PROVIDER", "CELERY_BROKER_URL", "WEB_CONCURRENCY"):
            env.pop(name, None)
        stdout = cwd / "stdout.log"
        with stdout.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "fairedge.cli", "serve", f"--port={port}", f"--workers={WORKERS}"],
                cwd=cwd,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # the master and its workers in one process group, killed in finally
            )
        running = Served(
            f"http://127.0.0.1:{port}", process, env, cwd, stdout, cwd / "logs" / "api.log", cwd / "metrics"
        )
        try:
            _wait_for(lambda: _ready(running), 60, "both workers serving")
            yield running
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=45)
            output = stdout.read_text()
            assert process.returncode == 0, output[-3000:]
            assert "Shutting down: Master" in output
            assert not running.metrics_dir.exists()  # emptied and removed at exit
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _ready(served: Served) -> bool:
    assert served.process.poll() is None, served.stdout.read_text()[-3000:]
    started = [line for line in _lines(served.log) if line["event"] == "Application startup complete."]
    return len(started) == WORKERS and httpx.get(f"{served.base}/health", timeout=5).status_code == 200


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _scrape(served: Served) -> list[tuple[str, dict[str, str], float]]:
    body = httpx.get(f"{served.base}/metrics", timeout=10).text
    return [
        (s.name, s.labels, s.value) for family in text_string_to_metric_families(body) for s in family.samples
    ]


def _value(samples: list[tuple[str, dict[str, str], float]], name: str, **labels: str) -> float:
    return sum(v for n, lab, v in samples if n == name and labels.items() <= lab.items())


def _present(samples: list[tuple[str, dict[str, str], float]], name: str, **labels: str) -> bool:
    return any(n == name and labels.items() <= lab.items() for n, lab, _ in samples)


def _get_all(served: Served, ids: list[str], path: str = "/api/sports", **headers: str) -> None:
    """Each request on a connection of its own, eight at a time: both workers accept some."""

    def one(request_id: str) -> int:
        return httpx.get(f"{served.base}{path}", headers={"X-Request-ID": request_id, **headers}).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(one, ids)) == {200}


def _request_pids(path: Path, prefix: str) -> Counter[int]:
    """Which worker logged the request lines whose id starts with ``prefix``."""
    return Counter(
        line["pid"]
        for line in _lines(path)
        if line["event"] == "request" and line["request_id"].startswith(prefix)
    )


def _all_logged(served: Served, prefix: str, sent: int) -> bool:
    return sum(_request_pids(served.log, prefix).values()) == sent


def _until_both_workers_logged(served: Served, prefix: str) -> int:
    """Requests in batches of 40 until both workers have logged some to ``served.log``: how many were sent."""
    sent = 0
    while len(_request_pids(served.log, prefix)) < WORKERS:
        assert sent < 400, "one worker took every connection"
        _get_all(served, [f"{prefix}{sent + i}" for i in range(40)])
        sent += 40
        _wait_for(partial(_all_logged, served, prefix, sent), 10, "request lines")
    return sent


def test_metrics_are_merged_across_the_workers_and_move(served: Served) -> None:
    before = _scrape(served)
    sent = _until_both_workers_logged(served, "m-")
    after = _scrape(served)

    # Served by two processes, counted once each, whichever of them answers /metrics.
    grown = _value(after, "http_requests_total", handler="/api/sports", status="200") - _value(
        before, "http_requests_total", handler="/api/sports", status="200"
    )
    assert grown == sent
    observed = _value(after, "http_request_duration_seconds_count", handler="/api/sports") - _value(
        before, "http_request_duration_seconds_count", handler="/api/sports"
    )
    assert observed == sent
    assert _present(after, "http_request_duration_seconds_bucket", handler="/api/sports", le="2.0")
    assert _present(after, "http_request_duration_seconds_bucket", handler="/api/sports", le="2.5")
    for name in NAMES:
        if name != "fairedge_odds_sport_last_refresh_timestamp_seconds":  # once odds are stored (next test)
            assert _present(after, name), name
    # One series per gauge, not one per pid; the live processes' values combined.
    assert _value(after, "fairedge_database_health") == 1
    assert _value(after, "fairedge_redis_health") == 1
    assert _value(after, "fairedge_db_pool_size") == WORKERS * POOL_SIZE
    assert 50e6 < _value(after, "fairedge_process_resident_memory_bytes") < 2e9
    assert not any("pid" in labels for _, labels, _ in after)

    # A request held by a table lock keeps its connection checked out; the gauge says so, then lets go.
    admin = create_engine(normalise_url(served.env["DATABASE_URL"]))
    answers: list[int] = []
    try:
        with admin.connect() as conn:
            conn.execute(text("LOCK TABLE sports IN ACCESS EXCLUSIVE MODE"))
            blocked = threading.Thread(
                target=lambda: answers.append(httpx.get(f"{served.base}/api/sports", timeout=30).status_code)
            )
            blocked.start()
            _wait_for(
                lambda: _value(_scrape(served), "fairedge_db_pool_checked_out") >= 1, 10, "connection held"
            )
            conn.commit()  # the lock goes: the request finishes and returns its connection
        blocked.join(30)
    finally:
        admin.dispose()
    assert answers == [200]
    _wait_for(lambda: _value(_scrape(served), "fairedge_db_pool_checked_out") == 0, 10, "connection back")


def _refresh_odds(served: Served) -> None:
    """A job process of its own (the CLI's refresh and scan) writing into the server's metrics directory."""
    done = subprocess.run(
        [sys.executable, "-m", "fairedge.cli", "refresh-odds"],
        cwd=served.cwd,
        env=served.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]


def test_board_gauges_follow_odds_refreshed_by_another_process(served: Served) -> None:
    assert _value(_scrape(served), "fairedge_opportunities_count") == 0  # nothing stored yet
    _refresh_odds(served)

    def board() -> list[tuple[str, dict[str, str], float]] | None:
        samples = _scrape(served)
        # The freshness per sport comes from the API's probe alone (the refresh process writes the count).
        read = _present(samples, "fairedge_odds_sport_last_refresh_timestamp_seconds")
        return samples if read and _value(samples, "fairedge_opportunities_count") > 0 else None

    samples = _wait_for(board, 10, "the probe reading the board")
    count = _value(samples, "fairedge_opportunities_count")
    assert _value(samples, "fairedge_opportunities_active") == count  # the kinds add up
    refreshed = {
        labels["sport"]: value
        for name, labels, value in samples
        if name == "fairedge_odds_sport_last_refresh_timestamp_seconds"
    }
    assert refreshed and all(abs(time.time() - at) < 60 for at in refreshed.values())
    assert all(
        labels["provider"] == "simulator"
        for name, labels, _ in samples
        if name == "fairedge_odds_sport_last_refresh_timestamp_seconds"
    )
    # Written by the refresh process itself, read through the shared directory after it ended; its live
    # gauges went with it (the pools are the two workers' only).
    assert _present(samples, "fairedge_odds_last_refresh_timestamp_seconds", provider="simulator")
    assert _value(samples, "fairedge_scan_prices_total") > 0
    assert _value(samples, "fairedge_db_pool_size") == WORKERS * POOL_SIZE

    _refresh_odds(served)
    _wait_for(
        lambda: all(
            _value(_scrape(served), "fairedge_odds_sport_last_refresh_timestamp_seconds", sport=sport) > at
            for sport, at in refreshed.items()
        ),
        10,
        "freshness moving with the second refresh",
    )


GUIDE_SECRET_CHECK = re.compile(r'"[a-z_]*(password|secret|token|key)[a-z_]*": *"[^"]*"', re.I)


def test_logs_are_json_in_the_guides_format_without_secrets(served: Served) -> None:
    password, token, api_key = (f"{kind}-{uuid.uuid4().hex}" for kind in ("pw", "tok", "fe"))
    login = httpx.post(
        f"{served.base}/api/auth/login", json={"email": "nobody@example.com", "password": password}
    )
    assert login.status_code == 401
    bearer = httpx.get(f"{served.base}/api/opportunities", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 401
    keyed = httpx.get(f"{served.base}/api/opportunities", headers={"X-API-Key": api_key})
    assert keyed.status_code == 401
    query = httpx.get(f"{served.base}/api/sports", params={"token": token, "api_key": api_key})
    assert query.status_code == 200
    # uvicorn's proxy headers are off and the peer is not a trusted proxy: the header is ignored.
    _get_all(served, ["xff-1"], **{"X-Forwarded-For": "203.0.113.9"})
    time.sleep(10 * MEMORY_CHECK_SECONDS)  # the memory watch has checked many times since start
    _wait_for(lambda: _request_pids(served.log, "xff-1"), 10, "the request line")

    raw = served.log.read_text() + served.stdout.read_text()
    for secret in (password, token, api_key):
        assert secret not in raw
    assert [m.group(0) for m in GUIDE_SECRET_CHECK.finditer(raw) if "masked" not in m.group(0)] == []
    lines = _lines(served.log)  # every line is JSON, the master's and gunicorn's own too
    assert {line["service"] for line in lines} == {"api"}

    (request,) = [line for line in lines if line["event"] == "request" and line["request_id"] == "xff-1"]
    for field in ("timestamp", "level", "service", "event", "request_id", "user_id", "endpoint"):
        assert field in request, field
    assert request["event"] == "request" and request["endpoint"] == "/api/sports"
    assert request["status_code"] == 200 and request["duration_ms"] > 0
    assert request["client_ip"] == "127.0.0.1" and list(request)[-1] == "client_ip"

    failed = [line for line in lines if line["event"] == "auth_failed"]
    assert {line["reason"] for line in failed} >= {"bad_credentials", "access_token_invalid"}
    slow = [line for line in lines if line["event"] == "slow_query"]
    assert slow and all(line["duration_ms"] >= 0 and line["statement"] for line in slow)

    # Once per process and crossing, not once per check: one warning from each worker.
    workers = {line["pid"] for line in lines if line["event"] == "Application startup complete."}
    warnings = Counter(line["pid"] for line in lines if line["event"] == "memory_warning")
    assert len(workers) == WORKERS and warnings == dict.fromkeys(workers, 1)
    assert all(
        line["rss_mb"] > line["threshold_mb"] == 1 for line in lines if line["event"] == "memory_warning"
    )


def test_no_log_line_is_lost_when_logrotate_renames_the_file(served: Served) -> None:
    _get_all(served, [f"r1-{i}" for i in range(20)])
    _wait_for(partial(_all_logged, served, "r1-", 20), 10, "lines before rotation")
    rotated = served.log.with_name("api.log.1")
    served.log.rename(rotated)  # what logrotate does (no copytruncate), then `create` makes a new file
    served.log.touch()

    _until_both_workers_logged(served, "r2-")  # each worker reopened the path: every line is in the new file
    assert sum(_request_pids(rotated, "r1-").values()) == 20
    assert _request_pids(rotated, "r2-") == Counter()  # nothing went on into the renamed file
