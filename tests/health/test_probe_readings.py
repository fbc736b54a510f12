"""The probe's readings (board gauges): taken while the database answers, never ending the probe."""

from __future__ import annotations

import time
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

from structlog.testing import capture_logs

from conftest import make_settings
from fairedge.db.engine import make_engine
from fairedge.health.checks import HealthChecks
from fairedge.health.probe import HealthProbe


def _probe_for(url: str, seconds: float, reading: Callable[[], None]) -> list[MutableMapping[str, Any]]:
    engine = make_engine(make_settings(url))
    checks = HealthChecks(engine, None)
    probe = HealthProbe(checks, every_seconds=0.02, readings=(reading,))
    try:
        with capture_logs() as logs:
            probe.start()
            time.sleep(seconds)
            probe.stop()
    finally:
        checks.close()
        engine.dispose()
    return logs


def test_a_failing_reading_is_logged_and_the_probe_goes_on(tmp_path: Path) -> None:
    calls: list[int] = []

    def reading() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the first read fails")

    logs = _probe_for(f"sqlite:///{tmp_path / 'probe.db'}", 0.3, reading)
    assert len(calls) >= 3
    failed = [entry for entry in logs if entry["event"] == "probe_reading_failed"]
    assert [entry["error_type"] for entry in failed] == ["RuntimeError"]


def test_no_reading_while_the_database_does_not_answer() -> None:
    calls: list[int] = []
    logs = _probe_for("postgresql://postgres@127.0.0.1:1/closed", 0.3, lambda: calls.append(1))
    assert calls == []
    assert any(entry["event"] == "health_changed" and entry["status"] == "unhealthy" for entry in logs)
