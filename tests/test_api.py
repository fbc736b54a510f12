"""The HTTP API over a real database: health, odds, opportunities, errors (never a 500)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from conftest import make_settings
from factories import T0, FakeClock, book, event, h2h, snapshot, totals
from fairedge.app import create_app
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.opportunities.service import run_scan
from fairedge.runtime import Runtime


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def client(
    engine: Engine,
    session_factory: sessionmaker[Session],
    database_url: str,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[TestClient]:
    settings = make_settings(database_url, SCAN_DEVIG_METHODS="shin,power", SCAN_MAX_QUOTE_AGE_SECONDS=120)
    runtime = Runtime.assemble(settings, engine, session_factory, clock=clock)
    monkeypatch.setattr(runtime, "close", lambda: None)  # the session-scoped engine outlives the app
    with session_factory() as session:
        snap = snapshot(
            event(
                "e1",
                book("pinnacle", h2h(1.95, 1.95), totals(220.5, 1.95, 1.95)),
                book("fanduel", h2h(2.10, 1.80), totals(222.5, 1.80, 2.02)),
                home_team="Home",
                away_team="Away",
            ),
            event(
                "e2",
                book("pinnacle", h2h(1.5, 2.7)),
                sport="soccer_epl",
                home_team="Home",
                away_team="Away",
                commence=T0 + timedelta(days=1),
            ),
        )
        ingest_snapshot(session, snap, provider="test")
        run_scan(session, runtime.scan, now=clock())
        session.commit()
    with TestClient(create_app(settings, runtime=runtime)) as c:
        yield c


def test_health_reports_services(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "healthy"
    assert body["services"]["database"] == "healthy"
    assert body["services"]["redis"] == "disabled" and body["services"]["celery"] == "disabled"
    assert set(body) >= {"status", "timestamp", "services", "version"}
    db = client.get("/health/database").json()
    assert db["status"] == "healthy" and "pool_stats" in db


def test_opportunities_list_filters_and_sorts(client: TestClient) -> None:
    body = client.get("/api/opportunities").json()
    kinds = [item["kind"] for item in body["items"]]
    assert set(kinds) == {"ev", "arbitrage", "middle"}
    assert body["page"]["total"] == len(body["items"])
    evs = [i["ev"] for i in body["items"] if i["kind"] != "arbitrage"]
    assert evs == sorted(evs, reverse=True)
    assert kinds[-1] == "arbitrage"  # no EV: after every EV when sorting by EV
    ev = client.get("/api/opportunities", params={"kind": "ev", "league": "basketball_nba"}).json()["items"]
    assert ev and all(i["kind"] == "ev" and i["event"]["league"] == "basketball_nba" for i in ev)
    top = ev[0]
    (leg,) = top["legs"]
    assert leg["bookmaker"] == "fanduel" and leg["price_decimal"] == 2.1 and leg["price_american"] == 110.0
    assert leg["stake"] == 1.0 and leg["payout"] == 2.1
    assert top["ev"] == pytest.approx(0.05)
    assert top["sharp_books"] == ["pinnacle"] and top["fair_source"] == "sharp"
    assert "ev_percent" not in top and "profit_margin" not in top
    rich = client.get("/api/opportunities", params={"min_ev": 0.5}).json()["items"]
    assert [i["kind"] for i in rich] == ["arbitrage"]  # min_ev does not apply to arbitrage
    assert client.get("/api/opportunities", params={"sport": "soccer"}).json()["items"] == []
    power = client.get("/api/opportunities", params={"kind": "ev", "method": "power"}).json()["items"]
    assert power and all(i["devig_method"] == "power" for i in power)


def test_opportunity_by_id_and_404(client: TestClient) -> None:
    first = client.get("/api/opportunities").json()["items"][0]
    assert client.get(f"/api/opportunities/{first['id']}").json()["id"] == first["id"]
    missing = client.get("/api/opportunities/999999")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"kind": "bogus"}, "kind.0"),
        ({"min_ev": "lots"}, "min_ev"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"sort": "random"}, "sort"),
        ({"max_age_seconds": -5}, "max_age_seconds"),
    ],
)
def test_bad_query_parameter_is_422_naming_it(
    client: TestClient, params: dict[str, object], parameter: str
) -> None:
    response = client.get("/api/opportunities", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert parameter in error["message"]
    assert error["details"][0]["parameter"] == parameter


def test_method_not_computed_is_422(client: TestClient) -> None:
    response = client.get("/api/opportunities", params={"method": "probit"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["allowed"] == ["shin", "power"]


def test_sports_bookmakers_events(client: TestClient) -> None:
    sports = {s["key"]: s for s in client.get("/api/sports").json()}
    assert sports["basketball_nba"]["events"] == 1 and sports["soccer_epl"]["sport"] == "Soccer"
    books = {b["key"]: b for b in client.get("/api/bookmakers").json()}
    assert books["pinnacle"]["is_sharp"] and not books["fanduel"]["is_sharp"]
    events = client.get("/api/events", params={"sport": "basketball"}).json()
    assert events["page"]["total"] == 1 and events["items"][0]["home_team"] == "Home"
    page = client.get("/api/events", params={"limit": 1}).json()
    assert page["page"]["next_offset"] == 1 and len(page["items"]) == 1


def test_event_board_has_best_price_and_fair_line(client: TestClient) -> None:
    event_id = client.get("/api/events", params={"league": "basketball_nba"}).json()["items"][0]["id"]
    board = client.get(f"/api/events/{event_id}/odds").json()
    h2h_market = next(m for m in board["markets"] if m["market"] == "h2h")
    home = h2h_market["outcomes"][0]
    assert home["name"] == "Home" and home["best_price"] == 2.1 and home["best_bookmakers"] == ["fanduel"]
    assert [p["bookmaker"] for p in home["prices"] if p["is_best"]] == ["fanduel"]
    assert home["fair_prob"] == pytest.approx(0.5)
    assert h2h_market["fair_source"] == "sharp" and h2h_market["sharp_books"] == ["pinnacle"]
    assert client.get(f"/api/events/{event_id}/odds", params={"method": "nonsense"}).status_code == 422
    assert client.get("/api/events/424242/odds").status_code == 404


def test_event_history_series(client: TestClient) -> None:
    event_id = client.get("/api/events", params={"league": "basketball_nba"}).json()["items"][0]["id"]
    history = client.get(f"/api/events/{event_id}/history", params={"bookmaker": "pinnacle"}).json()
    assert history["event_id"] == event_id
    assert {s["bookmaker"] for s in history["series"]} == {"pinnacle"}
    assert all(len(s["points"]) == 1 for s in history["series"])
    assert client.get("/api/events/abc/history").status_code == 422


def test_metrics_exposed(client: TestClient) -> None:
    client.get("/api/sports")
    text = client.get("/metrics").text
    assert 'http_requests_total{handler="/api/sports",method="GET",status="200"}' in text
    assert "fairedge_opportunities_count" in text
    assert "http_request_duration_seconds_bucket" in text


def test_unknown_path_is_json_404(client: TestClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_database_down_is_503_not_500() -> None:
    settings = make_settings("postgresql://postgres@127.0.0.1:1/none")  # nothing listens on port 1
    runtime = Runtime.build(settings)
    with TestClient(create_app(settings, runtime=runtime)) as c:
        response = c.get("/api/opportunities")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "database_unavailable"
        health = c.get("/health")
        assert health.status_code == 503
        assert health.json()["services"]["database"] == "unhealthy"


def test_middle_has_its_own_fields(client: TestClient) -> None:
    (middle,) = client.get("/api/opportunities", params={"kind": "middle", "method": "shin"}).json()["items"]
    assert middle["window"] == [220.5, 222.5] and middle["axis"] == "total"
    assert 0 <= middle["hit_probability"] < 0.2 and "fair_prob" not in middle
    assert middle["max_loss"] == pytest.approx(1 - 1.95 * 2.02 / (1.95 + 2.02))
    assert [leg["bookmaker"] for leg in middle["legs"]] == ["pinnacle", "fanduel"]
    assert sum(leg["stake"] for leg in middle["legs"]) == pytest.approx(1.0)


def test_filters_by_any_leg_bookmaker_exactly(client: TestClient) -> None:
    at_pinnacle = client.get("/api/opportunities", params={"bookmaker": "pinnacle"}).json()["items"]
    assert sorted(i["kind"] for i in at_pinnacle) == ["arbitrage", "middle"]  # a leg in each, no +EV bet
    assert all("pinnacle" in [leg["bookmaker"] for leg in i["legs"]] for i in at_pinnacle)
    at_fanduel = client.get("/api/opportunities", params={"bookmaker": "fanduel"}).json()["items"]
    assert {i["kind"] for i in at_fanduel} == {"ev", "arbitrage", "middle"}
    assert client.get("/api/opportunities", params={"bookmaker": "fan"}).json()["items"] == []


def test_a_rate_filter_for_none_of_the_kinds_is_422(client: TestClient) -> None:
    response = client.get("/api/opportunities", params={"kind": "arbitrage", "min_ev": 0.01})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["parameter"] == "min_ev"
    response = client.get("/api/opportunities", params=[("kind", "ev"), ("min_profit_margin", "0.01")])
    assert response.status_code == 422
    both = client.get("/api/opportunities", params={"kind": ["ev", "arbitrage"], "min_ev": 0.01})
    assert both.status_code == 200


def test_ages_are_computed_when_served_and_stale_bets_leave(client: TestClient, clock: FakeClock) -> None:
    """No scan runs while the clock moves (a feed outage): ages grow and stale bets stop being offered."""
    first = client.get("/api/opportunities", params={"kind": "ev"}).json()["items"][0]
    assert first["quote_age_seconds"] == 0 and first["confirmed_at"].startswith("2026-01-15T18:00")
    clock.advance(90)
    aged = client.get(f"/api/opportunities/{first['id']}").json()
    assert aged["quote_age_seconds"] == pytest.approx(90)
    assert client.get("/api/opportunities", params={"max_age_seconds": 60}).json()["items"] == []
    assert client.get("/api/opportunities", params={"max_age_seconds": 100}).json()["items"]
    clock.advance(60)  # past SCAN_MAX_QUOTE_AGE_SECONDS=120: withdrawn even before the expiry job runs
    assert client.get("/api/opportunities").json()["items"] == []
