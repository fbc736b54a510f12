"""The Odds API v4 payloads → provider data objects."""

from __future__ import annotations

import copy
import math
from datetime import UTC, datetime
from typing import Any

import pytest

from factories import replay_example
from fairedge.odds.providers.odds_api_format import (
    ProviderFormatError,
    american_to_decimal,
    newest_last_update,
    parse_datetime,
    parse_events,
    parse_snapshot,
    split_period,
)

BEFORE_TIPOFF = datetime(2026, 1, 15, 18, 22, tzinfo=UTC)


def _event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": "e1",
        "sport_key": "soccer_epl",
        "sport_title": "EPL",
        "commence_time": "2026-01-17T15:00:00Z",
        "home_team": "Arsenal",
        "away_team": "Chelsea",
        "bookmakers": [],
    }
    event.update(overrides)
    return event


def _book(key: str, markets: list[dict[str, Any]]) -> dict[str, Any]:
    return {"key": key, "title": key.title(), "last_update": "2026-01-15T18:00:00Z", "markets": markets}


def test_sample_parses_into_events_books_markets_and_prices() -> None:
    events = parse_events(replay_example(), fetched_at=BEFORE_TIPOFF)

    assert [e.id for e in events] == ["3f9c1e7a52b84d0e9a6c2b1d4e8f7a90", "a81d4c6e0f2b49b7b3e5c9d7f1a2e6b4"]
    celtics = events[0]
    assert celtics.commence_time == datetime(2026, 1, 16, 0, 40, tzinfo=UTC)
    assert celtics.status == "upcoming"
    assert (celtics.home_team, celtics.away_team) == ("Boston Celtics", "New York Knicks")
    pinnacle = celtics.bookmakers[0]
    assert (pinnacle.key, pinnacle.title) == ("pinnacle", "Pinnacle")
    assert pinnacle.last_update == datetime(2026, 1, 15, 18, 21, 44, tzinfo=UTC)
    spreads = next(m for m in pinnacle.markets if m.key == "spreads")
    assert spreads.period == "full"
    assert [(o.name, o.price, o.point) for o in spreads.outcomes] == [
        ("Boston Celtics", 1.93, -5.5),
        ("New York Knicks", 1.95, 5.5),
    ]
    h2h = next(m for m in pinnacle.markets if m.key == "h2h")
    assert all(o.point is None for o in h2h.outcomes)
    betfair = next(b for b in celtics.bookmakers if b.key == "betfair_ex_eu")
    assert [m.key for m in betfair.markets] == ["h2h", "h2h_lay"]


def test_snapshot_collects_sports_and_bookmakers_catalogue() -> None:
    snapshot = parse_snapshot(replay_example(), BEFORE_TIPOFF, source="test")

    assert snapshot.fetched_at == BEFORE_TIPOFF
    assert snapshot.source == "test"
    assert [(s.key, s.group, s.title) for s in snapshot.sports] == [("basketball_nba", "Basketball", "NBA")]
    assert [b.key for b in snapshot.bookmakers] == [
        "pinnacle",
        "draftkings",
        "fanduel",
        "betmgm",
        "betfair_ex_eu",
    ]
    assert all(b.region is None for b in snapshot.bookmakers)


def test_commence_time_before_fetch_means_live() -> None:
    after_first_tipoff = datetime(2026, 1, 16, 1, 0, tzinfo=UTC)
    events = parse_events(replay_example(), fetched_at=after_first_tipoff)
    assert [e.status for e in events] == ["live", "upcoming"]


def test_completed_event_carries_its_scores() -> None:
    raw = _event(
        completed=True,
        scores=[{"name": "Arsenal", "score": "2"}, {"name": "Chelsea", "score": "1"}],
    )
    (event,) = parse_events([raw], fetched_at=BEFORE_TIPOFF)
    assert (event.status, event.home_score, event.away_score) == ("completed", 2, 1)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("h2h_h1", ("h2h", "h1")),
        ("totals_q1", ("totals", "q1")),
        ("spreads_p1", ("spreads", "p1")),
        ("alternate_spreads_h2", ("alternate_spreads", "h2")),
        ("h2h_1st_5_innings", ("h2h", "1st_5_innings")),
        ("h2h", ("h2h", "full")),
        ("h2h_lay", ("h2h_lay", "full")),
        ("player_points", ("player_points", "full")),
    ],
)
def test_market_key_period_suffix(key: str, expected: tuple[str, str]) -> None:
    assert split_period(key) == expected


