"""The Odds API v4 over HTTP, against respx with real-shaped payloads (no network, no real sleeping)."""

from __future__ import annotations

import random
import traceback
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from structlog.testing import capture_logs

from factories import FakeClock, replay_example
from fairedge.odds.providers.base import FeedPaused
from fairedge.odds.providers.the_odds_api import (
    OddsApiAuthError,
    OddsApiError,
    OddsApiOptions,
    OddsApiRequestError,
    OddsApiUnavailable,
    TheOddsApiProvider,
)

KEY = "k3y-5f1e2d3c4b5a69788796a5b4c3d2e1f0"
BASE = "https://odds.test/v4"
NBA_ODDS = "/sports/basketball_nba/odds"
NBA_SCORES = "/sports/basketball_nba/scores"
EPL_ODDS = "/sports/soccer_epl/odds"
BEFORE_TIPOFF = datetime(2026, 1, 15, 18, 22, tzinfo=UTC)  # both sample games upcoming
FIRST_GAME_LIVE = datetime(2026, 1, 16, 1, 0, tzinfo=UTC)  # Celtics–Knicks tipped off at 00:40
CELTICS_KNICKS = "3f9c1e7a52b84d0e9a6c2b1d4e8f7a90"
LAKERS_NUGGETS = "a81d4c6e0f2b49b7b3e5c9d7f1a2e6b4"


def _error(status: int, code: str, message: str = "error") -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "message": message,
            "error_code": code,
            "details_url": f"https://the-odds-api.com/liveapi/guides/v4/api-error-codes.html#{code.lower()}",
        },
    )


def _odds(payload: object = None, *, remaining: str = "19950", last: str = "3") -> httpx.Response:
    return httpx.Response(
        200,
        json=replay_example() if payload is None else payload,
        headers={"x-requests-remaining": remaining, "x-requests-used": "50", "x-requests-last": last},
    )


def _sports(*, remaining: str) -> httpx.Response:
    return httpx.Response(
        200,
        json=[{"key": "basketball_nba", "group": "Basketball", "title": "NBA", "active": True,
               "has_outrights": False}],
        headers={"x-requests-remaining": remaining, "x-requests-used": "500", "x-requests-last": "0"},
    )  # fmt: skip


def _score(
    event_id: str, home: str, away: str, *, completed: bool, scores: tuple[str, str] | None
) -> dict[str, Any]:
    commence = {CELTICS_KNICKS: "2026-01-16T00:40:00Z", LAKERS_NUGGETS: "2026-01-16T03:10:00Z"}.get(
        event_id, "2026-01-15T00:10:00Z"
    )
    return {
        "id": event_id,
        "sport_key": "basketball_nba",
        "sport_title": "NBA",
        "commence_time": commence,
        "completed": completed,
        "home_team": home,
        "away_team": away,
        "scores": None
        if scores is None
        else [{"name": home, "score": scores[0]}, {"name": away, "score": scores[1]}],
        "last_update": "2026-01-16T02:59:00Z" if scores else None,
    }


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False, assert_all_mocked=True) as router:
        yield router


@pytest.fixture
def clock() -> FakeClock:
    """The provider's clock and its retry waits (``clock.slept``): retries take no real time."""
    return FakeClock(BEFORE_TIPOFF)


# make(**options) → a provider with these OddsApiOptions (and ``rng=`` for the jitter) on the fake clock.
MakeProvider = Callable[..., TheOddsApiProvider]


@pytest.fixture
def make(clock: FakeClock) -> MakeProvider:
    def build(rng: random.Random | None = None, **options: Any) -> TheOddsApiProvider:
        defaults = OddsApiOptions(base_url=BASE, sports=("basketball_nba",), scores_interval_seconds=0.0)
        return TheOddsApiProvider(
            KEY, replace(defaults, **options), sleep=clock.sleep, clock=clock, rng=rng or random.Random(7)
        )

    return build


