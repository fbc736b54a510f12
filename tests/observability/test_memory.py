"""memory_warning: once each time a process's resident memory rises past the threshold, not at every check."""

from __future__ import annotations

from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from fairedge.observability.memory import MB, MemoryWatch, resident_bytes


def _readings(*values_mb: float) -> list[str]:
    """The events a watch with a 250 MB threshold logs over these readings."""
    feed = iter(values_mb)
    watch = MemoryWatch(250, rss=lambda: int(next(feed) * MB))
    with capture_logs() as logs:
        for _ in values_mb:
            watch.check()
    return [f"{entry['event']}@{entry['rss_mb']:g}" for entry in logs]


def test_a_warning_per_crossing_and_none_while_it_stays_above() -> None:
    assert _readings(100, 300, 310, 320, 240, 260) == ["memory_warning@300"]


def test_the_warning_rearms_once_memory_is_well_below_the_threshold() -> None:
    # 240 MB is under the line but within 10 % of it: no recovery yet, and 260 MB does not warn again.
    assert _readings(300, 240, 200, 260, 100) == [
        "memory_warning@300",
        "memory_recovered@200",
        "memory_warning@260",
        "memory_recovered@100",
    ]


def test_the_gauge_follows_every_reading_even_with_warnings_off() -> None:
    feed = iter([400 * MB, 120 * MB])
    watch = MemoryWatch(0, rss=lambda: next(feed))
    with capture_logs() as logs:
        watch.check()
        assert REGISTRY.get_sample_value("fairedge_process_resident_memory_bytes") == 400 * MB
        watch.check()
    assert REGISTRY.get_sample_value("fairedge_process_resident_memory_bytes") == 120 * MB
    assert logs == []


def test_resident_bytes_grows_with_what_the_process_touches() -> None:
    before = resident_bytes()
    block = bytearray(64 * MB)
    block[::4096] = b"\x01" * (64 * MB // 4096)  # a write to every page: resident, not only reserved
    grown = resident_bytes() - before
    assert 48 * MB < grown < 128 * MB


def test_the_watch_thread_checks_at_start_and_stops() -> None:
    seen: list[int] = []

    def rss() -> int:
        seen.append(1)
        return 10 * MB

    watch = MemoryWatch(250, every_seconds=60, rss=rss)
    watch.start()
    watch.stop()
    assert seen == [1]
