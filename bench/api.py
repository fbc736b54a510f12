"""``make bench-api``: the cached ``GET /api/opportunities`` beside a hello-world route, served the same way.

Run with ``python -m bench.api`` (wrk must be installed: ``make bench-api`` installs it with apt when it is
missing). One PostgreSQL database is made for the run (migrated, a simulator board of ``BENCH_API_EVENTS``
events refreshed and scanned, a user on the ``pro`` plan with an API key) and dropped after; the cache and the
rate limiter use the real Redis at ``BENCH_REDIS_URL`` under a key prefix of the run's own.

The server is what ``fairedge serve`` runs: gunicorn with FairEdge's configuration
(``fairedge.gunicorn_conf``: uvicorn workers, JSON logs, Prometheus multiprocess mode), ``BENCH_API_WORKERS``
workers (2: ``fairedge serve``'s least), the app from ``bench.api_app``: ``create_app()`` with a hello-world
route added for the bench. So hello world and the list pass through the same server, workers, middleware
(request id, metrics, one log line per request, security headers) and logging. wrk drives each with 100
connections for ``BENCH_API_SECONDS`` after a short warm-up, one after the other:

- hello world, before and after the rest (the ratio is against their mean);
- the default list, anonymous (development: ``ANONYMOUS_PLAN`` local, no rate limit);
- the default list with an API key on the ``pro`` plan (rate-limited: each request spends from its Redis
  bucket; the limit is raised so that none is refused);
- the default list, anonymous, on a second server with the cache off (``CACHE_TTL_SECONDS=0``): what a miss
  costs;
- for scale, a bare FastAPI hello world (no middleware, no logging) on a third server.

The cache's hit and miss counters are read from ``/metrics`` around each cached run. The target (issue 8):
the cached list at least half hello world's requests per second, p99 under 100 ms, no errors, for both
callers.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import redis
from prometheus_client.parser import text_string_to_metric_families

from bench.api_app import HELLO
from bench.pipeline import scratch_database
from fairedge.config import Settings
from fairedge.db import migrate
from fairedge.db.engine import session_scope
from fairedge.runtime import Runtime
from fairedge.users import service as users
from fairedge.users.models import User

EVENTS = int(os.environ.get("BENCH_API_EVENTS", "500"))
WORKERS = int(os.environ.get("BENCH_API_WORKERS", "2"))
SECONDS = int(os.environ.get("BENCH_API_SECONDS", "10"))
WARMUP_SECONDS = 2
START_SECONDS = float(os.environ.get("BENCH_API_START_SECONDS", "180"))  # a loaded machine imports slowly
CONNECTIONS = 100
THREADS = 2
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[1]
LIST = "/api/opportunities"
TARGET_RATIO, TARGET_P99_MS = 0.5, 100.0

# wrk's summary as one JSON line (latencies in ms; errors: non-2xx/3xx answers and socket errors).
REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"p50":%.3f,"p90":%.3f,"p99":%.3f,"max":%.3f,"non2xx":%d,"socket":%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Run:
    name: str
    requests: int
    seconds: float
    p50: float
    p90: float
    p99: float
    max: float
    errors: int
    hits: float | None = None  # the cache's counters over the run (view opportunities)
    misses: float | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def hit_ratio(self) -> str:
        if self.hits is None or self.misses is None or not self.hits + self.misses:
            return "-"
        return f"{self.hits / (self.hits + self.misses):.1%}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seed(url: str) -> str:
    """Migrate, fill the board (one simulator refresh and a scan), and make a pro user: its API key."""
    migrate.upgrade(url)
    settings = Settings(
        _env_file=None, DATABASE_URL=url, ODDS_PROVIDER="simulator", SIMULATOR_EVENTS=EVENTS, SIMULATOR_SEED=7
    )
    runtime = Runtime.build(settings)
    try:
        jobs = runtime.jobs()
        jobs["tasks.odds_refresh"]()
        jobs["tasks.ev_calculation"]()
        now = datetime.now(UTC)
        with session_scope(runtime.session_factory) as session:
            user = User(
                email="bench@example.com",
                password_hash="!",  # never logs in: the API key is its credential
                role="user",
                created_at=now,
                email_verified_at=now,
            )
            session.add(user)
            session.flush()
            users.grant_plan(session, user.email, "pro", until=None, actor_id=None, reason="bench", now=now)
            _, key = users.create_api_key(
                session, user, "bench", allowed=5, plan_name="pro", client_ip="127.0.0.1", now=now
            )
    finally:
        runtime.close()
    return key


@contextmanager
def _server(spec: str, env: dict[str, str], log: Path) -> Iterator[str]:
    """gunicorn serving ``spec`` as ``fairedge serve`` does; its whole process group is ended after."""
    port = _free_port()
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config=python:fairedge.gunicorn_conf",
        f"--bind=127.0.0.1:{port}",
        f"--workers={WORKERS}",
        spec,
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; its log:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(base + "/health", timeout=2).status_code < 600:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):  # gone already (it failed to start): say why, above
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wrk(url: str, seconds: int, headers: dict[str, str], script: Path) -> dict[str, float]:
    argv = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s", "-s", str(script)]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    done = subprocess.run([*argv, url], capture_output=True, text=True, check=True)
    summary: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary


def _cache_counts(base: str) -> tuple[float, float]:
    text = httpx.get(base + "/metrics", timeout=10).text
    hits = misses = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels.get("view") != "opportunities":
                continue
            if sample.name == "fairedge_cache_hits_total":
                hits += sample.value
            elif sample.name == "fairedge_cache_misses_total":
                misses += sample.value
    return hits, misses


def _measure(
    name: str, base: str, path: str, script: Path, headers: dict[str, str] | None = None, cached: bool = False
) -> Run:
    headers = headers or {}
    response = httpx.get(base + path, headers=headers, timeout=30)
    response.raise_for_status()  # the first answer fills the cache; a refusal stops the bench here
    _wrk(base + path, WARMUP_SECONDS, headers, script)
    time.sleep(1)  # what the warm-up left queued drains before the measured run
    before = _cache_counts(base) if cached else None
    summary = _wrk(base + path, SECONDS, headers, script)
    run = Run(
        name,
        int(summary["requests"]),
        summary["seconds"],
        summary["p50"],
        summary["p90"],
        summary["p99"],
        summary["max"],
        int(summary["non2xx"] + summary["socket"]),
    )
    if before is not None:
        after = _cache_counts(base)
        run.hits, run.misses = after[0] - before[0], after[1] - before[1]
    time.sleep(1)
    return run


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: `sudo apt-get install -y wrk` (make bench-api does it)")
    with redis.Redis.from_url(REDIS_URL, socket_timeout=1) as client:
        client.ping()
    prefix = f"fairedge-bench-{uuid.uuid4().hex[:8]}:"
    runs: list[Run] = []
    with (
        scratch_database("postgresql") as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        key = _seed(url)
        script = Path(tmp) / "report.lua"
        script.write_text(REPORT_LUA)
        env = {
            **os.environ,
            "ENVIRONMENT": "development",
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": prefix,
            "RATE_LIMIT_PRO": "100000000/minute",  # limited (a Redis bucket per request), never refused
            "LOG_FORMAT": "json",
            "PROMETHEUS_MULTIPROC_DIR": str(Path(tmp) / "metrics"),
        }
        env.pop("ANONYMOUS_PLAN", None)  # development: anonymous requests get the local plan
        log = Path(tmp) / "server.log"
        try:
            with _server("bench.api_app:create()", env, log) as base:
                runs.append(_measure("hello world (same app)", base, HELLO, script))
                runs.append(_measure("list, anonymous", base, LIST, script, cached=True))
                runs.append(_measure("list, API key (pro)", base, LIST, script, {"X-API-Key": key}, True))
                runs.append(_measure("hello world (same app), again", base, HELLO, script))
            with _server("bench.api_app:create()", {**env, "CACHE_TTL_SECONDS": "0"}, log) as base:
                runs.append(_measure("list, anonymous, cache off", base, LIST, script))
            with _server("bench.api_app:create_bare()", env, log) as base:
                runs.append(_measure("bare FastAPI hello world", base, HELLO, script))
        finally:
            with redis.Redis.from_url(REDIS_URL) as client:
                stale = list(client.scan_iter(match=prefix + "*", count=1000))
                if stale:
                    client.delete(*stale)
    _report(runs)


def _report(runs: list[Run]) -> None:
    hello = (runs[0].rps + runs[3].rps) / 2
    print(
        f"GET {LIST} (the default page of {EVENTS} simulator events' board) beside hello world: gunicorn, "
        f"{WORKERS} uvicorn workers, {CONNECTIONS} connections, {SECONDS} s each"
    )
    columns = ("req/s", "vs hello", "p50 ms", "p99 ms", "max ms", "errors", "hits")
    print(f"{'':34}" + "".join(f"{c:>9}" for c in columns))
    for run in runs:
        cells = (
            f"{run.rps:.0f}",
            f"{run.rps / hello:.1%}",
            f"{run.p50:.1f}",
            f"{run.p99:.1f}",
            f"{run.max:.1f}",
            str(run.errors),
            run.hit_ratio,
        )
        print(f"{run.name:34}" + "".join(f"{c:>9}" for c in cells))
    for run in runs[1:3]:
        met = run.rps >= TARGET_RATIO * hello and run.p99 < TARGET_P99_MS and run.errors == 0
        print(
            f"{run.name}: {run.rps / hello:.0%} of hello world (target >= {TARGET_RATIO:.0%}), p99 "
            f"{run.p99:.0f} ms (target < {TARGET_P99_MS:.0f}), {run.errors} errors: "
            f"{'met' if met else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
