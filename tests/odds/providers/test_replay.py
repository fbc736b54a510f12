"""Replay recorded The Odds API files, one per fetch."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from factories import FakeClock, replay_example
from fairedge.odds.providers.base import Snapshot
from fairedge.odds.providers.odds_api_format import ProviderFormatError
from fairedge.odds.providers.replay import ReplayProvider


def _write(folder: Path, name: str, payload: object) -> Path:
    path = folder / name
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def _only_first_event(tag: str) -> list[dict[str, Any]]:
    first = replay_example()[0]
    first["id"] = tag
    return [first]


def test_plays_files_in_name_order_one_per_fetch(tmp_path: Path) -> None:
    _write(tmp_path, "b.json", _only_first_event("second"))
    _write(tmp_path, "a.json", _only_first_event("first"))
    _write(tmp_path, "c.json", _only_first_event("third"))
    (tmp_path / "notes.txt").write_text("ignored")
    provider = ReplayProvider(tmp_path)

    played = [provider.fetch().events[0].id for _ in range(3)]

    assert played == ["first", "second", "third"]
    assert provider.name == "replay"


def test_plain_list_takes_newest_last_update_as_fetch_time(tmp_path: Path) -> None:
    _write(tmp_path, "001.json", replay_example())
    snapshot = ReplayProvider(str(tmp_path)).fetch()
    assert snapshot.fetched_at == datetime(2026, 1, 15, 18, 21, 44, tzinfo=UTC)
    assert [e.status for e in snapshot.events] == ["upcoming", "upcoming"]
    assert snapshot.bookmakers[0].key == "pinnacle"


def test_historical_wrapper_timestamp_is_the_fetch_time(tmp_path: Path) -> None:
    wrapper = {
        "timestamp": "2026-01-16T01:00:00Z",
        "previous_timestamp": "2026-01-16T00:55:00Z",
        "next_timestamp": "2026-01-16T01:05:00Z",
        "data": replay_example(),
    }
    _write(tmp_path, "001.json", wrapper)
    snapshot = ReplayProvider(tmp_path).fetch()
    assert snapshot.fetched_at == datetime(2026, 1, 16, 1, 0, tzinfo=UTC)
    assert [e.status for e in snapshot.events] == ["live", "upcoming"]  # first tip-off was at 00:40


def test_file_without_any_time_uses_its_modification_time(tmp_path: Path) -> None:
    event = replay_example()[0]
    event["bookmakers"] = []
    path = _write(tmp_path, "001.json", [event])
    os.utime(path, (1_768_500_000, 1_768_500_000))
    snapshot = ReplayProvider(tmp_path).fetch()
    assert snapshot.fetched_at == datetime.fromtimestamp(1_768_500_000, UTC)


def test_invalid_json_names_the_file_and_the_next_fetch_moves_on(tmp_path: Path) -> None:
    _write(tmp_path, "001.json", _only_first_event("first"))
    (tmp_path / "002.json").write_text("{not json", encoding="utf-8")
    _write(tmp_path, "003.json", _only_first_event("third"))
    provider = ReplayProvider(tmp_path)

    assert provider.fetch().events[0].id == "first"
    with pytest.raises(ProviderFormatError, match=r"002\.json") as info:
        provider.fetch()
    assert info.value.source is not None
    assert info.value.source.endswith("002.json")
    assert provider.fetch().events[0].id == "third"


def test_malformed_event_in_a_file_names_the_file_and_event(tmp_path: Path) -> None:
    broken = replay_example()
    del broken[1]["home_team"]
    _write(tmp_path, "001.json", broken)
    with pytest.raises(ProviderFormatError, match=r"001\.json.*event 1"):
        ReplayProvider(tmp_path).fetch()


def test_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        ReplayProvider(tmp_path / "nope")


def test_folder_without_json_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("nothing here")
    with pytest.raises(ValueError, match=r"no \*\.json files"):
        ReplayProvider(tmp_path)


def test_after_the_last_file_keeps_the_last_snapshot_and_is_exhausted(tmp_path: Path) -> None:
    _write(tmp_path, "001.json", _only_first_event("first"))
    _write(tmp_path, "002.json", _only_first_event("second"))
    provider = ReplayProvider(tmp_path)

    provider.fetch()
    assert not provider.exhausted
    last = provider.fetch()
    assert provider.exhausted
    assert provider.fetch() is last
    assert provider.fetch().events[0].id == "second"


def test_loop_starts_over(tmp_path: Path) -> None:
    _write(tmp_path, "001.json", _only_first_event("first"))
    _write(tmp_path, "002.json", _only_first_event("second"))
    provider = ReplayProvider(tmp_path, loop=True)

    played = [provider.fetch().events[0].id for _ in range(5)]

    assert played == ["first", "second", "first", "second", "first"]
    assert not provider.exhausted


# ------------------------------------------------------------------------------------------ shift to now

RECORDED_AT = datetime(2026, 1, 15, 18, 21, 44, tzinfo=UTC)  # the sample's newest last_update
TODAY = datetime(2026, 12, 2, 9, 30, 0, 123456, tzinfo=UTC)


def _times(snapshot: Snapshot) -> list[datetime | None]:
    """Every time in a snapshot, in a fixed order."""
    times: list[datetime | None] = [snapshot.fetched_at]
    for event in snapshot.events:
        times.append(event.commence_time)
        for book in event.bookmakers:
            times.append(book.last_update)
            times.extend(market.last_update for market in book.markets)
    return times


def test_shift_now_moves_every_time_by_one_delta_so_the_first_snapshot_is_now(tmp_path: Path) -> None:
    _write(tmp_path, "001.json", replay_example())
    recorded = ReplayProvider(tmp_path).fetch()
    shifted = ReplayProvider(tmp_path, shift="now", clock=FakeClock(TODAY)).fetch()

    assert shifted.fetched_at == TODAY
    delta = TODAY - RECORDED_AT
    before, after = _times(recorded), _times(shifted)
    assert len(before) == len(after) > 20
    assert None not in before
    assert [b + delta for b in before if b is not None] == after
    assert (
        [e.status for e in shifted.events] == [e.status for e in recorded.events] == ["upcoming", "upcoming"]
    )
    assert shifted.events[0].commence_time == datetime(2026, 1, 16, 0, 40, tzinfo=UTC) + delta
    assert [(e.id, e.bookmakers[0].markets[0].outcomes) for e in shifted.events] == [
        (e.id, e.bookmakers[0].markets[0].outcomes) for e in recorded.events
    ]


def test_shift_now_keeps_the_offsets_between_files(tmp_path: Path) -> None:
    later = {
        "timestamp": "2026-01-16T01:00:00Z",
        "data": replay_example(),
    }  # 6 h 38 min 16 s after the first file
    _write(tmp_path, "001.json", replay_example())
    _write(tmp_path, "002.json", later)
    provider = ReplayProvider(tmp_path, shift="now", clock=FakeClock(TODAY, tick=5))

    first, second = provider.fetch(), provider.fetch()

    assert first.fetched_at == TODAY
    assert second.fetched_at - first.fetched_at == timedelta(hours=6, minutes=38, seconds=16)
    assert second.events[0].commence_time == first.events[0].commence_time
    assert [e.status for e in second.events] == ["live", "upcoming"]  # as recorded: the first game tipped off


def test_shift_none_plays_the_file_as_recorded(tmp_path: Path) -> None:
    _write(tmp_path, "001.json", replay_example())
    default = ReplayProvider(tmp_path).fetch()
    unshifted = ReplayProvider(tmp_path, shift="none", clock=FakeClock(TODAY)).fetch()

    assert unshifted == default
    assert unshifted.fetched_at == RECORDED_AT


def test_an_unknown_shift_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "001.json", replay_example())
    with pytest.raises(ValueError, match="none, now"):
        ReplayProvider(tmp_path, shift="later")  # type: ignore[arg-type]  # the invalid value under test
