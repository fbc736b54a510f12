"""The pool gauges follow checkouts and checkins as they happen, and the probe's reading settles the rest."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import REGISTRY

from conftest import make_settings
from fairedge.db.engine import make_engine
from fairedge.observability.dbpool import record_pool


def _gauges() -> tuple[float | None, ...]:
    return tuple(
        REGISTRY.get_sample_value(f"fairedge_db_pool_{name}") for name in ("size", "checked_out", "overflow")
    )


def test_checkouts_and_checkins_move_the_gauges(tmp_path: Path) -> None:
    engine = make_engine(
        make_settings(f"sqlite:///{tmp_path / 'pool.db'}", DB_POOL_SIZE=2, DB_MAX_OVERFLOW=3)
    )
    try:
        assert _gauges() == (2, 0, 0)
        first, second, third = engine.connect(), engine.connect(), engine.connect()
        assert _gauges() == (2, 3, 1)  # the third is an overflow connection
        second.close()
        assert _gauges()[1] == 2
        first.close()
        third.close()
        assert _gauges()[1] == 0
        # The overflow connection was closed after its checkin event: the next reading shows it gone.
        record_pool(engine)
        assert _gauges() == (2, 0, 0)
    finally:
        engine.dispose()
