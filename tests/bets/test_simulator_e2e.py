"""The live simulator end to end: a bet recorded over HTTP on a simulated game, the game played out by the
odds refreshes on the test clock (closing lines captured at its start, the final score reported when it
ends), then tasks.bet_settlement values it against its book's close and settles it on that score."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from accounts_env import PASSWORD, bearer, verified_user
from conftest import make_settings
from factories import T0, FakeClock
from fairedge.app import create_app
from fairedge.bets.settlement import grade
from fairedge.odds.models import Bookmaker, CurrentQuote, Event, Market
from fairedge.odds.providers.simulator import SimulatorProvider
from fairedge.runtime import Runtime

STEP_SECONDS = 30.0  # one refresh per 30 s of clock: half a simulated hour


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def runtime(
    engine: Engine,
    session_factory: sessionmaker[Session],
    database_url: str,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Runtime:
    settings = make_settings(database_url, ODDS_PROVIDER="simulator", ACCESS_TOKEN_MINUTES=24 * 60)
    simulator = SimulatorProvider(seed=11, n_events=8, clock=clock)
    built = Runtime.assemble(settings, engine, session_factory, provider=simulator, clock=clock)
    monkeypatch.setattr(built, "close", lambda: None)
    return built


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as test_client:
        yield test_client


def _next_game(session: Session, now: object) -> tuple[Event, str, float]:
    """The first game still to start with a moneyline on the board: a book and its home price."""
    row = session.execute(
        select(Event, Bookmaker.key, CurrentQuote.price_0)
        .join(Market, Market.event_id == Event.id)
        .join(CurrentQuote, CurrentQuote.market_id == Market.id)
        .join(Bookmaker, Bookmaker.id == CurrentQuote.bookmaker_id)
        .where(Event.status == "upcoming", Event.commence_time > now, Market.key == "h2h")
        .order_by(Event.commence_time, Bookmaker.key)
        .limit(1)
    ).one()
    return row[0], row[1], row[2]


def test_a_bet_on_a_simulated_game_settles_when_the_game_ends(
    runtime: Runtime, client: TestClient, clock: FakeClock, session_factory: sessionmaker[Session]
) -> None:
    jobs = runtime.jobs()
    jobs["tasks.odds_refresh"]()
    with session_factory() as session:
        verified_user(session, "sim@example.com", clock.now)
        session.commit()
        game, book_key, price = _next_game(session, clock.now)
    auth = bearer(
        client.post("/api/auth/login", json={"email": "sim@example.com", "password": PASSWORD}).json()
    )
    body = {
        "event_id": game.id,
        "market": "h2h",
        "outcome": game.home_team,
        "bookmaker": book_key,
        "price": price,
        "stake": 10,
    }
    answer = client.post("/api/bets", json=body, headers=auth)
    assert answer.status_code == 201, answer.text
    bet_id = answer.json()["bets"][0]["id"]

    for _ in range(400):  # the game starts within two simulated days and lasts a few simulated hours
        clock.advance(STEP_SECONDS)
        jobs["tasks.odds_refresh"]()
        with session_factory() as session:
            if session.get(Event, game.id).status == "completed":  # type: ignore[union-attr]
                break
    else:
        pytest.fail("the simulated game never finished")

    assert jobs["tasks.bet_settlement"]()["settled"]
    bet = client.get(f"/api/bets/{bet_id}", headers=auth).json()
    with session_factory() as session:
        final = session.get(Event, game.id)
        assert final is not None and final.home_score is not None and final.away_score is not None
        outcomes = session.execute(
            select(Market.outcomes).where(Market.event_id == game.id, Market.key == "h2h")
        ).scalar_one()
        expected = grade(
            "h2h",
            game.home_team,
            None,
            home_team=game.home_team,
            away_team=game.away_team,
            home_score=final.home_score,
            away_score=final.away_score,
            three_way=len(outcomes) == 3,
        )
    assert bet["status"] == "settled" and bet["settled_by"] == "auto"
    assert bet["final_score"] == [final.home_score, final.away_score]
    assert bet["result"] == expected
    assert bet["profit"] == pytest.approx(10 * (price - 1) if expected == "win" else -10.0)
    # Refreshed every 30 s up to the start: the book's last moneyline before it is a comparable close.
    assert bet["price_clv_status"] == "ok" and bet["closing_price"] > 1
    assert bet["clv_price"] == pytest.approx(price / bet["closing_price"] - 1)
