"""Refresh pipeline: ingest + scan of a 1,000 events × 30 books × 3 markets board, on PostgreSQL and SQLite.

Run with ``python -m bench.pipeline``. The simulator makes the board (seeded). Two scenarios, each on a
fresh migrated database per backend: a cold first refresh (every price new), then three steady refreshes
60 s apart — in "poll" the market moves for one minute between refreshes, as when The Odds API is polled
every minute (~20 % of prices change); in "stress" it moves for an hour, the demo's accelerated market
(40–65 % change). Each refresh is timed as ingest (store the snapshot) and scan (price the board, replace
the opportunities), each in its own transaction like the jobs.

Baseline, same run, same board: a plain per-market Python scan — loop over markets, devig each sharp
book's quote with a one-market call, average, then EV for every book's outcome in Python — against the
vectorised scan's pricing pass on the same in-memory board.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import create_engine, text

from fairedge.config import Settings
from fairedge.db import migrate
from fairedge.db.engine import make_engine, make_session_factory, session_scope
from fairedge.odds import repository as odds_repo
from fairedge.odds.bookmakers import DEFAULT_SHARP_BOOKS
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.odds.providers.simulator import SimulatorProvider
from fairedge.opportunities.scan import BookTable, ScanConfig, Shape, build_quotes, scan
from fairedge.opportunities.service import run_scan
from fairedge.pricing.devig import devig

EVENTS = int(os.environ.get("BENCH_EVENTS", "1000"))
BOOKS = int(os.environ.get("BENCH_BOOKS", "30"))
STEADY_REFRESHES = 3
PG_ADMIN = os.environ.get("FAIREDGE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CONFIG = ScanConfig(methods=("shin",))


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


SCENARIOS = (("poll", 1.0), ("stress", 60.0))  # name, simulated seconds per real second


def _snapshots(time_scale: float) -> list[Any]:
    clock = Clock()
    provider = SimulatorProvider(
        seed=2026, n_events=EVENTS, n_books=BOOKS, clock=clock, time_scale=time_scale
    )
    snaps = []
    for _ in range(1 + STEADY_REFRESHES):
        snaps.append(provider.fetch())
        clock.now += timedelta(seconds=60)
    return snaps


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _run_backend(name: str, url: str, snaps: list[Any]) -> dict[str, Any]:
    migrate.upgrade(url)
    engine = make_engine(Settings(_env_file=None, DATABASE_URL=url))  # type: ignore[call-arg]
    factory = make_session_factory(engine)
    rows = []
    try:
        for i, snap in enumerate(snaps):

            def ingest(s: Any = snap) -> Any:
                with session_scope(factory) as session:
                    return ingest_snapshot(session, s, provider="simulator", sharp=DEFAULT_SHARP_BOOKS)

            def rescan() -> Any:
                with session_scope(factory) as session:
                    return run_scan(session, CONFIG)

            t_ingest, report = _timed(ingest)
            t_scan, scanned = _timed(rescan)
            rows.append(
                {
                    "refresh": "cold" if i == 0 else f"steady {i}",
                    "prices": report.prices_inserted + report.prices_unchanged,
                    "changed": report.prices_inserted,
                    "ingest": t_ingest,
                    "scan": t_scan,
                    "found": sum(scanned.found.values()),
                }
            )
    finally:
        engine.dispose()
    return {"backend": name, "rows": rows}


def _pg_database() -> tuple[str, Callable[[], None]]:
    name = f"fairedge_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", drop


def _loop_scan(board: odds_repo.BoardRows, books: dict[int, tuple[float, float]], min_ev: float) -> int:
    """The baseline: one market at a time, a one-market devig call per sharp quote, EV in Python."""
    quotes: dict[int, dict[int, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for m, b, o, p in zip(
        board.market_id.tolist(),
        board.bookmaker_id.tolist(),
        board.outcome_index.tolist(),
        board.price.tolist(),
        strict=True,
    ):
        quotes[m][b][o] = p
    found = 0
    for by_book in quotes.values():
        width = max(len(q) for q in by_book.values())
        fair = [0.0] * width
        total = 0.0
        for book_id, q in by_book.items():
            weight, commission = books.get(book_id, (0.0, 0.0))
            if weight <= 0 or len(q) != width:
                continue
            row = [1 + (q[i] - 1) * (1 - commission) for i in range(width)]
            probs = devig(np.array(row), "shin")
            for i in range(width):
                fair[i] += weight * float(probs[i])
            total += weight
        if total == 0:
            for q in by_book.values():
                if len(q) == width:
                    probs = devig(np.array([q[i] for i in range(width)]), "shin")
                    for i in range(width):
                        fair[i] += float(probs[i])
                    total += 1
        if total == 0:
            continue
        fair = [f / total for f in fair]
        for book_id, q in by_book.items():
            commission = books.get(book_id, (0.0, 0.0))[1]
            for i, price in q.items():
                if fair[i] * (1 + (price - 1) * (1 - commission)) - 1 >= min_ev:
                    found += 1
    return found


def _scan_comparison(url: str) -> dict[str, float]:
    """Vectorised pricing pass vs the per-market loop, on the board now stored at ``url``."""
    engine = make_engine(Settings(_env_file=None, DATABASE_URL=url))  # type: ignore[call-arg]
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        book_rows = odds_repo.all_bookmakers(session)
        board_time = odds_repo.latest_refresh(session)
        assert board_time is not None
        board = odds_repo.load_board(session, now=board_time)
        table = BookTable.build(
            [(b.id, b.key, b.sharp_weight if b.is_sharp else 0.0, b.commission) for b in book_rows]
        )
        shapes = {
            s.id: Shape(s.event_id, s.key, s.period, s.point, s.player)
            for s in odds_repo.line_market_shapes(session)
        }
    engine.dispose()
    book_facts = {b.id: (b.sharp_weight if b.is_sharp else 0.0, b.commission) for b in book_rows}

    def vectorised() -> int:
        quotes = build_quotes(
            board.market_id,
            board.bookmaker_id,
            board.outcome_index,
            board.price,
            board.confirmed_at,
            board_time=board_time.timestamp(),
            books=table,
        )
        return len(scan(quotes, table, shapes, CONFIG))

    vec_times = [_timed(vectorised)[0] for _ in range(3)]
    loop_time, _ = _timed(lambda: _loop_scan(board, book_facts, CONFIG.min_ev))
    vec = statistics.median(vec_times)
    return {"prices": len(board.price), "vectorised": vec, "loop": loop_time, "ratio": loop_time / vec}


def main() -> None:
    print(f"# Refresh pipeline: {EVENTS} events × {BOOKS} books × h2h/spreads/totals (simulator, seed 2026)")
    results = []
    comparison = None
    for scenario, time_scale in SCENARIOS:
        snaps = _snapshots(time_scale)
        pg_url, drop = _pg_database()
        try:
            results.append({"scenario": scenario, **_run_backend("postgresql", pg_url, snaps)})
            if comparison is None:
                comparison = _scan_comparison(pg_url)
        finally:
            drop()
        with tempfile.TemporaryDirectory() as tmp:
            sqlite_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            results.append({"scenario": scenario, **_run_backend("sqlite", sqlite_url, snaps)})

    print(
        "| scenario | database | refresh | prices | changed | ingest s | scan s | ingest+scan s | prices/s "
        "| found |"
    )
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for result in results:
        for r in result["rows"]:
            total = r["ingest"] + r["scan"]
            print(
                f"| {result['scenario']} | {result['backend']} | {r['refresh']} | {r['prices']:,} | "
                f"{r['changed']:,} | {r['ingest']:.3f} | {r['scan']:.3f} | {total:.3f} | "
                f"{r['prices'] / total:,.0f} | {r['found']:,} |"
            )
    if comparison:
        print(f"\nScan pricing pass on the same board ({comparison['prices']:,} prices, fair line: shin):")
        print("| scan | seconds | prices/s | speed-up |")
        print("| --- | ---: | ---: | ---: |")
        print(
            f"| per-market Python loop (baseline) | {comparison['loop']:.3f} | "
            f"{comparison['prices'] / comparison['loop']:,.0f} | 1.0× |"
        )
        print(
            f"| vectorised scan (+EV, arbitrage, middles) | {comparison['vectorised']:.3f} | "
            f"{comparison['prices'] / comparison['vectorised']:,.0f} | {comparison['ratio']:.1f}× |"
        )
    print("\nTarget: ingest + scan under 2 s on PostgreSQL")
    for result in results:
        if result["backend"] != "postgresql":
            continue
        for label, rows in (("cold", result["rows"][:1]), ("steady worst", result["rows"][1:])):
            worst = max(r["ingest"] + r["scan"] for r in rows)
            print(f"- {result['scenario']} {label}: {worst:.3f}s {'met' if worst < 2 else 'MISSED'}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
