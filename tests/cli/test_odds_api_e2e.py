"""The whole product on The Odds API, as the issue's "done when" runs it: `ODDS_API_KEY=… ODDS_API_BASE_URL=…
fairedge run` (what `make run` starts) against the local fake of the API (tests/fake_odds_api.py), nothing
else configured. It serves opportunities, /health/odds-feed and the quota gauges, captures the closing line
of a game that has started, and never prints the key."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from fake_odds_api import running

T = TypeVar("T")
KEY = "e2e-key-7f3a9c1d5b2e8a40"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        body = response.read()
    return json.loads(body) if response.headers.get_content_type() == "application/json" else body.decode()


def _wait_for(predicate: Callable[[], T], timeout: float) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError("condition not reached in time")


def test_fairedge_run_against_the_fake_odds_api_serves_the_whole_product(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with running(keys={KEY: 20_000}) as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ODDS_", "SIMULATOR_"))}
        env |= {
            "ODDS_API_KEY": KEY,
            "ODDS_API_BASE_URL": fake.url.removesuffix("/v4"),  # served at the root too
            "DATABASE_URL": f"sqlite:///{tmp_path / 'fairedge.db'}",
            "LOG_FORMAT": "json",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "fairedge.cli", "run", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            opportunities = _wait_for(lambda: _get(f"{base}/api/opportunities?limit=100")["items"], 60)
            feed = _wait_for(lambda: _get(f"{base}/health/odds-feed"), 10)
            health = _get(f"{base}/health")
            metrics = _get(f"{base}/metrics")
            live = _get(f"{base}/api/events?status=live")["items"]
            closing = _get(f"{base}/api/events/{live[0]['id']}/closing") if live else None
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            output, _ = process.communicate(timeout=30)

    assert process.returncode == 0, output[-3000:]
    assert {o["kind"] for o in opportunities} >= {"ev"}
    assert {o["event"]["league"] for o in opportunities} <= {"basketball_nba", "soccer_epl", "icehockey_nhl"}
    assert feed["provider"] == "the_odds_api" and feed["status"] == "healthy"
    sports = {s["sport"]: s for s in feed["sports"]}
    assert set(sports) == {"basketball_nba", "soccer_epl", "icehockey_nhl"}
    assert sports["basketball_nba"]["reason"] == "soon" and sports["icehockey_nhl"]["reason"] == "idle"
    assert all(s["last_refresh"] for s in sports.values())
    assert feed["quota"]["remaining"] == fake.keys[KEY] and feed["quota"]["used"] == fake.used[KEY]
    assert feed["budget"]["month"]["limit"] == 20_000 and feed["budget"]["day"]["spent"] == fake.used[KEY]
    assert health["services"]["odds_feed"] == "healthy" and health["status"] == "healthy"
    for name in ("quota_remaining", "quota_used", "quota_last"):
        assert f'fairedge_odds_api_{name}{{provider="the_odds_api"}}' in metrics
    assert 'fairedge_odds_api_budget_remaining{period="day"}' in metrics
    assert [e["home_team"] for e in live] == ["Miami Heat"]  # tipped off 30 minutes before the first refresh
    assert closing is not None and closing["captured_at"] is not None
    assert {c.key for c in fake.calls} == {KEY}
    assert KEY not in output
    assert "odds_refreshed" in output and "closing_lines_captured" in output
