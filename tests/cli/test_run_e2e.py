"""`fairedge run` as a user starts it: one process, live simulated odds, opportunities that change, and a
clean stop (exit 0) on SIGTERM, as containers and systemd send it, and on SIGINT (Ctrl-C)."""

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

T = TypeVar("T")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _start(tmp_path: Path, port: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fairedge.db'}",
        "ODDS_REFRESH_SECONDS": "0.5",
        "SIMULATOR_SEED": "11",
        "SIMULATOR_EVENTS": "30",
        "LOG_FORMAT": "json",
    }
    env.pop("ODDS_API_KEY", None)
    return subprocess.Popen(
        [sys.executable, "-m", "fairedge.cli", "run", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


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


def _stop(process: subprocess.Popen[str], signum: signal.Signals) -> str:
    process.send_signal(signum)
    output, _ = process.communicate(timeout=20)
    return output


def test_run_serves_changing_opportunities_and_stops_cleanly_on_sigterm_and_sigint(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start(tmp_path, port)
    try:
        health = _wait_for(lambda: _get(f"{base}/health"), 30)
        assert health["status"] == "healthy" and health["services"]["scheduler"] == "healthy"
        first = _wait_for(lambda: _get(f"{base}/api/opportunities?limit=500&include_ended=true")["items"], 30)
        seen_first = {(o["id"], o["last_seen"]) for o in first}

        def changed() -> bool:
            later = _get(f"{base}/api/opportunities?limit=500&include_ended=true")["items"]
            return {(o["id"], o["last_seen"]) for o in later} != seen_first

        assert _wait_for(changed, 30)
        events = _get(f"{base}/api/events?limit=1")["page"]["total"]
        assert events > 0
    finally:
        output = _stop(process, signal.SIGTERM)
    assert process.returncode == 0, output[-2000:]
    assert "scheduler_stopped" in output

    # A second run reuses the database: the events stored by the first are still there.
    process = _start(tmp_path, port)
    try:
        again = _wait_for(lambda: _get(f"{base}/api/events?limit=1")["page"]["total"], 30)
        assert again >= events
    finally:
        output = _stop(process, signal.SIGINT)
    assert process.returncode == 0, output[-2000:]
    assert "scheduler_stopped" in output
