"""A snapshot mapped to rows: sports, bookmakers, events, new markets, quote arrays, last sightings."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np

from factories import T0, book, event, h2h, snapshot
from fairedge.odds.bookmakers import DEFAULT_SHARP_BOOKS
from fairedge.odds.ingestion import normalise_snapshot
from fairedge.odds.providers.base import BookmakerInfo
from fairedge.odds.rows import (
    bookmaker_rows,
    event_rows,
    last_seen,
    market_index,
    micros,
    new_market_rows,
    snapshot_quotes,
    sport_rows,
)


def test_micros_is_exact() -> None:
    when = datetime(2026, 12, 2, 6, 30, 15, 123457, tzinfo=UTC)
    assert micros(when) == int(when.replace(microsecond=0).timestamp()) * 1_000_000 + 123_457
    assert micros(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=1)) == 1


def test_sports_named_only_by_events_get_a_row() -> None:
    rows = sport_rows(snapshot(event("e1", sport="icehockey_nhl")))
    assert rows == [
        {
            "key": "icehockey_nhl",
            "group_name": "Icehockey",
            "title": "NHL",
            "active": True,
            "has_outrights": False,
        }
    ]


def test_bookmaker_rows_carry_the_policy_and_the_catalogue_region() -> None:
    snap = snapshot(event("e1", book("betfair_ex_eu", h2h(1.9, 2.0)), book("fanduel", h2h(0.5, 2.1))))
    quotes, _ = normalise_snapshot(snap)  # fanduel's only quote is rejected: the book is still listed
    catalogue = (BookmakerInfo("fanduel", "FanDuel", "us"),)
    rows = {r["key"]: r for r in bookmaker_rows(quotes, catalogue, DEFAULT_SHARP_BOOKS)}
    assert rows["betfair_ex_eu"] | {"title": ""} == {
        "key": "betfair_ex_eu",
        "title": "",
        "region": None,
        "is_sharp": True,
        "is_exchange": True,
        "commission": 0.05,
        "sharp_weight": 0.8,
    }
    assert rows["fanduel"]["region"] == "us" and not rows["fanduel"]["is_sharp"]


def test_events_are_seen_at_the_fetch() -> None:
    [row] = event_rows(snapshot(event("e1"), at=T0), {"basketball_nba": 7})
    assert (row["provider_id"], row["sport_id"], row["first_seen_at"], row["last_seen_at"]) == (
        "e1",
        7,
        T0,
        T0,
    )


def test_quote_arrays_use_ids_and_leave_out_quotes_that_do_not_fit_the_market() -> None:
    snap = snapshot(event("e1", book("pinnacle", h2h(1.9, 2.0)), book("fanduel", h2h(2.5, 3.0, 3.2))))
    quotes, _ = normalise_snapshot(snap)
    stored = market_index([(40, 4, "h2h", "full", 0.0, "", 2)], {4: "e1"})
    arrays = snapshot_quotes(quotes, stored, {"pinnacle": 1, "fanduel": 2}, T0)
    assert arrays.market_id.tolist() == [40] and arrays.bookmaker_id.tolist() == [1]
    assert arrays.prices[0, :2].tolist() == [1.9, 2.0] and math.isnan(arrays.prices[0, 2])
    assert arrays.first_seen.tolist() == [micros(T0)]


def test_new_markets_are_the_ones_not_stored() -> None:
    quotes, _ = normalise_snapshot(snapshot(event("e1", book("pinnacle", h2h(1.9, 2.0)))))
    [row] = new_market_rows(quotes, {}, {"e1": 4})
    assert row == {
        "event_id": 4,
        "key": "h2h",
        "period": "full",
        "point": 0.0,
        "player": "",
        "outcomes": ["Home", "Away"],
    }
    assert (
        new_market_rows(quotes, market_index([(40, 4, "h2h", "full", 0.0, "", 2)], {4: "e1"}), {"e1": 4})
        == []
    )


def test_last_seen_is_the_event_s_previous_refresh() -> None:
    markets = [(40, 4, "h2h", "full", 0.0, "", 2), (41, 5, "h2h", "full", 0.0, "", 2)]
    seen = last_seen(np.array([41, 40, 99]), markets, {4: T0}, default=123)
    assert seen.tolist() == [123, micros(T0), 123]
