"""The bet tracker end to end over HTTP on a recorded game, SQLite and PostgreSQL: bets recorded by hand and
from an opportunity, owner-only access, closing-line value against the captured close, settlement from the
final score (whole and quarter lines), manual settlement, summary and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from accounts_env import Env, bearer, verified_user
from factories import T0, book, event, h2h, snapshot, spreads, totals
from fairedge.odds.closing import capture_closing_lines
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.odds.models import Event
from fairedge.opportunities.service import run_scan
from fairedge.pricing.devig import devig

START = T0 + timedelta(hours=6)  # the factories' events start then
CLOSE_AT = START - timedelta(minutes=5)


def _board(at_close: bool) -> Any:
    """Pinnacle (sharp) and DraftKings on one NBA game: the opening board at T0, the close 5 minutes before
    the start (both books moved the spread from -3.5 to -4.5)."""
    if not at_close:
        pinnacle = book("pinnacle", h2h(1.90, 2.00), spreads(-3.5, 1.95, 1.95), totals(220.5, 1.93, 1.97))
        draftkings = book("draftkings", h2h(1.85, 2.20), spreads(-3.5, 1.91, 1.91), totals(221.5, 1.91, 1.91))
    else:
        pinnacle = book("pinnacle", h2h(1.80, 2.10), spreads(-4.5, 1.95, 1.95), totals(220.5, 1.90, 2.00))
        draftkings = book("draftkings", h2h(1.80, 2.05), spreads(-4.5, 1.91, 1.91), totals(221.5, 1.87, 1.95))
    return event("evt1", pinnacle, draftkings, commence=START)


def _ingest(factory: sessionmaker[Session], *events: Any, at: Any) -> None:
    with factory() as session:
        ingest_snapshot(session, snapshot(*events, at=at), provider="test")
        session.commit()


def _event_id(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.execute(select(Event.id).where(Event.provider_id == "evt1")).scalar_one()


def _user(env: Env, email: str, plan: str | None = None) -> dict[str, str]:
    with env.session_factory() as session:
        verified_user(session, email, env.clock(), plan=plan)
        session.commit()
    return bearer(env.login(email))


def _close_and_start(env: Env) -> None:
    """The close, the start, the closing lines captured (what tasks.odds_refresh does after a refresh)."""
    _ingest(env.session_factory, _board(at_close=True), at=CLOSE_AT)
    env.clock.now = START + timedelta(minutes=10)
    _ingest(env.session_factory, event("evt1", commence=START, status="live"), at=env.clock.now)
    with env.session_factory() as session:
        assert capture_closing_lines(session, now=env.clock.now, max_age_seconds=900) == 1
        session.commit()


def _finish(env: Env, home: int, away: int) -> None:
    env.clock.now = START + timedelta(hours=3)
    done = event("evt1", commence=START, status="completed", scores=(home, away))
    _ingest(env.session_factory, done, at=env.clock.now)


def _settle(env: Env) -> dict[str, Any]:
    result: dict[str, Any] = env.runtime.jobs()["tasks.bet_settlement"]()
    return result


@pytest.fixture
def env(make_env: Callable[..., Env]) -> Env:
    """The app on the test's database; access tokens last a day, as the game's clock moves hours."""
    return make_env(ACCESS_TOKEN_MINUTES=24 * 60)


@pytest.fixture
def game(env: Env) -> Env:
    _ingest(env.session_factory, _board(at_close=False), at=T0)
    return env


def _bet(env: Env, auth: dict[str, str], **body: Any) -> dict[str, Any]:
    answer = env.client.post("/api/bets", json={"stake": 100.0, **body}, headers=auth)
    assert answer.status_code == 201, answer.text
    bets: list[dict[str, Any]] = answer.json()["bets"]
    assert len(bets) == 1
    return bets[0]


def test_bets_settle_on_the_final_score_with_clv_against_the_close(game: Env) -> None:
    env = game
    auth = _user(env, "ann@example.com")
    eid = _event_id(env.session_factory)
    common = {"event_id": eid, "placed_at": T0.isoformat()}
    away_ml = _bet(env, auth, **common, market="h2h", outcome="Away", bookmaker="draftkings", price=2.20)
    home_spread = _bet(
        env, auth, **common, market="spreads", outcome="Home", point=-3.5, bookmaker="draftkings", price=1.91
    )
    over = _bet(
        env, auth, **common, market="totals", outcome="Over", point=221.5, bookmaker="draftkings", price=1.91
    )
    under = _bet(
        env, auth, **common, market="totals", outcome="Under", point=220.5, bookmaker="pinnacle", price=1.97
    )
    quarter = _bet(
        env,
        auth,
        **common,
        market="spreads",
        outcome="Away",
        point=5.75,
        bookmaker="fanduel",
        price=1.95,
        stake=50,
    )
    assert away_ml["status"] == "open" and away_ml["price_clv_status"] == "pending"
    assert away_ml["price_american"] == 120.0 and away_ml["sport"] == "basketball_nba"

    assert _settle(env)["valued"] == 0  # before the start: nothing to compare with yet
    _close_and_start(env)
    assert _settle(env) == {"scores": 0, "valued": 5, "settled": {}}

    bets = {b["id"]: b for b in env.client.get("/api/bets", headers=auth).json()["items"]}
    fair_close = devig(np.array([1.80, 2.10]), "shin")  # Pinnacle's closing moneyline, no-vig
    got = bets[away_ml["id"]]
    assert got["status"] == "open"
    assert (got["price_clv_status"], got["closing_price"]) == ("ok", 2.05)
    assert got["clv_price"] == pytest.approx(2.20 / 2.05 - 1)
    assert got["prob_clv_status"] == "ok" and got["clv_devig_method"] == "shin"
    assert got["closing_fair_prob"] == pytest.approx(fair_close[1])
    assert got["clv_prob"] == pytest.approx(fair_close[1] - 1 / 2.20)
    # The close moved to -4.5: the -3.5 line was no longer either book's close.
    got = bets[home_spread["id"]]
    assert (got["price_clv_status"], got["prob_clv_status"]) == ("no_comparable_close", "no_comparable_close")
    assert got["clv_price"] is None and got["clv_prob"] is None
    # DraftKings closed 221.5 but no sharp book had a line there: a price CLV, no fair-line CLV.
    got = bets[over["id"]]
    assert got["price_clv_status"] == "ok" and got["clv_price"] == pytest.approx(1.91 / 1.87 - 1)
    assert got["prob_clv_status"] == "no_comparable_close" and got["closing_fair_prob"] is None
    got = bets[under["id"]]
    fair_total = devig(np.array([1.90, 2.00]), "shin")
    assert got["clv_price"] == pytest.approx(1.97 / 2.00 - 1)
    assert got["clv_prob"] == pytest.approx(fair_total[1] - 1 / 1.97)
    assert bets[quarter["id"]]["price_clv_status"] == "no_comparable_close"  # no such market stored

    _finish(env, 110, 104)  # Home by 6, 214 points
    report = _settle(env)
    assert report["settled"] == {"loss": 2, "win": 2, "half_loss": 1}
    bets = {b["id"]: b for b in env.client.get("/api/bets", headers=auth).json()["items"]}
    expected = {
        away_ml["id"]: ("loss", -100.0),
        home_spread["id"]: ("win", 91.0),
        over["id"]: ("loss", -100.0),
        under["id"]: ("win", 97.0),
        quarter["id"]: ("half_loss", -25.0),  # +5.5 loses, +6 pushes
    }
    for bet_id, (result, profit) in expected.items():
        got = bets[bet_id]
        assert (got["result"], got["status"], got["settled_by"]) == (result, "settled", "auto")
        assert got["profit"] == pytest.approx(profit)
        assert got["final_score"] == [110, 104]
    assert _settle(env) == {"scores": 0, "valued": 0, "settled": {}}  # idempotent

    summary = env.client.get("/api/bets-summary", headers=auth).json()
    overall = summary["overall"]
    assert (overall["bets"], overall["settled"], overall["open"]) == (5, 5, 0)
    assert (overall["wins"], overall["losses"], overall["pushes"]) == (2, 3, 0)
    assert overall["staked"] == 450.0 and overall["risked"] == 450.0
    assert overall["profit"] == pytest.approx(-37.0)
    assert overall["roi"] == pytest.approx(-37.0 / 450.0)
    clv = [2.20 / 2.05 - 1, 1.91 / 1.87 - 1, 1.97 / 2.00 - 1]
    assert overall["bets_with_clv"] == 3
    assert overall["avg_clv_price"] == pytest.approx(sum(clv) / 3)
    assert overall["beat_close_rate"] == pytest.approx(2 / 3)
    assert overall["avg_ev"] is None  # none came from an opportunity
    books = {f["key"]: f for f in summary["by_book"]}
    assert set(books) == {"draftkings", "fanduel", "pinnacle"}
    assert books["pinnacle"]["profit"] == pytest.approx(97.0) and books["pinnacle"]["roi"] == pytest.approx(
        0.97
    )
    assert [f["key"] for f in summary["by_market"]] == ["h2h", "spreads", "totals"]
    assert [(f["key"], f["bets"]) for f in summary["by_month"]] == [("2026-01", 5)]
    assert [(f["key"], f["bets"]) for f in summary["by_sport"]] == [("basketball_nba", 5)]


def test_a_bet_from_an_opportunity_copies_its_leg_and_ev(game: Env) -> None:
    env = game
    auth = _user(env, "opp@example.com", plan="elite")
    with env.session_factory() as session:
        run_scan(session, env.runtime.scan, now=T0)
        session.commit()
    items = env.client.get(
        "/api/opportunities", params={"kind": "ev", "bookmaker": "draftkings", "market": "h2h"}, headers=auth
    ).json()["items"]
    opp = next(i for i in items if i["legs"][0]["outcome"] == "Away")
    answer = env.client.post("/api/bets", json={"from_opportunity": opp["id"], "stake": 40}, headers=auth)
    assert answer.status_code == 201, answer.text
    [bet] = answer.json()["bets"]
    assert (bet["bookmaker"], bet["market"], bet["outcome"], bet["point"]) == (
        "draftkings",
        "h2h",
        "Away",
        None,
    )
    assert bet["price_decimal"] == 2.20 and bet["stake"] == 40.0
    assert (bet["opportunity_id"], bet["opportunity_kind"]) == (opp["id"], "ev")
    assert bet["ev_at_placement"] == pytest.approx(opp["ev"]) and opp["ev"] > 0
    assert bet["fair_prob_at_placement"] == pytest.approx(opp["fair_prob"])
    assert bet["placed_at"].startswith("2026-01-15T18:00")
    summary = env.client.get("/api/bets-summary", headers=auth).json()["overall"]
    assert summary["avg_ev"] == pytest.approx(opp["ev"])

    free = _user(env, "free@example.com")  # the free plan shows it only after its delay
    refused = env.client.post("/api/bets", json={"from_opportunity": opp["id"], "stake": 40}, headers=free)
    assert refused.status_code == 403 and refused.json()["error"]["details"]["reason"] == "delay"
    missing = env.client.post("/api/bets", json={"from_opportunity": 999999, "stake": 40}, headers=auth)
    assert missing.status_code == 404


def test_only_the_owner_sees_edits_or_deletes_a_bet(game: Env) -> None:
    env = game
    ann, bob = _user(env, "ann@example.com"), _user(env, "bob@example.com")
    eid = _event_id(env.session_factory)
    bet = _bet(env, ann, event_id=eid, market="h2h", outcome="Home", bookmaker="pinnacle", price=1.9)
    path = f"/api/bets/{bet['id']}"
    assert env.client.get(path, headers=ann).json()["id"] == bet["id"]
    for method, kwargs in (("get", {}), ("patch", {"json": {"result": "win"}}), ("delete", {})):
        answer = env.client.request(method, path, headers=bob, **kwargs)
        assert answer.status_code == 404, method
        assert answer.json()["error"]["code"] == "not_found"
    assert env.client.get("/api/bets", headers=bob).json()["page"]["total"] == 0
    assert env.client.get("/api/bets-summary", headers=bob).json()["overall"]["bets"] == 0
    assert env.client.get(path, headers=ann).json()["result"] is None  # untouched by bob
    assert env.client.delete(path, headers=ann).status_code == 204
    assert env.client.get(path, headers=ann).status_code == 404
    anonymous = env.client.get("/api/bets")
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthorized"


def test_manual_settlement_stands_and_reopening_hands_the_bet_back(game: Env) -> None:
    env = game
    auth = _user(env, "ann@example.com")
    eid = _event_id(env.session_factory)
    bet = _bet(env, auth, event_id=eid, market="h2h", outcome="Home", bookmaker="pinnacle", price=1.9)
    path = f"/api/bets/{bet['id']}"
    settled = env.client.patch(path, json={"result": "void"}, headers=auth).json()
    assert (settled["result"], settled["profit"], settled["settled_by"]) == ("void", 0.0, "manual")
    _close_and_start(env)
    _finish(env, 100, 101)
    _settle(env)
    assert env.client.get(path, headers=auth).json()["result"] == "void"  # the job leaves it alone
    reopened = env.client.patch(path, json={"result": "open"}, headers=auth).json()
    # reopened after the final score: settled again at once, by the score
    assert (reopened["result"], reopened["settled_by"], reopened["profit"]) == ("loss", "auto", -100.0)
    corrected = env.client.patch(path, json={"stake": 20, "price": 2.5}, headers=auth).json()
    assert (corrected["stake"], corrected["profit"]) == (20.0, -20.0)
    assert corrected["price_clv_status"] == "ok"  # valued again at the corrected price
    assert corrected["closing_price"] == 1.80 and corrected["clv_price"] == pytest.approx(2.5 / 1.80 - 1)
    won = env.client.patch(path, json={"result": "half_win"}, headers=auth).json()
    assert won["profit"] == pytest.approx(15.0) and won["settled_by"] == "manual"


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"market": "h2h", "outcome": "Lakers"}, "outcome"),
        ({"market": "h2h", "outcome": "Home", "point": -3.5}, "point"),
        ({"market": "spreads", "outcome": "Home"}, "point"),
        ({"market": "spreads", "outcome": "Home", "point": -3.3}, "point"),
        ({"market": "totals", "outcome": "Over", "point": -1.5}, "point"),
        ({"market": "h2h", "outcome": "Home", "placed_at": "2030-01-01T00:00:00Z"}, "placed_at"),
    ],
)
def test_a_bet_that_does_not_fit_its_event_is_refused_saying_why(
    game: Env, body: dict[str, Any], parameter: str
) -> None:
    env = game
    auth = _user(env, "ann@example.com")
    full = {
        "event_id": _event_id(env.session_factory),
        "bookmaker": "pinnacle",
        "price": 1.9,
        "stake": 10,
        **body,
    }
    answer = env.client.post("/api/bets", json=full, headers=auth)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_input" and error["details"][0]["parameter"] == parameter


@pytest.mark.parametrize(
    "body",
    [
        {"stake": 10},  # neither by hand nor from an opportunity
        {"from_opportunity": 1, "event_id": 1, "stake": 10},  # both
        {"event_id": 1, "market": "props", "outcome": "Over", "bookmaker": "b", "price": 2, "stake": 1},
        {"event_id": 1, "market": "h2h", "outcome": "Home", "bookmaker": "b", "price": 1.0, "stake": 1},
        {"event_id": 1, "market": "h2h", "outcome": "Home", "bookmaker": "b", "price": 2, "stake": 0},
        {"event_id": 1, "market": "h2h", "outcome": "Home", "bookmaker": "b", "price": 2, "stake": 1, "x": 1},
        {"event_id": 1, "market": "h2h", "outcome": "Home", "bookmaker": "b", "price": 2, "stake": 1,
         "placed_at": "yesterday"},
        {"from_opportunity": 1, "stake": 1, "placed_at": 0},  # a number would pass as Unix time
        {"from_opportunity": 2**53, "stake": 1},
    ],
)  # fmt: skip
def test_malformed_bodies_are_422(env: Env, body: dict[str, Any]) -> None:
    answer = env.client.post("/api/bets", json=body, headers=_user(env, "ann@example.com"))
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "validation_error"


def test_unknown_event_is_404(env: Env) -> None:
    body = {"event_id": 424242, "market": "h2h", "outcome": "A", "bookmaker": "b", "price": 2, "stake": 1}
    answer = env.client.post("/api/bets", json=body, headers=_user(env, "ann@example.com"))
    assert answer.status_code == 404 and "event 424242" in answer.json()["error"]["message"]


def test_a_game_postponed_beyond_the_limit_voids_its_bets(game: Env) -> None:
    env = game
    auth = _user(env, "ann@example.com")
    eid = _event_id(env.session_factory)
    bet = _bet(env, auth, event_id=eid, market="h2h", outcome="Home", bookmaker="pinnacle", price=1.9)

    def move(hours: float) -> None:
        with env.session_factory() as session:
            session.execute(
                update(Event).where(Event.id == eid).values(commence_time=START + timedelta(hours=hours))
            )
            session.commit()

    move(3)  # a late start is not a postponement
    assert _settle(env)["settled"] == {}
    move(49)  # BETS_VOID_POSTPONED_HOURS = 48
    assert _settle(env)["settled"] == {"void": 1}
    got = env.client.get(f"/api/bets/{bet['id']}", headers=auth).json()
    assert (got["result"], got["profit"], got["settled_by"]) == ("void", 0.0, "auto")


def test_list_filters_and_pages(game: Env) -> None:
    env = game
    auth = _user(env, "ann@example.com")
    eid = _event_id(env.session_factory)
    for minutes, book_key in enumerate(("pinnacle", "draftkings", "pinnacle")):
        placed = (T0 - timedelta(minutes=2 - minutes)).isoformat()
        _bet(
            env,
            auth,
            event_id=eid,
            market="h2h",
            outcome="Home",
            bookmaker=book_key,
            price=1.9,
            placed_at=placed,
        )
    page = env.client.get("/api/bets", params={"limit": 2}, headers=auth).json()
    assert page["page"] == {"total": 3, "offset": 0, "limit": 2, "next_offset": 2}
    assert [b["placed_at"][:16] for b in page["items"]] == ["2026-01-15T18:00", "2026-01-15T17:59"]
    only = env.client.get(
        "/api/bets", params={"bookmaker": "pinnacle", "status": "open"}, headers=auth
    ).json()
    assert only["page"]["total"] == 2
    later = env.client.get("/api/bets", params={"placed_from": "2026-01-15T17:59:00Z"}, headers=auth).json()
    assert later["page"]["total"] == 2
    assert env.client.get("/api/bets", params={"status": "settled"}, headers=auth).json()["items"] == []


def test_csv_export_quotes_and_defuses_formulas(game: Env) -> None:
    env = game
    auth = _user(env, "ann@example.com")
    eid = _event_id(env.session_factory)
    with env.session_factory() as session:  # a team name as a provider might spell it
        session.execute(update(Event).where(Event.id == eid).values(home_team='=HYPERLINK("x"), Inc'))
        session.commit()
    _bet(
        env, auth, event_id=eid, market="h2h", outcome='=HYPERLINK("x"), Inc', bookmaker="pinnacle", price=1.9
    )
    answer = env.client.get("/api/bets.csv", headers=auth)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith('attachment; filename="fairedge-bets-')
    assert '"\'=HYPERLINK(""x""), Inc"' in answer.text  # RFC 4180 quoting, formula prefixed
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == 1
    row = rows[0]
    assert row["outcome"] == row["home_team"] == '\'=HYPERLINK("x"), Inc'
    assert (row["price_decimal"], row["stake"], row["result"], row["price_clv_status"]) == (
        "1.9",
        "100.0",
        "",
        "pending",
    )
    assert row["placed_at"] == T0.isoformat()