# ------------------------------------------------------------------------------------------ requests, parsing


def test_odds_request_carries_key_regions_markets_and_decimal_format(
    api: respx.MockRouter, make: MakeProvider
) -> None:
    route = api.get(NBA_ODDS).mock(return_value=_odds())
    provider = make(regions=("us", "eu"))

    snapshot = provider.fetch()

    params = route.calls.last.request.url.params
    assert params["apiKey"] == KEY
    assert params["regions"] == "us,eu"
    assert "bookmakers" not in params
    assert params["markets"] == "h2h,spreads,totals"
    assert params["oddsFormat"] == "decimal"
    assert params["dateFormat"] == "iso"
    assert provider.name == "the_odds_api"
    assert snapshot.source == "the_odds_api"
    assert snapshot.fetched_at == BEFORE_TIPOFF
    assert [e.id for e in snapshot.events] == [CELTICS_KNICKS, LAKERS_NUGGETS]
    assert [e.status for e in snapshot.events] == ["upcoming", "upcoming"]
    first = snapshot.events[0]
    assert [b.key for b in first.bookmakers] == [
        "pinnacle",
        "draftkings",
        "fanduel",
        "betmgm",
        "betfair_ex_eu",
    ]
    pinnacle_spreads = next(m for m in first.bookmakers[0].markets if m.key == "spreads")
    assert [(o.name, o.price, o.point) for o in pinnacle_spreads.outcomes] == [
        ("Boston Celtics", 1.93, -5.5),
        ("New York Knicks", 1.95, 5.5),
    ]
    assert [s.key for s in snapshot.sports] == ["basketball_nba"]
    assert "betfair_ex_eu" in {b.key for b in snapshot.bookmakers}


def test_listed_bookmakers_replace_regions(api: respx.MockRouter, make: MakeProvider) -> None:
    route = api.get(NBA_ODDS).mock(return_value=_odds())
    make(bookmakers=("pinnacle", "betfair_ex_eu"), markets=("h2h",)).fetch()

    params = route.calls.last.request.url.params
    assert params["bookmakers"] == "pinnacle,betfair_ex_eu"
    assert "regions" not in params
    assert params["markets"] == "h2h"


def test_requests_have_an_explicit_timeout(api: respx.MockRouter, make: MakeProvider) -> None:
    route = api.get(NBA_ODDS).mock(return_value=_odds())
    make(timeout_seconds=7.0).fetch()

    timeout = route.calls.last.request.extensions["timeout"]
    assert timeout["read"] == 7.0
    assert timeout["connect"] == 5.0


def test_quota_header_becomes_quota_remaining_and_is_logged(
    api: respx.MockRouter, make: MakeProvider
) -> None:
    api.get(NBA_ODDS).mock(return_value=_odds(remaining="487", last="3"))
    provider = make()

    with capture_logs() as logs:
        snapshot = provider.fetch()

    assert snapshot.quota_remaining == 487
    assert provider.quota_remaining == 487
    request_logs = [e for e in logs if e["event"] == "odds_api_request"]
    assert request_logs == [
        {
            "event": "odds_api_request",
            "log_level": "debug",
            "provider": "the_odds_api",
            "sport": "basketball_nba",
            "path": NBA_ODDS,
            "status": 200,
            "cost": 3,
            "remaining": 487,
            "attempt": 1,
            "duration_ms": request_logs[0]["duration_ms"],
        }
    ]


# ----------------------------------------------------------------------------------------- sports discovery


SPORTS = [
    {"key": "basketball_nba", "group": "Basketball", "title": "NBA", "description": "US Basketball",
     "active": True, "has_outrights": False},
    {"key": "basketball_nba_championship_winner", "group": "Basketball", "title": "NBA Championship Winner",
     "description": "Championship Winner", "active": True, "has_outrights": True},
    {"key": "soccer_epl", "group": "Soccer", "title": "EPL", "description": "English Premier League",
     "active": True, "has_outrights": False},
    {"key": "icehockey_nhl", "group": "Ice Hockey", "title": "NHL", "description": "US Ice Hockey",
     "active": False, "has_outrights": False},
]  # fmt: skip


