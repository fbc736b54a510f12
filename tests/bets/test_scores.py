"""Final scores on demand for open bets: the settlement job asks The Odds API's ``/scores`` (the local fake,
tests/fake_odds_api.py) for a game the refreshes never reported finished, counts its credits in the feed's
budget, stores the score and settles the bet; an outage costs only that run. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from structlog.testing import capture_logs

from accounts_env import verified_user
from conftest import make_settings
from factories import T0, FakeClock
from fairedge.bets import service
from fairedge.bets.models import Bet
from fairedge.bets.service import ClvRules, NewBet
from fairedge.odds.models import CreditSpend, Event
from fairedge.odds.providers.base import EventOdds
from fairedge.odds.scores import days_back, store_final_scores
from fairedge.runtime import Runtime
from fake_odds_api import FakeOddsApi, running

GAME = "fake-nba-celtics-knicks"  # tips off 40 minutes after the fake's start, over 2.5 hours later
CLV = ClvRules("shin", 900.0)


@pytest.fixture
def clock() -> FakeClock:
    """The fake's world and the jobs' time; the provider keeps the real clock (its budget's), so both start
    now."""
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeOddsApi]:
    with running(keys={"fake-key": 20_000}, now=clock) as api:
        yield api


@pytest.fixture
def runtime(
    engine: Engine,
    session_factory: sessionmaker[Session],
    database_url: str,
    fake: FakeOddsApi,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Runtime:
    settings = make_settings(
        database_url,
        ODDS_PROVIDER="the_odds_api",
        ODDS_API_KEY="fake-key",
        ODDS_API_BASE_URL=fake.url,
        ODDS_SPORTS=("basketball_nba",),
        SECRETS_CACHE_SECONDS=0,
    )
    built = Runtime.assemble(settings, engine, session_factory, clock=clock)
    monkeypatch.setattr(built, "close", lambda: None)
    return built


def _open_bet(runtime: Runtime, clock: FakeClock) -> int:
    """The odds refreshed once (the game is stored, upcoming), a bet on the home side."""
    runtime.jobs()["tasks.odds_refresh"]()
    with runtime.session_factory() as session:
        event_id = session.execute(select(Event.id).where(Event.provider_id == GAME)).scalar_one()
        user_id = verified_user(session, "ann@example.com", clock.now)
        new = NewBet(event_id, "h2h", "Boston Celtics", "draftkings", 1.8, 100.0)
        bet = service.record_bet(session, user_id, new, now=clock.now, clv=CLV)
        session.commit()
        return bet.id


def _credits(runtime: Runtime) -> int:
    with runtime.session_factory() as session:
        return int(session.execute(select(func.coalesce(func.sum(CreditSpend.credits), 0))).scalar_one())


def _bet(runtime: Runtime, bet_id: int) -> Any:
    with runtime.session_factory() as session:
        return session.get(Bet, bet_id)


def test_a_game_the_refreshes_missed_is_scored_on_demand_and_its_bets_settle(
    runtime: Runtime, fake: FakeOddsApi, clock: FakeClock
) -> None:
    bet_id = _open_bet(runtime, clock)
    asked = len(fake.calls_to("/scores"))  # the refresh follows the game already live, as always
    settle: Callable[[], dict[str, Any]] = runtime.jobs()["tasks.bet_settlement"]
    clock.advance(3600)  # started 20 minutes ago: too early to ask
    assert settle()["scores"] == 0 and len(fake.calls_to("/scores")) == asked

    clock.advance(4 * 3600)  # 4h20 after the start (BETS_SCORES_AFTER_HOURS = 4), finished since
    spent = _credits(runtime)
    result = settle()
    [call] = fake.calls_to("/scores")[asked:]
    assert call.path == "/sports/basketball_nba/scores" and call.params["daysFrom"] == "1"
    assert _credits(runtime) == spent + 2  # counted in the feed's budget
    # Every finished game the answer names is stored: the bet's, and the one live at the refresh.
    assert result["scores"] == 2 and sum(result["settled"].values()) == 1

    with runtime.session_factory() as session:
        event = session.execute(select(Event).where(Event.provider_id == GAME)).scalar_one()
        home, away = event.home_score, event.away_score
        assert event.status == "completed" and home is not None and away is not None
    bet = _bet(runtime, bet_id)
    assert bet.settled_by == "auto" and (bet.home_score, bet.away_score) == (home, away)
    assert bet.result == ("win" if home > away else "loss")

    assert settle() == {"scores": 0, "valued": 0, "settled": {}}  # nothing waits: no call
    assert len(fake.calls_to("/scores")) == asked + 1


def test_a_scores_outage_leaves_the_bet_open_for_the_next_run(
    runtime: Runtime, fake: FakeOddsApi, clock: FakeClock
) -> None:
    bet_id = _open_bet(runtime, clock)
    clock.advance(5 * 3600)
    fake.fail_next("/scores", 503, times=10)
    with capture_logs() as logs:
        assert runtime.jobs()["tasks.bet_settlement"]()["scores"] == 0
    assert any(e.get("action") == "scores_skipped" for e in logs)
    assert _bet(runtime, bet_id).result is None
    fake._injected.clear()  # the provider is back
    assert runtime.jobs()["tasks.bet_settlement"]()["scores"] == 2
    assert _bet(runtime, bet_id).result in ("win", "loss")


def test_a_refused_key_is_logged_and_the_run_goes_on(
    runtime: Runtime, fake: FakeOddsApi, clock: FakeClock
) -> None:
    bet_id = _open_bet(runtime, clock)
    clock.advance(5 * 3600)
    fake.fail_next("/scores", 401, "INVALID_KEY", times=10)
    with capture_logs() as logs:
        result = runtime.jobs()["tasks.bet_settlement"]()
    assert result == {"scores": 0, "valued": 0, "settled": {}}
    failed = [e for e in logs if e["event"] == "scores_fetch_failed"]
    assert failed and failed[0]["sport"] == "basketball_nba" and "fake-key" not in str(logs)
    assert _bet(runtime, bet_id).result is None


def test_games_out_of_the_providers_reach_are_not_asked_for(
    runtime: Runtime, fake: FakeOddsApi, clock: FakeClock
) -> None:
    _open_bet(runtime, clock)
    asked = len(fake.calls_to("/scores"))
    clock.advance(4 * 86_400)  # /scores looks back three days at most: asking would only cost credits
    assert runtime.jobs()["tasks.bet_settlement"]()["scores"] == 0
    assert len(fake.calls_to("/scores")) == asked


def test_days_back_reaches_the_earliest_start_within_three_days() -> None:
    assert days_back(T0, T0 - timedelta(hours=5)) == 1
    assert days_back(T0, T0 - timedelta(hours=30)) == 2
    assert days_back(T0, T0 - timedelta(days=2, hours=23)) == 3
    assert days_back(T0, T0 - timedelta(days=5)) == 3


def test_only_finished_games_with_both_scores_are_stored(session: Session) -> None:
    from factories import event, snapshot
    from fairedge.odds.ingestion import ingest_snapshot

    ingest_snapshot(session, snapshot(event("a"), event("b"), event("c")), provider="test")

    def scored(pid: str, status: str, home: int | None, away: int | None) -> EventOdds:
        return EventOdds(pid, "basketball_nba", "NBA", T0, "Home", "Away", (), status, home, away)

    found = [
        scored("a", "completed", 100, 99),
        scored("b", "live", 50, 40),
        scored("c", "completed", None, None),
    ]
    assert store_final_scores(session, [*found, scored("unknown", "completed", 1, 0)]) == 1
    assert store_final_scores(session, found) == 0  # already completed: left as it is
    rows = {e.provider_id: (e.status, e.home_score) for e in session.execute(select(Event)).scalars()}
    assert rows == {"a": ("completed", 100), "b": ("upcoming", None), "c": ("upcoming", None)}