def test_period_market_and_player_prop_in_an_event() -> None:
    markets = [
        {"key": "totals_q1", "outcomes": [{"name": "Over", "price": 1.9, "point": 55.5}]},
        {
            "key": "player_points",
            "outcomes": [
                {"name": "Over", "description": "Jayson Tatum", "price": 1.87, "point": 27.5},
                {"name": "Under", "description": "Jayson Tatum", "price": 1.95, "point": 27.5},
            ],
        },
    ]
    (event,) = parse_events([_event(bookmakers=[_book("draftkings", markets)])])
    quarter, prop = event.bookmakers[0].markets
    assert (quarter.key, quarter.period) == ("totals", "q1")
    assert (prop.key, prop.period) == ("player_points", "full")
    assert [o.description for o in prop.outcomes] == ["Jayson Tatum", "Jayson Tatum"]


def test_american_odds_become_decimal() -> None:
    markets = [
        {
            "key": "h2h",
            "outcomes": [
                {"name": "Arsenal", "price": 150},
                {"name": "Chelsea", "price": -200},
                {"name": "Draw", "price": -110},
            ],
        }
    ]
    (event,) = parse_events([_event(bookmakers=[_book("fanduel", markets)])], odds_format="american")
    prices = [o.price for o in event.bookmakers[0].markets[0].outcomes]
    assert prices == pytest.approx([2.5, 1.5, 1.0 + 100 / 110])


def test_american_odds_inside_plus_minus_100_are_not_a_number() -> None:
    assert math.isnan(american_to_decimal(50))
    assert american_to_decimal(100) == 2.0


def test_bad_prices_pass_through_for_ingestion_to_reject() -> None:
    markets = [
        {
            "key": "h2h",
            "outcomes": [
                {"name": "Arsenal", "price": "n/a"},
                {"name": "Chelsea", "price": 0.9},
                {"name": "Draw", "price": True},
            ],
        }
    ]
    (event,) = parse_events([_event(bookmakers=[_book("bovada", markets)])])
    bad, low, boolean = event.bookmakers[0].markets[0].outcomes
    assert math.isnan(bad.price)
    assert low.price == 0.9
    assert math.isnan(boolean.price)


@pytest.mark.parametrize("missing", ["id", "home_team", "away_team", "commence_time"])
def test_malformed_event_names_its_index(missing: str) -> None:
    payload = [_event(id="ok"), _event(id="bad")]
    del payload[1][missing]
    with pytest.raises(ProviderFormatError, match=rf"event 1: missing {missing}") as info:
        parse_events(payload)
    assert info.value.index == 1


def test_unreadable_commence_time_is_malformed() -> None:
    with pytest.raises(ProviderFormatError, match="event 0: unreadable commence_time"):
        parse_events([_event(commence_time="next tuesday")])


def test_an_event_that_is_not_an_object_is_malformed() -> None:
    with pytest.raises(ProviderFormatError, match="event 1: event is not an object") as info:
        parse_events([_event(), "e2"])
    assert info.value.index == 1


@pytest.mark.parametrize(
    ("bookmakers", "message"),
    [
        ("pinnacle", "event 0: bookmakers is not a list"),
        (["pinnacle"], "event 0: bookmaker 0 is not an object"),
        ([{"title": "Pinnacle", "markets": []}], "event 0: bookmaker 0 has no key"),
        ([{"key": "pinnacle", "markets": {}}], "event 0: bookmaker 0 markets is not a list"),
        ([_book("pinnacle", [{"outcomes": []}])], r"event 0: bookmaker 0 \(pinnacle\) market 0 has no key"),
        (
            [_book("pinnacle", [{"key": "h2h", "outcomes": {"name": "Arsenal"}}])],
            r"event 0: bookmaker 0 \(pinnacle\) market 0 outcomes is not a list",
        ),
        (
            [_book("pinnacle", [{"key": "h2h", "outcomes": [{"price": 2.0}]}])],
            r"event 0: bookmaker 0 \(pinnacle\) market 0 \(h2h\) outcome 0 has no name",
        ),
    ],
)
def test_malformed_bookmaker_data_says_where_it_is(bookmakers: object, message: str) -> None:
    with pytest.raises(ProviderFormatError, match=message) as info:
        parse_events([_event(bookmakers=bookmakers)])
    assert info.value.index == 0


