"""Refresh pipeline: ingest + scan of a 1,000 events × 30 books × h2h/spreads/totals board, beside the floor.

Run with ``python -m bench.pipeline``. The board is ``bench.board.ChurnBoard`` (180,000 prices, seeded).
Two scenarios per database (PostgreSQL, SQLite), each in a fresh process on a fresh migrated database:
a cold refresh, then three steady refreshes 60 s apart in which every price changes (**full churn**) or
about a fifth of them do (**poll**, what polling The Odds API every minute looks like). A refresh is timed
as the jobs run it, each part in its own transaction: ingest (``ingest_snapshot``) and scan
(``fairedge.opportunities.service.run_scan``).

The floor, measured in the same process right before each refresh: a plain ``COPY`` (SQLite: one
``executemany``) of as many rows as the snapshot has prices into a fresh scratch table with two indexes,
committed. Writing history, the current board and opportunities is FairEdge's own cost above it. Peak
memory is the process's RSS high-water mark (``VmHWM``, the snapshot included), during the ingest and
during the scan separately (Linux resets the mark on request).

Two ideas from the issue are measured beside it: the provider handing over arrays instead of objects (the
same full-churn refreshes ingested from objects into one database and from validated columns into
another, alternating; the providers do not hand over arrays) and parsing The Odds API's JSON with orjson.
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

import orjson
from sqlalchemy import create_engine, text

from bench.board import ChurnBoard
from fairedge.config import Settings
from fairedge.db import migrate
from fairedge.db.engine import make_engine, make_session_factory, session_scope
from fairedge.kit.gcpause import gc_paused
from fairedge.odds.bookmakers import DEFAULT_SHARP_BOOKS
from fairedge.odds.ingestion import ingest_snapshot, store_quotes
from fairedge.odds.providers.odds_api_format import parse_events
from fairedge.opportunities.scan import ScanConfig
from fairedge.opportunities.service import run_scan

EVENTS = int(os.environ.get("BENCH_EVENTS", "1000"))
BOOKS = int(os.environ.get("BENCH_BOOKS", "30"))
STEADY_REFRESHES = 3
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


def _phase_peaks() -> Callable[[], float]:
    """A meter of the RSS high-water mark since it was last read: Linux resets ``VmHWM`` to the current RSS
    on ``5`` written to ``clear_refs``, which tells the ingest's peak from the scan's. Elsewhere it reads
    the process's peak so far."""
    reset = Path("/proc/self/clear_refs")

    def read() -> float:
        peak = _peak_mb()
        if reset.exists():
            reset.write_text("5")
        return peak

    read()
    return read


@contextmanager
def scratch_database(backend: str) -> Iterator[str]:
    """A database of the bench's own: a temporary SQLite file, or a PostgreSQL database dropped after."""
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
    buffer = "".join("\t".join(map(str, row)) + "\n" for row in data)
    with engine.begin() as conn:
        dbapi = conn.connection.driver_connection
        started = time.perf_counter()
        if backend == "postgresql":
            with dbapi.cursor() as cursor, cursor.copy("COPY bench_floor FROM STDIN") as copy:
                copy.write(buffer)
        else:
            dbapi.executemany("INSERT INTO bench_floor VALUES (?, ?, ?, ?, ?, ?)", data)
    seconds = time.perf_counter() - started  # the block's exit committed
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_floor"))
    return seconds


def _counts(report: Any) -> tuple[int, int]:
    """(changed, unchanged) prices of an ``IngestReport`` or a ``StoreStats``."""
    if hasattr(report, "prices_inserted"):
        return report.prices_inserted, report.prices_unchanged
    return report.inserted, report.unchanged


def _ingest_objects(factory: Any, board: ChurnBoard) -> tuple[float, Any]:
    """Ingest the board as the providers hand it over today (objects): seconds, report."""
    snap = board.snapshot()

    def ingest() -> Any:
        with session_scope(factory) as session:
            return ingest_snapshot(session, snap, provider="bench", sharp=DEFAULT_SHARP_BOOKS)

    return _timed(ingest)