def test_sports_are_discovered_when_none_configured_and_the_list_is_cached(
    api: respx.MockRouter, make: MakeProvider, clock: FakeClock
) -> None:
    sports = api.get("/sports").mock(return_value=httpx.Response(200, json=SPORTS))
    nba = api.get(NBA_ODDS).mock(return_value=_odds())
    epl = api.get(EPL_ODDS).mock(return_value=_odds([]))
    outright = api.get("/sports/basketball_nba_championship_winner/odds").mock(return_value=_odds([]))
    nhl = api.get("/sports/icehockey_nhl/odds").mock(return_value=_odds([]))
    provider = make(sports=(), sports_ttl_seconds=3600)

    first = provider.fetch()
    clock.advance(60)
    provider.fetch()

    assert sports.call_count == 1
    assert sports.calls.last.request.url.params["apiKey"] == KEY
    assert (nba.call_count, epl.call_count) == (2, 2)
    assert not outright.called
    assert not nhl.called
    catalogue = {s.key: s for s in first.sports}
    assert catalogue["soccer_epl"].title == "EPL"
    assert catalogue["icehockey_nhl"].active is False
    assert catalogue["basketball_nba_championship_winner"].has_outrights is True
    assert len(first.events) == 2

    clock.advance(3600)
    provider.fetch()
    assert sports.call_count == 2


def test_stale_sports_list_is_reused_when_its_refresh_fails(
    api: respx.MockRouter, make: MakeProvider, clock: FakeClock
) -> None:
    sports = api.get("/sports").mock(
        side_effect=[httpx.Response(200, json=SPORTS), *[httpx.Response(503)] * 2]
    )
    nba = api.get(NBA_ODDS).mock(return_value=_odds())
    api.get(EPL_ODDS).mock(return_value=_odds([]))
    provider = make(sports=(), sports_ttl_seconds=60, max_attempts=2)

    provider.fetch()
    clock.advance(120)
    snapshot = provider.fetch()

    assert sports.call_count == 3
    assert nba.call_count == 2
    assert len(snapshot.events) == 2


# ------------------------------------------------------------------------------------------------- scores


def test_scores_mark_completed_games_without_bookmakers(
    api: respx.MockRouter, make: MakeProvider, clock: FakeClock
) -> None:
    clock.now = FIRST_GAME_LIVE
    api.get(NBA_ODDS).mock(return_value=_odds())
    scores = api.get(NBA_SCORES).mock(
        return_value=httpx.Response(
            200,
            json=[
                _score(
                    CELTICS_KNICKS, "Boston Celtics", "New York Knicks", completed=True, scores=("112", "104")
                ),
                _score(LAKERS_NUGGETS, "Los Angeles Lakers", "Denver Nuggets", completed=False, scores=None),
                _score("yesterday01", "Miami Heat", "Orlando Magic", completed=True, scores=("99", "101")),
            ],
            headers={"x-requests-remaining": "480", "x-requests-last": "2"},
        )
    )

    snapshot = make().fetch()

    assert scores.calls.last.request.url.params["daysFrom"] == "1"
    assert scores.calls.last.request.url.params["apiKey"] == KEY
    by_id = {e.id: e for e in snapshot.events}
    finished = by_id[CELTICS_KNICKS]
    assert (finished.status, finished.home_score, finished.away_score) == ("completed", 112, 104)
    assert finished.bookmakers == ()
    upcoming = by_id[LAKERS_NUGGETS]
    assert upcoming.status == "upcoming"
    assert len(upcoming.bookmakers) == 5
    assert (upcoming.home_score, upcoming.away_score) == (None, None)
    earlier = by_id["yesterday01"]
    assert (earlier.status, earlier.home_score, earlier.away_score, earlier.bookmakers) == (
        "completed",
        99,
        101,
        (),
    )
    assert snapshot.quota_remaining == 480  # the last response's header