@pytest.mark.parametrize("value", [True, math.nan, math.inf, 1e20, "", "   ", "soon", None, ["2026-01-16"]])
def test_unreadable_times_are_none(value: object) -> None:
    assert parse_datetime(value) is None


def test_offset_times_are_converted_to_utc() -> None:
    assert parse_datetime("2026-01-16T01:00:00+01:00") == datetime(2026, 1, 16, tzinfo=UTC)


def test_unix_times_and_naive_iso_are_utc() -> None:
    (unix,) = parse_events([_event(commence_time=1768521600)])
    (naive,) = parse_events([_event(commence_time="2026-01-16T00:00:00")])
    assert unix.commence_time == naive.commence_time == datetime(2026, 1, 16, tzinfo=UTC)


def test_historical_wrapper_sets_fetched_at() -> None:
    wrapper = {
        "timestamp": "2026-01-15T18:25:00Z",
        "previous_timestamp": "2026-01-15T18:20:00Z",
        "next_timestamp": "2026-01-15T18:30:00Z",
        "data": replay_example(),
    }
    snapshot = parse_snapshot(wrapper, datetime(2030, 1, 1, tzinfo=UTC))
    assert snapshot.fetched_at == datetime(2026, 1, 15, 18, 25, tzinfo=UTC)
    assert len(snapshot.events) == 2


def test_plain_list_without_any_time_uses_newest_last_update() -> None:
    payload = replay_example()
    assert newest_last_update(payload) == datetime(2026, 1, 15, 18, 21, 44, tzinfo=UTC)
    assert parse_snapshot(payload).fetched_at == datetime(2026, 1, 15, 18, 21, 44, tzinfo=UTC)


def test_one_event_answers_are_one_event_lists() -> None:
    """``/events/{id}/odds`` answers one event object; the historical endpoint wraps that object."""
    one = replay_example()[0]
    assert [e.id for e in parse_snapshot(one, BEFORE_TIPOFF).events] == [one["id"]]
    wrapped = parse_snapshot({"timestamp": "2026-01-15T18:25:00Z", "data": one})
    assert wrapped.fetched_at == datetime(2026, 1, 15, 18, 25, tzinfo=UTC)
    assert [e.id for e in wrapped.events] == [one["id"]]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"timestamp": "whenever", "data": []}, "unreadable historical timestamp 'whenever'"),
        ({"timestamp": "2026-01-15T18:25:00Z", "data": "none"}, "'data' is not a list of events"),
        ("events", "expected a list of events or a historical wrapper, got str"),
    ],
)
def test_unreadable_wrappers_are_rejected(payload: object, message: str) -> None:
    with pytest.raises(ProviderFormatError, match=message):
        parse_snapshot(payload, BEFORE_TIPOFF)
    assert newest_last_update(payload) is None


def test_a_payload_without_any_time_needs_fetched_at() -> None:
    payload = [_event()]  # no bookmakers: no last_update anywhere
    with pytest.raises(ProviderFormatError, match="no fetch time"):
        parse_snapshot(payload)
    assert parse_snapshot(payload, BEFORE_TIPOFF).fetched_at == BEFORE_TIPOFF


def test_newest_last_update_skips_what_it_cannot_read() -> None:
    readable = {
        "bookmakers": [
            "junk",
            {
                "last_update": "2026-01-15T18:00:00Z",
                "markets": ["junk", {"last_update": "2026-01-15T18:05:00Z"}],
            },
        ]
    }
    assert newest_last_update(["junk", {"bookmakers": "none"}, readable]) == datetime(
        2026, 1, 15, 18, 5, tzinfo=UTC
    )


def test_an_unknown_odds_format_is_refused() -> None:
    with pytest.raises(ValueError, match="odds_format"):
        parse_events([], odds_format="fractional")  # type: ignore[arg-type]  # the invalid value under test


def test_payload_that_is_not_events_is_rejected() -> None:
    with pytest.raises(ProviderFormatError):
        parse_snapshot({"message": "Usage quota has been reached"}, BEFORE_TIPOFF)


def test_parsing_does_not_mutate_the_payload() -> None:
    payload = replay_example()
    before = copy.deepcopy(payload)
    parse_snapshot(payload, BEFORE_TIPOFF)
    assert payload == before