def _ingest_columns(factory: Any, board: ChurnBoard) -> tuple[float, Any]:
    """Ingest the board as a provider handing over arrays would (columns, already valid)."""
    snap, quotes = board.catalogue(), board.quote_columns()

    def ingest() -> Any:
        with session_scope(factory) as session:
            return store_quotes(session, snap, quotes, DEFAULT_SHARP_BOOKS)

    return _timed(ingest)


def child(backend: str, scenario: str) -> dict[str, Any]:
    """One scenario on one fresh database, in this (fresh) process: a cold refresh, then the steady ones."""
    board = ChurnBoard(events=EVENTS, books=BOOKS, start=datetime.now(UTC).replace(microsecond=0))
    with scratch_database(backend) as url:
        migrate.upgrade(url)
        engine = make_engine(Settings(_env_file=None, DATABASE_URL=url))
        factory = make_session_factory(engine)
        rows = []
        try:
            for i in range(1 + STEADY_REFRESHES):
                if i:
                    board.step(SCENARIOS[scenario], board.at + timedelta(seconds=60))
                # The floor right before each refresh: both see the same load on a shared machine.
                floor = _floor(engine, backend, EVENTS * BOOKS * 6)
                peak = _phase_peaks()
                t_ingest, report = _ingest_objects(factory, board)  # the snapshot is freed before the scan
                ingest_peak = peak()

                def rescan(now: datetime = board.at) -> Any:
                    with session_scope(factory) as session:
                        return run_scan(session, CONFIG, now=now)

                t_scan, scanned = _timed(rescan)
                scan_peak = peak()
                changed, unchanged = _counts(report)
                rows.append(
                    {
                        "prices": changed + unchanged,
                        "changed": changed,
                        "ingest": t_ingest,
                        "scan": t_scan,
                        "found": sum(scanned.found.values()),
                        "floor": floor,
                        "ingest_peak": ingest_peak,
                        "scan_peak": scan_peak,
                    }
                )
        finally:
            engine.dispose()
    return {"rows": rows}


def ideas_child() -> dict[str, Any]:
    """Ingest from objects and from columns, the same full-churn refreshes into two PostgreSQL databases,
    alternating, so both see the same board and the same machine load."""
    board = ChurnBoard(events=EVENTS, books=BOOKS, start=datetime.now(UTC).replace(microsecond=0))
    ways = {"objects": _ingest_objects, "columns": _ingest_columns}
    times: dict[str, list[float]] = {way: [] for way in ways}
    built: dict[str, list[float]] = {"objects": [], "columns": []}
    with scratch_database("postgresql") as url_a, scratch_database("postgresql") as url_b:
        engines = {}
        for way, url in zip(ways, (url_a, url_b), strict=True):
            migrate.upgrade(url)
            engines[way] = make_engine(Settings(_env_file=None, DATABASE_URL=url))
        try:
            for i in range(1 + STEADY_REFRESHES):
                if i:
                    board.step(SCENARIOS["full churn"], board.at + timedelta(seconds=60))
                built["objects"].append(_timed(board.snapshot)[0])
                built["columns"].append(_timed(lambda: (board.catalogue(), board.quote_columns()))[0])
                order = list(ways) if i % 2 else list(reversed(ways))
                for way in order:
                    seconds, _ = ways[way](make_session_factory(engines[way]), board)
                    if i:
                        times[way].append(seconds)
        finally:
            for engine in engines.values():
                engine.dispose()
    return {
        way: {"ingest": statistics.median(times[way]), "build": statistics.median(built[way][1:])}
        for way in ways
    }


MARKER = "BENCH_RESULT "


def _run_child(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.pipeline", "--child", *args], check=True, capture_output=True, text=True
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith(MARKER))
    return dict(json.loads(line[len(MARKER) :]))


