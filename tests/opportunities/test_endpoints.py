"""Tier differences on /api/opportunities: anonymous requests on the free plan (ANONYMOUS_PLAN=free) against
the default local plan, over the board of test_entitlement (7 opportunities; free shows one at first)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from test_entitlement import FOUND_LATER, plan_board

from accounts_env import PASSWORD, verified_user
from conftest import make_settings
from factories import FakeClock
from fairedge.app import create_app
from fairedge.runtime import Runtime

Client = Callable[..., TestClient]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(FOUND_LATER)


@pytest.fixture
def make_client(
    engine: Engine,
    session_factory: sessionmaker[Session],
    database_url: str,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Client]:
    with session_factory() as session:
        plan_board(session)
        session.commit()
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        settings = make_settings(database_url, SCAN_DEVIG_METHODS="shin", **overrides)
        runtime = Runtime.assemble(settings, engine, session_factory, clock=clock)
        monkeypatch.setattr(runtime, "close", lambda: None)  # the session-scoped engine outlives the app
        client = TestClient(create_app(settings, runtime=runtime))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def _ids(client: TestClient) -> dict[tuple[str, str, str], int]:
    items = client.get("/api/opportunities").json()["items"]
    return {(i["kind"], i["event"]["league"], i["market"]): i["id"] for i in items}


def test_local_plan_lists_everything_and_hides_nothing(make_client: Client) -> None:
    body = make_client().get("/api/opportunities").json()
    assert len(body["items"]) == body["page"]["total"] == 7
    assert body["hidden"] == {"total": 0, "reasons": [], "plan": "local"}


def test_free_plan_sees_fewer_and_says_why(make_client: Client) -> None:
    body = make_client(ANONYMOUS_PLAN="free").get("/api/opportunities").json()
    assert [(i["kind"], i["event"]["league"], i["market"]) for i in body["items"]] == [
        ("ev", "basketball_nba", "h2h")
    ]
    assert body["page"]["total"] == 1
    hidden = body["hidden"]
    assert hidden["plan"] == "free" and hidden["total"] == 6
    reasons = [(r["reason"], r["count"]) for r in hidden["reasons"]]
    assert reasons == [("kind", 4), ("market", 1), ("delay", 1)]
    assert hidden["reasons"][0]["message"] == "Free shows +EV bets only; upgrade for arbitrage and middles"


def test_free_plan_sees_later(make_client: Client, clock: FakeClock) -> None:
    client = make_client(ANONYMOUS_PLAN="free")
    clock.advance(300)
    body = client.get("/api/opportunities").json()
    assert sorted(i["event"]["league"] for i in body["items"]) == ["basketball_nba", "soccer_epl"]
    assert [r["reason"] for r in body["hidden"]["reasons"]] == ["kind", "market"]


def test_a_kind_outside_the_plan_is_an_empty_page_not_an_error(make_client: Client) -> None:
    response = make_client(ANONYMOUS_PLAN="free").get("/api/opportunities", params={"kind": "middle"})
    assert response.status_code == 200
    body = response.json()
    assert body["items"] == [] and body["page"]["total"] == 0
    assert [(r["reason"], r["count"]) for r in body["hidden"]["reasons"]] == [("kind", 1)]


def test_one_opportunity_the_plan_withholds_is_403_plan_limit(make_client: Client) -> None:
    ids = _ids(make_client())
    free = make_client(ANONYMOUS_PLAN="free")
    shown = ids[("ev", "basketball_nba", "h2h")]
    assert free.get(f"/api/opportunities/{shown}").json()["id"] == shown
    refused = free.get(f"/api/opportunities/{ids[('middle', 'basketball_nba', 'totals')]}")
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "plan_limit" and error["details"] == {"reason": "kind", "plan": "free"}
    assert "upgrade for arbitrage and middles" in error["message"]
    late = free.get(f"/api/opportunities/{ids[('ev', 'soccer_epl', 'h2h')]}").json()["error"]
    assert late["code"] == "plan_limit" and late["details"]["reason"] == "delay"
    assert free.get("/api/opportunities/999999").status_code == 404  # existence is no secret either way


@pytest.mark.parametrize(
    ("plan", "kinds"),
    [("free", {"ev"}), ("pro", {"ev", "arbitrage"}), ("elite", {"ev", "arbitrage", "middle"})],
)
def test_a_logged_in_users_plan_decides_what_they_see(
    make_client: Client,
    session_factory: sessionmaker[Session],
    clock: FakeClock,
    plan: str,
    kinds: set[str],
) -> None:
    with session_factory() as session:
        verified_user(session, f"{plan}@example.com", clock(), plan=plan)
        session.commit()
    client = make_client(ANONYMOUS_PLAN="none")
    assert client.get("/api/opportunities").status_code == 401
    token = client.post(
        "/api/auth/login", json={"email": f"{plan}@example.com", "password": PASSWORD}
    ).json()["access_token"]
    body = client.get("/api/opportunities", headers={"Authorization": f"Bearer {token}"}).json()
    assert {i["kind"] for i in body["items"]} == kinds
    assert body["hidden"]["plan"] == plan
    assert (body["hidden"]["total"] == 0) == (plan == "elite")