def test_scores_are_not_requested_when_no_game_has_started(api: respx.MockRouter, make: MakeProvider) -> None:
    api.get(NBA_ODDS).mock(return_value=_odds())
    scores = api.get(NBA_SCORES).mock(return_value=httpx.Response(200, json=[]))

    snapshot = make().fetch()

    assert not scores.called
    assert len(snapshot.events) == 2


def test_include_scores_false_never_requests_scores(
    api: respx.MockRouter, make: MakeProvider, clock: FakeClock
) -> None:
    clock.now = FIRST_GAME_LIVE
    api.get(NBA_ODDS).mock(return_value=_odds())
    scores = api.get(NBA_SCORES).mock(return_value=httpx.Response(200, json=[]))

    snapshot = make(include_scores=False).fetch()

    assert not scores.called
    assert snapshot.events[0].status == "live"


def test_a_live_game_is_followed_until_completed_after_it_leaves_the_odds(
    api: respx.MockRouter, make: MakeProvider, clock: FakeClock
) -> None:
    clock.now = FIRST_GAME_LIVE
    only_lakers = [e for e in replay_example() if e["id"] == LAKERS_NUGGETS]
    api.get(NBA_ODDS).mock(side_effect=[_odds(), _odds(only_lakers), _odds(only_lakers)])
    scores = api.get(NBA_SCORES).mock(
        side_effect=[
            httpx.Response(200, json=[_score(CELTICS_KNICKS, "Boston Celtics", "New York Knicks",
                                             completed=False, scores=("50", "48"))]),
            httpx.Response(200, json=[_score(CELTICS_KNICKS, "Boston Celtics", "New York Knicks",
                                             completed=True, scores=("108", "101"))]),
        ]
    )  # fmt: skip
    provider = make()

    live = provider.fetch()
    clock.advance(90 * 60)  # 02:30: the game is over and gone from /odds; Lakers–Nuggets not started yet
    done = provider.fetch()

    live_game = live.events[0]
    assert (live_game.status, live_game.home_score, live_game.away_score) == ("live", 50, 48)
    assert len(live_game.bookmakers) == 5
    assert scores.call_count == 2
    finished = {e.id: e for e in done.events}[CELTICS_KNICKS]
    assert (finished.status, finished.home_score, finished.away_score) == ("completed", 108, 101)

    clock.advance(60)
    provider.fetch()  # nothing live any more: no third /scores call
    assert scores.call_count == 2


def test_scores_failure_keeps_the_odds(api: respx.MockRouter, make: MakeProvider, clock: FakeClock) -> None:
    clock.now = FIRST_GAME_LIVE
    api.get(NBA_ODDS).mock(return_value=_odds())
    scores = api.get(NBA_SCORES).mock(return_value=httpx.Response(502))

    snapshot = make(max_attempts=2).fetch()

    assert scores.call_count == 2
    assert len(snapshot.events) == 2
    assert snapshot.events[0].status == "live"


# ----------------------------------------------------------------------------------------- terminal errors


def test_invalid_key_raises_and_the_provider_refuses_further_calls(
    api: respx.MockRouter, make: MakeProvider, clock: FakeClock
) -> None:
    route = api.get(NBA_ODDS).mock(return_value=_error(401, "INVALID_KEY", "API key is not valid"))
    provider = make()

    with pytest.raises(OddsApiAuthError) as first:
        provider.fetch()
    with pytest.raises(OddsApiAuthError) as second:
        provider.fetch()

    assert route.call_count == 1
    assert clock.slept == []
    assert first.value.error_code == "INVALID_KEY"
    assert first.value.sport == "basketball_nba"
    assert "INVALID_KEY" in str(first.value)
    assert "basketball_nba" in str(first.value)
    assert "INVALID_KEY" in str(second.value)
    assert isinstance(second.value, OddsApiError)


