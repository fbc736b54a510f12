"""Every gauge says how several processes' values combine under `fairedge serve`."""

from __future__ import annotations

from prometheus_client import Gauge

from fairedge.observability import metrics


def test_no_gauge_exports_one_series_per_process() -> None:
    gauges = {g._name: g._multiprocess_mode for g in vars(metrics).values() if isinstance(g, Gauge)}
    # "all" (the default) labels each process's value with its pid, dead workers' included.
    assert gauges and {name: mode for name, mode in gauges.items() if mode in ("all", "liveall")} == {}
