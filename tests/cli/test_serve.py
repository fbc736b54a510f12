"""`fairedge serve` at start: it never migrates, refuses a database behind the code, serves one migrated by
newer code (a rolling deploy migrates first), and takes its worker count from WEB_CONCURRENCY."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from fairedge.db import migrate


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "LOG_FORMAT": "json", **extra}
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "WEB_CONCURRENCY", "PROMETHEUS_MULTIPROC_DIR", "LOG_DIR"):
        env.pop(name, None)
    return {**env, **extra}


def _serve(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return subprocess.Popen(
        [sys.executable, "-m", "fairedge.cli", "serve", "--port", str(port), *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def test_an_unmigrated_database_stops_the_start_with_the_deploy_step(tmp_path: Path) -> None:
    process = _serve(tmp_path, _env(tmp_path))
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 1
    assert "the database is at no revision" in output and "run `fairedge db upgrade`" in output
    with create_engine(f"sqlite:///{tmp_path / 'serve.db'}").connect() as conn:  # and it migrated nothing
        assert conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'table'")).scalar() == 0


def test_a_database_migrated_by_newer_code_is_served(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    migrate.upgrade(url)
    with create_engine(url).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dfeedbeef'"))
    process = _serve(tmp_path, _env(tmp_path, WEB_CONCURRENCY="1"))
    lines: list[dict[str, object]] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        while not any(line["event"] == "Application startup complete." for line in lines):
            assert time.monotonic() < deadline and process.poll() is None, lines
            lines.append(json.loads(process.stdout.readline()))
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=40)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    lines += [json.loads(line) for line in rest.splitlines()]
    events = [line["event"] for line in lines]
    assert process.returncode == 0
    assert "database_ahead_of_code" in events and "serve_without_redis" in events
    (starting,) = [line for line in lines if line["event"] == "serve_starting"]
    assert starting["workers"] == 1
    assert sum(str(event).startswith("Booting worker") for event in events) == 1
