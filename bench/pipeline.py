"""Refresh pipeline: ingest + scan of a 1,000 events × 30 books × h2h/spreads/totals board, beside the floor.

Run with ``python -m bench.pipeline``. The board is ``bench.board.ChurnBoard`` (180,000 prices, seeded).
Two scenarios per database (PostgreSQL, SQLite), each in a fresh process on a fresh migrated database:
a cold refresh, then three steady refreshes 60 s apart in which every price changes (**full churn**) or
about a fifth of them do (**poll**, what polling The Odds API every minute looks like). A refresh is timed
as the jobs run it, each part in its own transaction: ingest (``ingest_snapshot``) and scan
(``fairedge.opportunities.service.run_scan``).

The floor, measured in the same process: a plain ``COPY`` (SQLite: one ``executemany``) of as many rows as
the snapshot has prices into a scratch table with two indexes, committed. Writing history, the current
board and opportunities is FairEdge's own cost above it. Peak memory is the process's RSS high-water mark
(``VmHWM``), the snapshot it ingests included.

Two ideas from the issue are measured beside it: the provider handing over arrays instead of objects
(ingest of the same full-churn refresh from columns; the providers do not do it yet) and parsing The
Odds API's JSON with orjson instead of the standard library.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.board import ChurnBoard
from fairedge.config import Settings
from fairedge.db import migrate
from fairedge.db.engine import make_engine, make_session_factory, session_scope
from fairedge.odds.bookmakers import DEFAULT_SHARP_BOOKS
from fairedge.odds.ingestion import ingest_snapshot, store_quotes
from fairedge.opportunities.scan import ScanConfig
from fairedge.opportunities.service import run_scan

EVENTS = int(os.environ.get("BENCH_EVENTS", "1000"))
BOOKS = int(os.environ.get("BENCH_BOOKS", "30"))
STEADY_REFRESHES = 3
FLOOR_REPEATS = 3
PG_ADMIN = os.environ.get("FAIREDGE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SCENARIOS = {"full churn": 1.0, "poll": 0.2}  # share of quotes repriced per refresh
CONFIG = ScanConfig(methods=("shin",))
TARGETS = {  # PostgreSQL, seconds: ingest + scan, ingest alone
    "full churn": (2.0, 0.9),
    "poll": (1.0, 0.4),
}
MAX_FLOOR_RATIO = 4.0  # full churn, ingest + scan
MAX_PEAK_MB = 300.0


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _peak_mb() -> float:
    """This process's RSS high-water mark. ``VmHWM`` counts this process only (``ru_maxrss`` may include
    the parent's pages at fork)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def _database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    name = f"fairedge_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _floor(engine: Any, backend: str, rows: int) -> float:
    """Seconds to bulk-load ``rows`` plain rows into a fresh scratch table with two indexes, committed."""
    stamp = "2026-12-01 12:00:00.000000+00:00"
    data = [(i // 60, (i // 2) % BOOKS, i % 2, 1.5 + (i % 97) / 100, stamp, stamp) for i in range(rows)]
    times = []
    for _ in range(FLOOR_REPEATS):
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS bench_floor"))
            conn.execute(
                text(
                    "CREATE TABLE bench_floor (market_id integer, bookmaker_id integer, "
                    "outcome_index smallint, price float, first_seen timestamp with time zone, "
                    "last_update timestamp with time zone)"
                )
            )
            conn.execute(
                text("CREATE INDEX bench_floor_key ON bench_floor (market_id, bookmaker_id, outcome_index)")
            )
            conn.execute(text("CREATE INDEX bench_floor_history ON bench_floor (market_id, first_seen)"))
        if backend == "postgresql":
            buffer = "".join("\t".join(map(str, row)) + "\n" for row in data)
        with engine.begin() as conn:
            dbapi = conn.connection.driver_connection
            started = time.perf_counter()
            if backend == "postgresql":
                with dbapi.cursor() as cursor, cursor.copy("COPY bench_floor FROM STDIN") as copy:
                    copy.write(buffer)
            else:
                dbapi.executemany("INSERT INTO bench_floor VALUES (?, ?, ?, ?, ?, ?)", data)
        times.append(time.perf_counter() - started)  # the block's exit committed
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE bench_floor"))
    return statistics.median(times)


def _counts(report: Any) -> tuple[int, int]:
    """(changed, unchanged) prices of an ``IngestReport`` or a ``StoreStats``."""
    if hasattr(report, "prices_inserted"):
        return report.prices_inserted, report.prices_unchanged
    return report.inserted, report.unchanged


def _ingest(factory: Any, board: ChurnBoard, arrays: bool) -> tuple[float, Any, float]:
    """Ingest the board as it stands: seconds, report, seconds the provider took to build columns."""
    if arrays:
        provider_s, (snap, quotes) = _timed(lambda: (board.catalogue(), board.quote_columns()))
        with session_scope(factory) as session:
            seconds, report = _timed(lambda: store_quotes(session, snap, quotes, DEFAULT_SHARP_BOOKS))
        return seconds, report, provider_s
    snap = board.snapshot()

    def ingest() -> Any:
        with session_scope(factory) as session:
            return ingest_snapshot(session, snap, provider="bench", sharp=DEFAULT_SHARP_BOOKS)

    seconds, report = _timed(ingest)
    return seconds, report, 0.0


def child(backend: str, scenario: str, arrays: bool) -> dict[str, Any]:
    """One scenario on one fresh database, in this (fresh) process: a cold refresh, then the steady ones."""
    board = ChurnBoard(events=EVENTS, books=BOOKS, start=datetime.now(UTC).replace(microsecond=0))
    with _database(backend) as url:
        migrate.upgrade(url)
        engine = make_engine(Settings(_env_file=None, DATABASE_URL=url))
        factory = make_session_factory(engine)
        rows = []
        try:
            for i in range(1 + STEADY_REFRESHES):
                if i:
                    board.step(SCENARIOS[scenario], board.at + timedelta(seconds=60))
                # The snapshot is gone by the time the scan runs, as in the jobs.
                t_ingest, report, provider_s = _ingest(factory, board, arrays and i > 0)

                def rescan(now: datetime = board.at) -> Any:
                    with session_scope(factory) as session:
                        return run_scan(session, CONFIG, now=now)

                t_scan, scanned = _timed(rescan)
                changed, unchanged = _counts(report)
                rows.append(
                    {
                        "prices": changed + unchanged,
                        "changed": changed,
                        "ingest": t_ingest,
                        "scan": t_scan,
                        "found": sum(scanned.found.values()),
                        "provider": provider_s,
                    }
                )
            floor = _floor(engine, backend, rows[-1]["prices"])
        finally:
            engine.dispose()
    return {"rows": rows, "floor": floor, "peak_mb": _peak_mb()}


MARKER = "BENCH_RESULT "


def _run_child(backend: str, scenario: str, arrays: bool = False) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.pipeline",
            "--child",
            backend,
            scenario,
            "arrays" if arrays else "objects",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith(MARKER))
    return dict(json.loads(line[len(MARKER) :]))


def _json_parsing() -> dict[str, float]:
    """The Odds API JSON of the board, parsed by the standard library and by orjson (median of 3)."""
    import orjson  # a dev dependency: measured here, not used by the providers

    payload = ChurnBoard(events=EVENTS, books=BOOKS, start=datetime.now(UTC)).odds_api_json()
    stdlib = statistics.median(_timed(lambda: json.loads(payload))[0] for _ in range(3))
    fast = statistics.median(_timed(lambda: orjson.loads(payload))[0] for _ in range(3))
    return {"mb": len(payload) / 1e6, "json": stdlib, "orjson": fast}


def _median(rows: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in rows))