def test_out_of_credits_pauses_until_the_hourly_probe_finds_credits_back(
    api: respx.MockRouter, make: MakeProvider, clock: FakeClock
) -> None:
    route = api.get(NBA_ODDS).mock(
        side_effect=[
            _error(
                401,
                "OUT_OF_USAGE_CREDITS",
                "Usage quota has been reached. See usage plans at https://the-odds-api.com",
            ),
            _odds(remaining="20000"),
        ]
    )
    probe = api.get("/sports").mock(side_effect=[_sports(remaining="0"), _sports(remaining="20000")])
    provider = make(probe_seconds=600)

    with pytest.raises(FeedPaused) as paused:
        provider.fetch()
    assert paused.value.reason == "OUT_OF_USAGE_CREDITS"
    assert paused.value.resume_check_at == BEFORE_TIPOFF + timedelta(seconds=600)
    assert provider.store.pause_state().paused

    clock.advance(599)
    with pytest.raises(FeedPaused):
        provider.fetch()
    assert route.call_count == 1 and probe.call_count == 0  # no call at all before the probe is due
    assert clock.slept == []

    clock.advance(2)
    with pytest.raises(FeedPaused):  # the probe (free) says the credits are still used up
        provider.fetch()
    assert probe.call_count == 1 and route.call_count == 1

    clock.advance(600)
    snapshot = provider.fetch()  # the next probe finds them back: polling resumes in the same refresh
    assert probe.call_count == 2
    assert route.call_count == 2
    assert snapshot.quota_remaining == 20000
    assert not provider.store.pause_state().paused


def test_bad_parameters_422_are_not_retried(
    api: respx.MockRouter, make: MakeProvider, clock: FakeClock
) -> None:
    nba = api.get(NBA_ODDS).mock(return_value=_error(422, "INVALID_MARKET", "Invalid markets: h2hh"))
    epl = api.get(EPL_ODDS).mock(return_value=_odds([]))
    provider = make(sports=("basketball_nba", "soccer_epl"), markets=("h2hh",))

    with pytest.raises(OddsApiRequestError) as raised:
        provider.fetch()

    assert nba.call_count == 1
    assert not epl.called
    assert clock.slept == []
    assert raised.value.error_code == "INVALID_MARKET"
    assert raised.value.status == 422
    with pytest.raises(OddsApiRequestError):
        provider.fetch()  # not a blocked key: the next refresh calls again (and fails again)
    assert nba.call_count == 2


def test_error_code_decides_not_the_status(api: respx.MockRouter, make: MakeProvider) -> None:
    route = api.get(NBA_ODDS).mock(
        return_value=_error(
            401, "HISTORICAL_UNAVAILABLE_ON_FREE_USAGE_PLAN", "Historical data needs a paid plan"
        )
    )
    provider = make()

    with pytest.raises(OddsApiRequestError):
        provider.fetch()
    with pytest.raises(OddsApiRequestError):
        provider.fetch()  # a 401, but not a key problem: the provider did not lock itself

    assert route.call_count == 2


# ---------------------------------------------------------------------------------------------- retries


def test_rate_limit_then_success_after_one_retry(
    api: respx.MockRouter, make: MakeProvider, clock: FakeClock
) -> None:
    route = api.get(NBA_ODDS).mock(
        side_effect=[_error(429, "EXCEEDED_FREQ_LIMIT", "Too many requests"), _odds()]
    )

    with capture_logs() as logs:
        snapshot = make(backoff_seconds=0.5).fetch()

    assert route.call_count == 2
    assert len(snapshot.events) == 2
    assert len(clock.slept) == 1
    assert 0 < clock.slept[0] <= 0.5
    errors = [e for e in logs if e["event"] == "odds_api_error"]
    assert [(e["log_level"], e["status"], e["error_code"], e["attempt"], e["sport"]) for e in errors] == [
        ("warning", 429, "EXCEEDED_FREQ_LIMIT", 1, "basketball_nba")
    ]
    assert errors[0]["provider"] == "the_odds_api"