def _json_parsing() -> dict[str, float]:
    """The Odds API JSON of the board: parsed by the standard library and by orjson, and turned into the
    provider's objects (``parse_events``); fastest of 5, the cyclic GC paused as during a refresh."""
    payload = ChurnBoard(events=EVENTS, books=BOOKS, start=datetime.now(UTC)).odds_api_json()

    def fastest(fn: Callable[[], Any]) -> float:
        with gc_paused():
            return min(_timed(fn)[0] for _ in range(5))

    return {
        "mb": len(payload) / 1e6,
        "json": fastest(lambda: json.loads(payload)),
        "orjson": fastest(lambda: orjson.loads(payload)),
        "events_json": fastest(lambda: parse_events(json.loads(payload))),
        "events_orjson": fastest(lambda: parse_events(orjson.loads(payload))),
    }


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
    ideas = _run_child("ideas")
    parsing = _json_parsing()

    print(
        "\nSteady refreshes, median of 3 (ratios: each refresh against the floor measured right before it):"
    )
    print(
        "| database | scenario | prices | changed | floor s | ingest s | ingest × floor | scan s "
        "| ingest + scan s | × floor | worst s | found | peak MB (ingest / scan) | cold ingest + scan s |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    summary = {}
    for (backend, scenario), result in results.items():
        steady, cold = result["rows"][1:], result["rows"][0]
        for r in steady:
            r["total"] = r["ingest"] + r["scan"]
            r["ingest_ratio"], r["ratio"] = r["ingest"] / r["floor"], r["total"] / r["floor"]
        row = {k: _median(steady, k) for k in ("floor", "ingest", "ingest_ratio", "scan", "total", "ratio")}
        summary[(backend, scenario)] = row
        print(
            f"| {backend} | {scenario} | {_median(steady, 'prices'):,.0f} | "
            f"{_median(steady, 'changed'):,.0f} | "
            f"{row['floor']:.3f} | {row['ingest']:.3f} | {row['ingest_ratio']:.1f}× | {row['scan']:.3f} | "
            f"{row['total']:.3f} | {row['ratio']:.1f}× | {max(r['total'] for r in steady):.3f} | "
            f"{_median(steady, 'found'):,.0f} | {max(r['ingest_peak'] for r in result['rows']):.0f} / "
            f"{max(r['scan_peak'] for r in result['rows']):.0f} | "
            f"{cold['ingest'] + cold['scan']:.3f} |"
        )

    print("\nTargets (PostgreSQL, steady median):")
    for scenario, (total_target, ingest_target) in TARGETS.items():
        row = summary[("postgresql", scenario)]
        total, ingest = row["total"], row["ingest"]
        print(
            f"- {scenario}: ingest + scan {total:.3f} s < {total_target} s {_verdict(total < total_target)}"
        )
        print(f"- {scenario}: ingest {ingest:.3f} s ≤ {ingest_target} s {_verdict(ingest <= ingest_target)}")
        if scenario == "full churn":
            verdict = _verdict(row["ratio"] <= MAX_FLOOR_RATIO)
            print(f"- {scenario}: {row['ratio']:.1f}× the floor ≤ {MAX_FLOOR_RATIO}× {verdict}")
    for part in ("ingest", "scan"):
        peak = max(r[f"{part}_peak"] for result in results.values() for r in result["rows"])
        verdict = _verdict(peak <= MAX_PEAK_MB)
        print(f"- peak memory during the {part} {peak:.0f} MB ≤ {MAX_PEAK_MB:.0f} MB {verdict}")

    print("\nIdea: the provider hands over arrays (PostgreSQL, full churn, steady median, same refreshes):")
    print("| ingest from | the bench board builds it s | ingest s |")
    print("| --- | ---: | ---: |")
    for way, label in (
        ("objects", "objects (what the providers hand over)"),
        ("columns", "columns (valid arrays)"),
    ):
        print(f"| {label} | {ideas[way]['build']:.3f} | {ideas[way]['ingest']:.3f} |")
    print(f"\nIdea: parsing The Odds API JSON of the board ({parsing['mb']:.1f} MB) with orjson:")
    print("| parser | loads s | loads + parse_events s |")
    print("| --- | ---: | ---: |")
    print(f"| json (standard library) | {parsing['json']:.3f} | {parsing['events_json']:.3f} |")
    print(f"| orjson | {parsing['orjson']:.3f} | {parsing['events_orjson']:.3f} |")
    sys.stdout.flush()


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


if __name__ == "__main__":
    if sys.argv[1:3] == ["--child", "ideas"]:
        print(MARKER + json.dumps(ideas_child()), flush=True)
    elif sys.argv[1:2] == ["--child"]:
        print(MARKER + json.dumps(child(*sys.argv[2:4])), flush=True)
    else:
        main()
