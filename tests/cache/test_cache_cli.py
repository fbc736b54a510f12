"""The operator's cache tools: ``fairedge cache warm|analyze`` and scripts/warm_cache.py,
scripts/optimize_cache_ttl.py, on a migrated SQLite file and the real Redis (a scratch key prefix); and the
TTL recommendation's rules."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner

from cache_board import board
from conftest import make_settings
from factories import snapshot
from fairedge.cache import analysis
from fairedge.cli import app
from fairedge.db import migrate
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.runtime import Runtime
from redis_scratch import REDIS_URL, require_redis, scratch_prefix

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()
METRICS = """# TYPE fairedge_cache_hits_total counter
fairedge_cache_hits_total{view="opportunities"} 700.0
fairedge_cache_hits_total{view="event_odds"} 95.0
# TYPE fairedge_cache_misses_total counter
fairedge_cache_misses_total{reason="absent",view="opportunities"} 250.0
fairedge_cache_misses_total{reason="expired",view="opportunities"} 50.0
fairedge_cache_misses_total{reason="absent",view="event_odds"} 5.0
"""


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A migrated database with a scanned board, and the environment the commands read."""
    require_redis()
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade(url)
    runtime = Runtime.build(make_settings(url))
    with runtime.session_factory() as session:
        ingest_snapshot(session, snapshot(*board(), at=runtime.clock()), provider="test")
        session.commit()
    runtime.jobs()["tasks.ev_calculation"]()
    runtime.close()
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's tree
    with scratch_prefix() as prefix:
        values = {
            "DATABASE_URL": url,
            "ENVIRONMENT": "testing",
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": prefix + ":",
            "LOG_LEVEL": "WARNING",
        }
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        yield values


def _entries(prefix: str) -> list[str]:
    with redis.Redis.from_url(REDIS_URL) as client:
        keys = [k.decode() for k in client.scan_iter(match=prefix + "opportunities:v*")]
    return sorted(k for k in keys if not k.endswith((":version", ":bumps")))


def test_warm_stores_each_plans_default_list_or_every_view(environment: dict[str, str]) -> None:
    done = runner.invoke(app, ["cache", "warm"])
    assert done.exit_code == 0, done.output
    high = _entries(environment["CACHE_KEY_PREFIX"])
    plans = sorted(key.split(":")[-2] for key in high)
    assert plans == ["elite", "free", "local", "pro"] and "warmed 4 views" in done.output
    everything = runner.invoke(app, ["cache", "warm", "--all"])
    assert everything.exit_code == 0, everything.output
    # Per plan: the default list, each kind, each sport group on the board (basketball, soccer).
    assert len(_entries(environment["CACHE_KEY_PREFIX"])) == 4 * (1 + 3 + 2)


@pytest.mark.usefixtures("environment")
def test_warm_without_redis_explains_that_the_embedded_cache_warms_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("REDIS_URL")
    done = runner.invoke(app, ["cache", "warm"])
    assert done.exit_code == 0 and "fairedge run" in done.output


@pytest.mark.usefixtures("environment")
def test_warm_fails_loudly_when_redis_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    done = runner.invoke(app, ["cache", "warm"])
    assert done.exit_code == 1 and "stored 0 of 4 views" in done.output


@pytest.fixture
def metrics_url() -> Iterator[str]:
    class Metrics(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = METRICS.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Metrics)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/metrics"
    finally:
        server.shutdown()
        thread.join()


def test_analyze_reads_keys_and_hit_ratios_and_recommends_a_ttl(
    environment: dict[str, str], metrics_url: str
) -> None:
    assert runner.invoke(app, ["cache", "warm"]).exit_code == 0
    with redis.Redis.from_url(REDIS_URL) as client:  # not an entry of the cache: left out of the counts
        client.set(environment["CACHE_KEY_PREFIX"] + "opportunities:stray", b"x", ex=60)
    done = runner.invoke(app, ["cache", "analyze", "--metrics-url", metrics_url])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    board_line = next(line for line in lines if line.startswith("opportunities "))
    assert board_line.split()[2] == "4"  # current entries: one per plan
    assert "elite 1, free 1, local 1, pro 1" in board_line
    assert any(line.startswith("opportunities") and "70.0%" in line for line in lines)
    assert any(line.startswith("event_odds") and "95.0%" in line for line in lines)
    assert "CACHE_TTL_SECONDS=" in done.output
    assert "opportunities: hit ratio 70%" in done.output and "cache warm --all" in done.output


def test_the_scripts_are_the_commands_under_the_guides_names(environment: dict[str, str]) -> None:
    env = {**os.environ, **environment}
    warmed = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "warm_cache.py"), "--priority=high"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert warmed.returncode == 0 and "warmed 4 views" in warmed.stdout, warmed.stderr
    analyzed = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "optimize_cache_ttl.py"),
            "--analyze",
            "--metrics-url",
            "http://127.0.0.1:1/metrics",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert analyzed.returncode == 0, analyzed.stderr
    assert "keys only" in analyzed.stdout and "CACHE_TTL_SECONDS=" in analyzed.stdout


def test_the_recommended_ttl_outlasts_one_scan_interval_with_a_margin() -> None:
    assert analysis.recommended_ttl(60) == 90
    assert analysis.recommended_ttl(5) == 10  # the floor
    assert analysis.recommended_ttl(3600) == 600  # the ceiling
    retired = analysis.BoardKeys("opportunities", "9", 60.0, current=2, retired=400, retired_bytes=8 << 20)
    lines = analysis.recommendations(30, 60.0, [retired], [])
    assert lines[0].startswith("CACHE_TTL_SECONDS=90 (now 30)")
    assert any("shorter than the scan interval" in line for line in lines)
    assert any("8.0 MB in 400 entries of retired versions" in line for line in lines)


def test_a_low_hit_ratio_is_explained_by_its_misses() -> None:
    views = [
        analysis.ViewTraffic("opportunities", 50, {"unavailable": 40, "absent": 10}),
        analysis.ViewTraffic("event_odds", 50, {"expired": 40, "absent": 10}),
        analysis.ViewTraffic("fine", 95, {"absent": 5}),
    ]
    lines = analysis.recommendations(90, 60.0, [], views)
    assert any(line.startswith("opportunities:") and "Redis was unavailable" in line for line in lines)
    assert any(line.startswith("event_odds:") and "change with time" in line for line in lines)
    assert not any(line.startswith("fine:") for line in lines)


@pytest.mark.usefixtures("environment")
def test_analyze_over_a_window_counts_only_the_traffic_within_it(metrics_url: str) -> None:
    done = runner.invoke(app, ["cache", "analyze", "--metrics-url", metrics_url, "--window", "0.1"])
    assert done.exit_code == 0, done.output
    assert "over 0.1 s" in done.output
    traffic = done.output.split("over 0.1 s:")[1].splitlines()
    row = next(line for line in traffic if line.startswith("opportunities"))
    assert row.split()[1:] == ["0", "-", "-"]  # the fixed counters did not move: no traffic, no ratio


def test_the_traffic_between_two_reads_is_their_difference() -> None:
    earlier = [analysis.ViewTraffic("opportunities", 10, {"absent": 2})]
    later = [
        analysis.ViewTraffic("opportunities", 19, {"absent": 3, "expired": 1}),
        analysis.ViewTraffic("event_odds", 5, {}),
    ]
    (lists, boards) = analysis.difference(later, earlier)
    assert (lists.hits, lists.misses, lists.ratio) == (9, {"absent": 1, "expired": 1}, 9 / 11)
    assert (boards.hits, boards.ratio) == (5, 1.0)