def test_retry_after_header_sets_the_minimum_wait(
    api: respx.MockRouter, make: MakeProvider, clock: FakeClock
) -> None:
    limited = _error(429, "EXCEEDED_FREQ_LIMIT")
    limited.headers["retry-after"] = "2"
    api.get(NBA_ODDS).mock(side_effect=[limited, _odds()])

    make(backoff_seconds=0.1).fetch()

    assert clock.slept == [2.0]


class NoJitter(random.Random):
    """``random()`` always 0: every delay is its full exponential ceiling."""

    def random(self) -> float:
        return 0.0


def test_server_errors_exhaust_attempts_with_exponential_backoff(
    api: respx.MockRouter, make: MakeProvider, clock: FakeClock
) -> None:
    route = api.get(NBA_ODDS).mock(return_value=httpx.Response(500, text="Internal Server Error"))

    with capture_logs() as logs, pytest.raises(OddsApiUnavailable) as raised:
        make(max_attempts=4, backoff_seconds=0.5, rng=NoJitter()).fetch()

    assert route.call_count == 4
    assert clock.slept == [0.5, 1.0, 2.0]
    assert raised.value.status == 500
    assert raised.value.sport == "basketball_nba"
    assert "basketball_nba" in str(raised.value)
    levels = [(e["log_level"], e["attempt"]) for e in logs if e["event"] == "odds_api_error"]
    assert levels[:4] == [("warning", 1), ("warning", 2), ("warning", 3), ("error", 4)]


def test_backoff_is_jittered_below_a_capped_ceiling(
    api: respx.MockRouter, make: MakeProvider, clock: FakeClock
) -> None:
    api.get(NBA_ODDS).mock(return_value=httpx.Response(503))

    with pytest.raises(OddsApiUnavailable):
        make(max_attempts=6, backoff_seconds=1.0, max_backoff_seconds=4.0, rng=random.Random(3)).fetch()

    ceilings = [1.0, 2.0, 4.0, 4.0, 4.0]
    assert len(clock.slept) == 5
    assert all(0 < s <= c for s, c in zip(clock.slept, ceilings, strict=True))
    assert len(set(clock.slept)) == 5  # jittered, not a fixed schedule
    assert any(s < c for s, c in zip(clock.slept, ceilings, strict=True))


def test_timeout_is_retried(api: respx.MockRouter, make: MakeProvider, clock: FakeClock) -> None:
    route = api.get(NBA_ODDS).mock(side_effect=[httpx.ReadTimeout("timed out"), _odds()])

    snapshot = make().fetch()

    assert route.call_count == 2
    assert len(clock.slept) == 1
    assert len(snapshot.events) == 2


def test_connection_errors_end_unavailable(
    api: respx.MockRouter, make: MakeProvider, clock: FakeClock
) -> None:
    route = api.get(NBA_ODDS).mock(side_effect=httpx.ConnectError("[Errno 111] Connection refused"))

    with pytest.raises(OddsApiUnavailable) as raised:
        make(max_attempts=3).fetch()

    assert route.call_count == 3
    assert len(clock.slept) == 2
    assert "ConnectError" in str(raised.value)


def test_invalid_json_is_retried_then_unavailable(
    api: respx.MockRouter, make: MakeProvider, clock: FakeClock
) -> None:
    route = api.get(NBA_ODDS).mock(
        return_value=httpx.Response(
            200, text="<html>upstream proxy error</html>", headers={"content-type": "text/html"}
        )
    )

    with pytest.raises(OddsApiUnavailable) as raised:
        make(max_attempts=3).fetch()

    assert route.call_count == 3
    assert len(clock.slept) == 2
    assert "invalid JSON" in str(raised.value)


