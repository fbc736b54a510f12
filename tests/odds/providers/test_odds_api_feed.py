"""The Odds API provider polling on a plan, against respx with real-shaped payloads: each call's cost checked
against the budget first, cadence from start times, keys that hand over, pauses, probes, scores, history."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from factories import FakeClock, replay_example
from fairedge.odds.providers.base import FeedPaused
from fairedge.odds.providers.the_odds_api import (
    OddsApiAuthError,
    OddsApiOptions,
    OddsApiRequestError,
    TheOddsApiProvider,
)
from fairedge.odds.providers.the_odds_api.cadence import Cadence
from fairedge.odds.providers.the_odds_api.feed import CreditLimits, MemoryFeedStore, key_ref

KEY = "k3y-1111aaaa2222bbbb3333cccc4444dddd"
SPARE = "k3y-9999eeee8888ffff7777aaaa6666bbbb"
BASE = "https://odds.test/v4"
NOW = datetime(2026, 1, 15, 23, 0, tzinfo=UTC)  # the sample's games start at 00:40 and 03:10: soon
CELTICS_KNICKS = "3f9c1e7a52b84d0e9a6c2b1d4e8f7a90"


def _headers(last: int, remaining: int = 19_000) -> dict[str, str]:
    return {"x-requests-remaining": str(remaining), "x-requests-used": "100", "x-requests-last": str(last)}


def _odds(*, last: int = 9, remaining: int = 19_000, payload: Any = None) -> httpx.Response:
    return httpx.Response(
        200, json=replay_example() if payload is None else payload, headers=_headers(last, remaining)
    )


def _listed(*commences: datetime, sport: str = "basketball_nba") -> httpx.Response:
    events = [
        {"id": f"{sport}-{i}", "sport_key": sport, "sport_title": sport,
         "commence_time": f"{c:%Y-%m-%dT%H:%M:%SZ}", "home_team": "Home", "away_team": "Away"}
        for i, c in enumerate(commences)
    ]  # fmt: skip
    return httpx.Response(200, json=events, headers=_headers(0))


def _nba_listed() -> httpx.Response:
    events = [{k: v for k, v in e.items() if k != "bookmakers"} for e in replay_example()]
    return httpx.Response(200, json=events, headers=_headers(0))


def _error(status: int, code: str) -> httpx.Response:
    return httpx.Response(status, json={"message": f"error {code}", "error_code": code, "details_url": "x"})


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False, assert_all_mocked=True) as router:
        yield router


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


Make = Callable[..., TheOddsApiProvider]


@pytest.fixture
def make(clock: FakeClock) -> Make:
    def build(
        keys: Any = KEY,
        limits: CreditLimits | None = None,
        cadence: Cadence | None = None,
        **options: Any,
    ) -> TheOddsApiProvider:
        settings = {
            "base_url": BASE,
            "sports": ("basketball_nba",),
            "scores_interval_seconds": 0.0,
            **options,
        }
        return TheOddsApiProvider(
            keys,
            OddsApiOptions(**settings, cadence=cadence or Cadence()),
            store=MemoryFeedStore(limits or CreditLimits()),
            sleep=clock.sleep,
            clock=clock,
            rng=random.Random(3),
        )

    return build


def _skipped(call: str) -> float:
    return (
        REGISTRY.get_sample_value("fairedge_odds_api_calls_skipped_total", {"call": call, "reason": "budget"})
        or 0
    )


# ----------------------------------------------------------------------------------------------------- budget


def test_a_call_that_would_break_the_budget_is_skipped_with_a_log_line(
    api: respx.MockRouter, make: Make, clock: FakeClock
) -> None:
    api.get("/sports/basketball_nba/events").mock(return_value=_nba_listed())
    odds = api.get("/sports/basketball_nba/odds").mock(return_value=_odds(last=9))
    provider = make(limits=CreditLimits(per_day=8), regions=("us", "eu", "uk"))
    skipped_before = _skipped("odds")

    with capture_logs() as logs:
        snapshot = provider.fetch()

    assert odds.call_count == 0  # refused before any request: 3 markets x 3 regions = 9 credits, 8 left
    assert snapshot.events == ()
    skip = [entry for entry in logs if entry["event"] == "odds_api_budget_skip"]
    assert len(skip) == 1
    assert skip[0]["cost"] == 9 and skip[0]["day_left"] == 8 and skip[0]["sport"] == "basketball_nba"
    assert skip[0]["call"] == "odds" and skip[0]["month_left"] is None
    assert _skipped("odds") == skipped_before + 1
    assert provider.store.sport_states()["basketball_nba"].last_refresh_at is None
    # A skipped sport waits a cadence before it asks again: one log line per cadence, not per tick.
    with capture_logs() as again:
        provider.fetch()
    assert not [entry for entry in again if entry["event"] == "odds_api_budget_skip"]
    clock.now = datetime(2026, 1, 15, 23, 59, 30, tzinfo=UTC)  # the pace allows a try; the guard refuses it
    with capture_logs() as later:
        provider.fetch()
    assert [entry["cost"] for entry in later if entry["event"] == "odds_api_budget_skip"] == [9]
    assert odds.call_count == 0


def test_a_small_budget_stretches_the_cadence_so_it_lasts_the_day(
    api: respx.MockRouter, make: Make, clock: FakeClock
) -> None:
    api.get("/sports/basketball_nba/events").mock(return_value=_nba_listed())
    odds = api.get("/sports/basketball_nba/odds").mock(return_value=_odds(last=9))
    # 9 credits a call and an hour to midnight: 90 credits pay a call every 6 to 7 minutes, not every 60 s.
    provider = make(limits=CreditLimits(per_day=90), regions=("us", "eu", "uk"))

    provider.fetch()
    clock.advance(61)
    provider.fetch()

    assert odds.call_count == 1
    plan = provider.store.plans["basketball_nba"]  # type: ignore[attr-defined]
    assert plan.base_cadence_seconds == 60.0
    assert plan.cadence_seconds == pytest.approx(9 / (81 / (3600 - 61)), rel=0.01)
    clock.advance(plan.cadence_seconds)
    provider.fetch()
    assert odds.call_count == 2


def test_the_budget_counts_what_the_provider_charged_not_the_plan(
    api: respx.MockRouter, make: Make, clock: FakeClock
) -> None:
    api.get("/sports/basketball_nba/events").mock(return_value=_nba_listed())
    api.get("/sports/basketball_nba/odds").mock(return_value=_odds(last=3, remaining=19_997))
    provider = make(limits=CreditLimits(per_month=1000))

    provider.fetch()

    budget = provider.store.budget(clock.now)
    assert budget.month_spent == 3  # planned 9 (3 markets x 3 regions); the answer said 3
    quota = provider.store.quota()
    assert (quota.remaining, quota.used, quota.last) == (19_997, 100, 3)
    assert REGISTRY.get_sample_value("fairedge_odds_api_quota_last", {"provider": "the_odds_api"}) == 3
    assert REGISTRY.get_sample_value("fairedge_odds_api_quota_used", {"provider": "the_odds_api"}) == 100
    assert REGISTRY.get_sample_value("fairedge_odds_api_budget_remaining", {"period": "month"}) == 997


def test_listed_bookmakers_cost_one_region_per_ten(api: respx.MockRouter, make: Make) -> None:
    api.get("/sports/basketball_nba/events").mock(return_value=_nba_listed())
    odds = api.get("/sports/basketball_nba/odds").mock(return_value=_odds(last=6))
    books = tuple(f"book{i}" for i in range(11))  # two regions' worth
    provider = make(limits=CreditLimits(per_day=5), bookmakers=books)

    provider.fetch()

    assert odds.call_count == 0  # 3 markets x 2 = 6 > 5


# ---------------------------------------------------------------------------------------------------- cadence


def test_cadence_follows_start_times_sports_with_nothing_soon_are_polled_rarely(
    api: respx.MockRouter, make: Make, clock: FakeClock
) -> None:
    api.get("/sports/basketball_nba/events").mock(return_value=_nba_listed())
    api.get("/sports/icehockey_nhl/events").mock(
        return_value=_listed(NOW + timedelta(days=2), sport="icehockey_nhl")
    )
    api.get("/sports/tennis_atp/events").mock(return_value=_listed(sport="tennis_atp"))
    nba = api.get("/sports/basketball_nba/odds").mock(return_value=_odds())
    nhl = api.get("/sports/icehockey_nhl/odds").mock(return_value=_odds(payload=[], last=0))
    atp = api.get("/sports/tennis_atp/odds").mock(return_value=_odds(payload=[], last=0))
    provider = make(sports=("basketball_nba", "icehockey_nhl", "tennis_atp"))

    provider.fetch()
    assert (nba.call_count, nhl.call_count, atp.call_count) == (1, 1, 0)  # nothing listed: no odds call
    params = nba.calls.last.request.url.params
    assert params["commenceTimeFrom"] == "2026-01-15T23:00:00Z"  # pre-match only: no in-play markets

    clock.advance(61)
    provider.fetch()
    assert (nba.call_count, nhl.call_count) == (2, 1)  # a game within 6 h: every 60 s; the NHL waits

    clock.advance(540)
    provider.fetch()
    assert (nba.call_count, nhl.call_count) == (3, 2)  # 10 minutes on: the NHL's turn

    plans = provider.store.plans  # type: ignore[attr-defined]
    assert {s: (p.reason, p.cadence_seconds) for s, p in plans.items()} == {
        "basketball_nba": ("soon", 60.0),
        "icehockey_nhl": ("idle", 600.0),
        "tennis_atp": ("no_events", 600.0),
    }
    assert plans["basketball_nba"].next_commence == datetime(2026, 1, 16, 0, 40, tzinfo=UTC)


def test_events_are_listed_again_only_after_their_ttl(
    api: respx.MockRouter, make: Make, clock: FakeClock
) -> None:
    listed = api.get("/sports/basketball_nba/events").mock(return_value=_nba_listed())
    api.get("/sports/basketball_nba/odds").mock(return_value=_odds())
    provider = make(cadence=Cadence(events_ttl_seconds=300))

    provider.fetch()
    clock.advance(61)
    provider.fetch()
    assert listed.call_count == 1
    clock.advance(300)
    provider.fetch()
    assert listed.call_count == 2


def test_in_play_markets_get_their_own_call_at_the_live_cadence(
    api: respx.MockRouter, make: Make, clock: FakeClock
) -> None:
    api.get("/sports/soccer_epl/events").mock(
        return_value=_listed(NOW - timedelta(minutes=20), NOW + timedelta(hours=30), sport="soccer_epl")
    )
    odds = api.get("/sports/soccer_epl/odds").mock(return_value=_odds(payload=[], last=0))
    provider = make(sports=("soccer_epl",), cadence=Cadence(inplay_markets=("h2h",)), include_scores=False)

    provider.fetch()
    clock.advance(41)
    provider.fetch()

    inplay = [c.request.url.params for c in odds.calls if "commenceTimeTo" in c.request.url.params]
    prematch = [c.request.url.params for c in odds.calls if "commenceTimeFrom" in c.request.url.params]
    assert len(inplay) == 2 and inplay[0]["markets"] == "h2h"
    assert inplay[0]["commenceTimeTo"] == "2026-01-15T23:00:00Z"
    assert len(prematch) == 2  # the sport's plan is "live": 40 s for both calls
    assert provider.store.plans["soccer_epl"].reason == "live"  # type: ignore[attr-defined]


def test_other_markets_than_the_featured_are_fetched_per_event_and_each_call_is_budgeted(
    api: respx.MockRouter, make: Make
) -> None:
    api.get("/sports/basketball_nba/events").mock(return_value=_nba_listed())
    featured = api.get("/sports/basketball_nba/odds").mock(return_value=_odds(last=3))
    prop = {
        **{k: v for k, v in replay_example()[0].items() if k != "bookmakers"},
        "bookmakers": [
            {"key": "draftkings", "title": "DraftKings", "markets": [
                {"key": "player_points", "outcomes": [
                    {"name": "Over", "description": "Jayson Tatum", "price": 1.87, "point": 27.5},
                    {"name": "Under", "description": "Jayson Tatum", "price": 1.93, "point": 27.5}]}]}
        ],
    }  # fmt: skip
    per_event = api.get(url__regex=r"/sports/basketball_nba/events/[0-9a-f]+/odds").mock(
        return_value=httpx.Response(200, json=prop, headers=_headers(1))
    )
    provider = make(markets=("h2h", "player_points"), regions=("us",), limits=CreditLimits(per_day=4))

    with capture_logs() as logs:
        snapshot = provider.fetch()

    assert featured.calls.last.request.url.params["markets"] == "h2h"
    assert per_event.call_count == 1  # 3 (odds) + 1 (first game) spent; the second game's call is skipped
    assert per_event.calls.last.request.url.params["markets"] == "player_points"
    assert CELTICS_KNICKS in str(per_event.calls.last.request.url)
    skip = [e for e in logs if e["event"] == "odds_api_budget_skip"]
    assert [(e["call"], e["cost"]) for e in skip] == [("event_odds", 1)]
    celtics = next(e for e in snapshot.events if e.id == CELTICS_KNICKS)
    draftkings = next(b for b in celtics.bookmakers if b.key == "draftkings")
    assert {m.key for m in draftkings.markets} == {"h2h", "spreads", "totals", "player_points"}


# ------------------------------------------------------------------------------------------------------- keys


def test_out_of_credits_with_two_keys_switches_to_the_second_in_the_same_refresh(
    api: respx.MockRouter, make: Make, clock: FakeClock
) -> None:
    api.get("/sports/basketball_nba/events").mock(return_value=_nba_listed())

    def by_key(request: httpx.Request) -> httpx.Response:
        if request.url.params["apiKey"] == KEY:
            return _error(401, "OUT_OF_USAGE_CREDITS")
        return _odds()

    odds = api.get("/sports/basketball_nba/odds").mock(side_effect=by_key)
    provider = make(keys=(KEY, SPARE))

    with capture_logs() as logs:
        snapshot = provider.fetch()
    assert len(snapshot.events) == 2
    assert [c.request.url.params["apiKey"] for c in odds.calls] == [KEY, SPARE]
    switched = [e for e in logs if e["event"] == "odds_api_key_switched"]
    assert len(switched) == 1
    assert switched[0]["refused"] == key_ref(KEY) and switched[0]["now_using"] == key_ref(SPARE)
    assert KEY not in str(logs) and SPARE not in str(logs)
    assert not provider.store.pause_state().paused

    clock.advance(61)
    provider.fetch()  # the refusal is remembered: straight to the second key
    assert [c.request.url.params["apiKey"] for c in odds.calls][2:] == [SPARE]


def test_every_key_out_of_credits_pauses_polling(api: respx.MockRouter, make: Make, clock: FakeClock) -> None:
    api.get("/sports/basketball_nba/events").mock(return_value=_nba_listed())
    odds = api.get("/sports/basketball_nba/odds").mock(return_value=_error(401, "OUT_OF_USAGE_CREDITS"))
    provider = make(keys=(KEY, SPARE), probe_seconds=3600)

    with capture_logs() as logs, pytest.raises(FeedPaused) as paused:
        provider.fetch()
    assert odds.call_count == 2
    state = provider.store.pause_state()
    assert state.paused and state.reason == "OUT_OF_USAGE_CREDITS"
    assert set(state.refused) == {key_ref(KEY), key_ref(SPARE)}
    assert paused.value.resume_check_at == NOW + timedelta(hours=1)
    assert [e for e in logs if e["event"] == "odds_feed_paused"]
    assert REGISTRY.get_sample_value("fairedge_odds_feed_paused") == 1

    clock.advance(600)
    with pytest.raises(FeedPaused):
        provider.fetch()
    assert odds.call_count == 2  # paused: no call until the probe


def test_the_probe_runs_at_once_when_the_credit_month_resets(
    api: respx.MockRouter, make: Make, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    api.get("/sports/basketball_nba/events").mock(return_value=_listed(clock.now + timedelta(hours=2)))
    odds = api.get("/sports/basketball_nba/odds").mock(
        side_effect=[_error(401, "OUT_OF_USAGE_CREDITS"), _odds(remaining=20_000)]
    )
    probe = api.get("/sports").mock(
        return_value=httpx.Response(200, json=[], headers={"x-requests-remaining": "20000"})
    )
    provider = make(probe_seconds=86_400, limits=CreditLimits(reset_day=1))

    with pytest.raises(FeedPaused) as paused:
        provider.fetch()
    assert paused.value.resume_check_at == datetime(2026, 2, 1, tzinfo=UTC)  # sooner than the daily probe
    clock.advance(29 * 60)
    with pytest.raises(FeedPaused):
        provider.fetch()
    assert probe.call_count == 0
    clock.advance(61)  # 00:00:01 on the reset day
    provider.fetch()
    assert probe.call_count == 1 and odds.call_count == 2
    assert probe.calls.last.request.url.params["apiKey"] == KEY


def test_the_operator_resume_polls_again_at_the_next_refresh(api: respx.MockRouter, make: Make) -> None:
    api.get("/sports/basketball_nba/events").mock(return_value=_nba_listed())
    odds = api.get("/sports/basketball_nba/odds").mock(
        side_effect=[_error(401, "OUT_OF_USAGE_CREDITS"), _odds()]
    )
    provider = make()
    with pytest.raises(FeedPaused):
        provider.fetch()

    provider.store.resume()
    snapshot = provider.fetch()

    assert odds.call_count == 2 and len(snapshot.events) == 2
    assert not provider.store.pause_state().paused


def test_a_refused_key_hands_over_and_every_key_refused_is_an_error_until_the_keys_change(
    api: respx.MockRouter, make: Make
) -> None:
    api.get("/sports/basketball_nba/events").mock(return_value=_nba_listed())
    keys = [KEY, SPARE]

    def by_key(request: httpx.Request) -> httpx.Response:
        return _odds() if request.url.params["apiKey"] == "fresh-key-0000" else _error(401, "INVALID_KEY")

    odds = api.get("/sports/basketball_nba/odds").mock(side_effect=by_key)
    provider = make(keys=lambda: tuple(keys))

    with pytest.raises(OddsApiAuthError):
        provider.fetch()
    assert odds.call_count == 2  # both tried once, never again
    assert provider.store.pause_state().reason == "INVALID_KEY"
    with pytest.raises(OddsApiAuthError, match="until the key changes"):
        provider.fetch()
    assert odds.call_count == 2

    keys[:] = ["fresh-key-0000"]  # a rotation
    snapshot = provider.fetch()
    assert len(snapshot.events) == 2
    assert not provider.store.pause_state().paused


# ----------------------------------------------------------------------------------------------------- scores


def _live_game(started: datetime, *, completed: bool = False) -> dict[str, Any]:
    return {
        "id": "basketball_nba-0", "sport_key": "basketball_nba", "sport_title": "NBA",
        "commence_time": f"{started:%Y-%m-%dT%H:%M:%SZ}", "completed": completed, "home_team": "Home",
        "away_team": "Away", "scores": [{"name": "Home", "score": "51"}, {"name": "Away", "score": "48"}],
        "last_update": f"{NOW:%Y-%m-%dT%H:%M:%SZ}",
    }  # fmt: skip


def test_scores_are_polled_for_started_games_until_they_are_completed(
    api: respx.MockRouter, make: Make, clock: FakeClock
) -> None:
    started = NOW - timedelta(minutes=50)
    api.get("/sports/basketball_nba/events").mock(return_value=_listed(started, NOW + timedelta(hours=1)))
    api.get("/sports/basketball_nba/odds").mock(return_value=_odds(payload=[], last=0))
    scores = api.get("/sports/basketball_nba/scores").mock(
        side_effect=[
            httpx.Response(200, json=[_live_game(started)], headers=_headers(2)),
            httpx.Response(200, json=[_live_game(started, completed=True)], headers=_headers(2)),
        ]
    )
    provider = make()

    first = provider.fetch()
    game = next(e for e in first.events if e.id == "basketball_nba-0")
    assert (game.status, game.home_score, game.away_score, game.bookmakers) == ("live", 51, 48, ())
    assert scores.calls.last.request.url.params["daysFrom"] == "1"

    clock.advance(61)
    second = provider.fetch()
    assert next(e for e in second.events if e.id == "basketball_nba-0").status == "completed"

    clock.advance(61)
    provider.fetch()  # the events list is still the cached one, but a completed game is not followed again
    assert scores.call_count == 2
    assert provider.store.budget(clock.now).day_spent == 4


def test_scores_over_the_budget_are_skipped_with_a_log_line(api: respx.MockRouter, make: Make) -> None:
    api.get("/sports/basketball_nba/events").mock(return_value=_listed(NOW - timedelta(minutes=50)))
    scores = api.get("/sports/basketball_nba/scores").mock(
        return_value=httpx.Response(200, json=[], headers=_headers(2))
    )
    provider = make(limits=CreditLimits(per_day=1))

    with capture_logs() as logs:
        provider.fetch()

    assert scores.call_count == 0
    assert [(e["call"], e["cost"]) for e in logs if e["event"] == "odds_api_budget_skip"] == [("scores", 2)]


# ------------------------------------------------------------------------------------------------- historical


def test_a_historical_snapshot_costs_ten_times_and_is_refused_over_the_budget(
    api: respx.MockRouter, make: Make
) -> None:
    wrapper = {
        "timestamp": "2026-01-15T18:00:00Z",
        "previous_timestamp": "2026-01-15T17:55:00Z",
        "next_timestamp": "2026-01-15T18:05:00Z",
        "data": replay_example(),
    }
    history = api.get("/historical/sports/basketball_nba/odds").mock(
        return_value=httpx.Response(200, json=wrapper, headers=_headers(90))
    )
    provider = make(limits=CreditLimits(per_day=100), regions=("us", "eu", "uk"))
    assert provider.historical_cost() == 90  # 10 x 3 markets x 3 regions

    page = provider.historical("basketball_nba", datetime(2026, 1, 15, 18, 2, tzinfo=UTC))

    assert history.calls.last.request.url.params["date"] == "2026-01-15T18:02:00Z"
    assert page.snapshot.fetched_at == datetime(2026, 1, 15, 18, 0, tzinfo=UTC)
    assert page.next_at == datetime(2026, 1, 15, 18, 5, tzinfo=UTC)
    assert (page.cost, len(page.snapshot.events)) == (90, 2)
    with pytest.raises(OddsApiRequestError, match="over the budget"):
        provider.historical("basketball_nba", datetime(2026, 1, 15, 18, 7, tzinfo=UTC))
    assert history.call_count == 1


def test_historical_odds_need_a_featured_market(api: respx.MockRouter, make: Make) -> None:
    history = api.get("/historical/sports/basketball_nba/odds").mock(return_value=_odds())
    with pytest.raises(OddsApiRequestError, match="featured markets only"):
        make(markets=("player_points",)).historical("basketball_nba", NOW - timedelta(days=1))
    assert history.call_count == 0