def main() -> None:
    print(
        f"# Refresh pipeline: {EVENTS} events × {BOOKS} books × h2h/spreads/totals "
        f"({EVENTS * BOOKS * 6:,} prices; bench.board, seed 2026)"
    )
    results = {
        (backend, scenario): _run_child(backend, scenario)
        for backend in ("postgresql", "sqlite")
        for scenario in SCENARIOS
    }
    arrays = _run_child("postgresql", "full churn", arrays=True)
    parsing = _json_parsing()

    print("\nSteady refreshes (median of 3; cold refresh in the last columns):")
    print(
        "| database | scenario | prices | changed | floor s | ingest s | scan s | ingest + scan s | × floor "
        "| worst s | found | peak MB | cold ingest + scan s |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for (backend, scenario), result in results.items():
        steady, cold = result["rows"][1:], result["rows"][0]
        ingest, scan = _median(steady, "ingest"), _median(steady, "scan")
        worst = max(r["ingest"] + r["scan"] for r in steady)
        print(
            f"| {backend} | {scenario} | {_median(steady, 'prices'):,.0f} | "
            f"{_median(steady, 'changed'):,.0f} | "
            f"{result['floor']:.3f} | {ingest:.3f} | {scan:.3f} | {ingest + scan:.3f} | "
            f"{(ingest + scan) / result['floor']:.1f}× | {worst:.3f} | {_median(steady, 'found'):,.0f} | "
            f"{result['peak_mb']:.0f} | {cold['ingest'] + cold['scan']:.3f} |"
        )

    print("\nTargets (PostgreSQL, steady median):")
    for scenario, (total_target, ingest_target) in TARGETS.items():
        result = results[("postgresql", scenario)]
        steady = result["rows"][1:]
        ingest, total = _median(steady, "ingest"), _median(steady, "ingest") + _median(steady, "scan")
        print(
            f"- {scenario}: ingest + scan {total:.3f} s < {total_target} s {_verdict(total < total_target)}"
        )
        print(f"- {scenario}: ingest {ingest:.3f} s ≤ {ingest_target} s {_verdict(ingest <= ingest_target)}")
        if scenario == "full churn":
            ratio = total / result["floor"]
            verdict = _verdict(ratio <= MAX_FLOOR_RATIO)
            print(f"- {scenario}: {ratio:.1f}× the floor ≤ {MAX_FLOOR_RATIO}× {verdict}")
    peak = max(r["peak_mb"] for r in results.values())
    print(f"- peak memory {peak:.0f} MB ≤ {MAX_PEAK_MB:.0f} MB {_verdict(peak <= MAX_PEAK_MB)}")

    objects = results[("postgresql", "full churn")]["rows"][1:]
    print("\nIdeas measured (PostgreSQL, full churn, steady median):")
    print("| ingest from | provider builds s | ingest s |")
    print("| --- | ---: | ---: |")
    print(f"| objects (what the providers hand over today) | — | {_median(objects, 'ingest'):.3f} |")
    print(
        f"| columns (a provider handing over arrays) | {_median(arrays['rows'][1:], 'provider'):.3f} | "
        f"{_median(arrays['rows'][1:], 'ingest'):.3f} |"
    )
    print(
        f"\nParsing The Odds API JSON of the board ({parsing['mb']:.1f} MB): json {parsing['json']:.3f} s, "
        f"orjson {parsing['orjson']:.3f} s ({parsing['json'] / parsing['orjson']:.1f}×)"
    )
    sys.stdout.flush()


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        backend, scenario, mode = sys.argv[2:5]
        print(MARKER + json.dumps(child(backend, scenario, mode == "arrays")), flush=True)
    else:
        main()