def test_a_payload_that_is_not_a_list_of_events_is_unavailable_without_retry(
    api: respx.MockRouter, make: MakeProvider, clock: FakeClock
) -> None:
    route = api.get(NBA_ODDS).mock(return_value=_odds({"unexpected": "object"}))

    with pytest.raises(OddsApiUnavailable) as raised:
        make().fetch()

    assert route.call_count == 1
    assert clock.slept == []
    assert "unreadable payload" in str(raised.value)


# ------------------------------------------------------------------------------------------ several sports


def test_unknown_sport_404_is_skipped_and_other_sports_returned(
    api: respx.MockRouter, make: MakeProvider
) -> None:
    unknown = api.get("/sports/basketball_xyz/odds").mock(
        return_value=_error(404, "UNKNOWN_SPORT", "Unknown sport")
    )
    api.get(NBA_ODDS).mock(return_value=_odds())
    provider = make(sports=("basketball_xyz", "basketball_nba"))

    with capture_logs() as logs:
        snapshot = provider.fetch()

    assert unknown.call_count == 1  # not retried
    assert [e.sport_key for e in snapshot.events] == ["basketball_nba", "basketball_nba"]
    skipped = [e for e in logs if e["event"] == "odds_api_error"]
    assert [(e["sport"], e["error_code"], e["status"], e["action"]) for e in skipped] == [
        ("basketball_xyz", "UNKNOWN_SPORT", 404, "skipped")
    ]


def test_partial_snapshot_when_one_sport_stays_unavailable(api: respx.MockRouter, make: MakeProvider) -> None:
    api.get(NBA_ODDS).mock(return_value=_odds())
    epl = api.get(EPL_ODDS).mock(return_value=httpx.Response(503))
    provider = make(sports=("soccer_epl", "basketball_nba"), max_attempts=2)

    with capture_logs() as logs:
        snapshot = provider.fetch()

    assert epl.call_count == 2
    assert {e.sport_key for e in snapshot.events} == {"basketball_nba"}
    partial = [e for e in logs if e["event"] == "odds_api_error" and e.get("action") == "partial_snapshot"]
    assert [(e["log_level"], e["sport"], e["status"]) for e in partial] == [("error", "soccer_epl", 503)]


def test_raises_when_no_sport_could_be_fetched(api: respx.MockRouter, make: MakeProvider) -> None:
    api.get(NBA_ODDS).mock(return_value=httpx.Response(503))
    api.get(EPL_ODDS).mock(side_effect=httpx.ConnectTimeout("connect timed out"))
    provider = make(sports=("soccer_epl", "basketball_nba"), max_attempts=2)

    with pytest.raises(OddsApiUnavailable) as raised:
        provider.fetch()

    assert "soccer_epl" in str(raised.value)
    assert "basketball_nba" in str(raised.value)


# -------------------------------------------------------------------------------------------- the API key


def test_api_key_never_appears_in_logs_exceptions_or_reprs(api: respx.MockRouter, make: MakeProvider) -> None:
    leaky_url = f"{BASE}{NBA_ODDS}?apiKey={KEY}"
    api.get(NBA_ODDS).mock(
        side_effect=[
            httpx.ConnectError(f"cannot reach {leaky_url}"),
            httpx.Response(500, json={"message": f"boom for key {KEY}"}),
            _error(401, "INVALID_KEY", f"API key {KEY} is not valid"),
        ]
    )
    provider = make(max_attempts=3)

    with capture_logs() as logs:
        with pytest.raises(OddsApiAuthError) as first:
            provider.fetch()
        with pytest.raises(OddsApiAuthError) as second:
            provider.fetch()

    assert logs, "the failures were logged"
    texts = [
        str(logs),
        str(first.value),
        repr(first.value),
        str(second.value),
        "".join(traceback.format_exception(first.value)),
        "".join(traceback.format_exception(second.value)),
        repr(provider),
        str(vars(first.value)),
    ]
    for text in texts:
        assert KEY not in text
    assert "INVALID_KEY" in str(first.value)
    assert "***" in repr(provider)


