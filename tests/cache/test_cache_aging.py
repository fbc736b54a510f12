"""Cached JSON whose ages are filled in when served: exact at any later moment, never negative, and the
stored bytes survive a round trip or are refused."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import orjson

from fairedge.cache.aging import AgedJson, Since


def test_ages_are_computed_when_served() -> None:
    entry = AgedJson.dump({"age": Since(100.0), "nested": [{"age": Since(90.5)}]}, computed_at=100.0)
    assert orjson.loads(entry.render(100.0)) == {"age": 0.0, "nested": [{"age": 9.5}]}
    assert orjson.loads(entry.render(112.25)) == {"age": 12.25, "nested": [{"age": 21.75}]}


def test_an_age_is_never_negative() -> None:
    entry = AgedJson.dump([Since(50.0)], computed_at=40.0)
    assert orjson.loads(entry.render(45.0)) == [0.0]


def test_text_with_percent_signs_and_control_characters_is_kept_as_it_was() -> None:
    when = datetime(2026, 1, 15, 18, tzinfo=UTC)
    document = {"name": "50% off \x00 %s %.3f", "when": when, "age": Since(1.0)}
    rendered = orjson.loads(AgedJson.dump(document, computed_at=1.0).render(3.0))
    assert rendered == {"name": "50% off \x00 %s %.3f", "when": "2026-01-15T18:00:00Z", "age": 2.0}


def test_the_stored_form_round_trips() -> None:
    entry = AgedJson.dump({"a": Since(1.5), "b": [1, None, True]}, computed_at=2.0, valid_until=9.0)
    again = AgedJson.decode(entry.encode())
    assert again == entry
    assert again is not None and again.render(4.0) == entry.render(4.0)


def test_bytes_that_are_not_an_entry_read_as_none() -> None:
    entry = AgedJson.dump([Since(1.0), Since(2.0)], computed_at=2.0).encode()
    assert AgedJson.decode(b'{"items": []}') is None  # another format, e.g. from an older release
    assert AgedJson.decode(entry[:30]) is None  # truncated inside the ages


def test_an_entry_holds_from_when_it_was_computed_until_its_end() -> None:
    entry = AgedJson.dump({}, computed_at=10.0, valid_until=20.0)
    assert entry.holds_at(10.0) and entry.holds_at(19.999)
    assert not entry.holds_at(20.0)
    assert not entry.holds_at(9.0)  # a clock moved back: the answer may not have been true then
    assert AgedJson.dump({}, computed_at=10.0).valid_until == math.inf