def _shown_chain(exc: BaseException) -> list[BaseException]:
    """The exceptions a traceback prints: ``exc`` and its cause or unsuppressed context, recursively."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None:
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return chain


@pytest.mark.parametrize("sports", [("basketball_nba",), ()], ids=["odds", "sports-discovery"])
def test_transport_failure_does_not_chain_the_httpx_request(
    api: respx.MockRouter, make: MakeProvider, sports: tuple[str, ...]
) -> None:
    api.get(NBA_ODDS).mock(side_effect=httpx.ConnectError("refused"))
    api.get("/sports").mock(side_effect=httpx.ConnectError("refused"))

    with pytest.raises(OddsApiUnavailable) as raised:
        make(sports=sports, max_attempts=1).fetch()

    assert [type(e) for e in _shown_chain(raised.value)] == [OddsApiUnavailable]
    assert KEY not in "".join(traceback.format_exception(raised.value))


def test_constructor_refuses_a_missing_key_and_zero_attempts() -> None:
    with pytest.raises(ValueError, match="API key"):
        TheOddsApiProvider("")
    with pytest.raises(ValueError, match="max_attempts"):
        TheOddsApiProvider(KEY, OddsApiOptions(max_attempts=0))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout_seconds": 0.0}, "timeout_seconds"),
        ({"markets": ()}, "market"),
        ({"regions": (), "bookmakers": ()}, "regions or bookmakers"),
    ],
)
def test_options_refuse_values_that_cannot_work(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OddsApiOptions(**options)


# ------------------------------------------------------------------------------------------- key source


class Keys:
    """A key source that can be switched, like a rotating one."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.asked = 0

    def __call__(self) -> str:
        self.asked += 1
        return self.key


def test_a_key_source_is_asked_for_every_request(api: respx.MockRouter) -> None:
    route = api.get(NBA_ODDS).mock(return_value=_odds())
    keys = Keys(KEY)
    provider = TheOddsApiProvider(keys, OddsApiOptions(base_url=BASE, sports=("basketball_nba",)))

    provider.fetch()
    keys.key = "second-" + KEY
    provider.fetch()

    assert [call.request.url.params["apiKey"] for call in route.calls] == [KEY, "second-" + KEY]
    assert keys.asked >= 2


def test_a_refused_key_blocks_until_the_source_gives_another(api: respx.MockRouter, clock: FakeClock) -> None:
    other = "n3w-" + KEY
    route = api.get(NBA_ODDS).mock(
        side_effect=[_error(401, "INVALID_KEY", f"API key {KEY} is not valid"), _odds()]
    )
    keys = Keys(KEY)
    provider = TheOddsApiProvider(
        keys,
        OddsApiOptions(base_url=BASE, sports=("basketball_nba",), include_scores=False),
        sleep=clock.sleep,
    )

    with capture_logs() as logs:
        with pytest.raises(OddsApiAuthError):
            provider.fetch()
        with pytest.raises(OddsApiAuthError, match="until the key changes"):
            provider.fetch()
        assert route.call_count == 1
        keys.key = other
        snapshot = provider.fetch()

    assert route.call_count == 2
    assert route.calls.last.request.url.params["apiKey"] == other
    assert len(snapshot.events) == 2
    assert KEY not in str(logs)
    assert clock.slept == []


def test_an_empty_key_from_the_source_is_an_auth_error_without_a_request(api: respx.MockRouter) -> None:
    route = api.get(NBA_ODDS).mock(return_value=_odds())
    provider = TheOddsApiProvider(lambda: "", OddsApiOptions(base_url=BASE, sports=("basketball_nba",)))

    with pytest.raises(OddsApiAuthError) as raised:
        provider.fetch()

    assert raised.value.error_code == "MISSING_KEY"
    assert not route.called
