"""/api/alerts: the owner's saved filters (CRUD, pause, resume, test-send, the delivery log), the plan's
cap on their number, refusals as JSON 4xx; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from alerts_env import Receiver, nba, receiver_fixture, run_job, scan_board

from accounts_env import Env, bearer
from factories import T0

Headers = dict[str, str]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from receiver_fixture()


def _user(env: Env, email: str, plan: str | None = None) -> Headers:
    tokens = env.signup(email)
    if plan is not None:
        env.grant(email, plan)
    return bearer(tokens)


def _alert(url: str, **filters: Any) -> dict[str, Any]:
    return {"name": "NBA edges", "webhook_url": url, "filters": filters}


def test_the_owner_creates_reads_edits_and_deletes_an_alert(env: Env, receiver: Receiver) -> None:
    owner = _user(env, "owner@example.com", "pro")
    created = env.client.post(
        "/api/alerts",
        json=_alert(receiver.url, kind=["ev"], league="basketball_nba", min_ev=0.02, bookmaker=["fanduel"]),
        headers=owner,
    )
    assert created.status_code == 201, created.text
    alert = created.json()
    assert alert["status"] == "active" and alert["channel"] == "generic"
    assert alert["filters"] == {
        "kind": ["ev"],
        "sport": None,
        "league": "basketball_nba",
        "market": None,
        "bookmaker": ["fanduel"],
        "min_ev": 0.02,
        "min_profit_margin": None,
        "method": None,
    }
    # The URL's path (a Discord or Slack token) is never sent back.
    assert alert["webhook"] == f"http://127.0.0.1:{receiver.port}/…"
    assert "secret-token" not in created.text

    listed = env.client.get("/api/alerts", headers=owner).json()
    assert [a["id"] for a in listed] == [alert["id"]]

    edited = env.client.patch(
        f"/api/alerts/{alert['id']}",
        json={"name": "Renamed", "channel": "slack", "filters": {"min_ev": 0.05}},
        headers=owner,
    ).json()
    assert edited["name"] == "Renamed" and edited["channel"] == "slack"
    assert edited["filters"]["min_ev"] == 0.05 and edited["filters"]["kind"] == ["ev"]  # the rest kept

    assert env.client.delete(f"/api/alerts/{alert['id']}", headers=owner).status_code == 204
    assert env.client.get(f"/api/alerts/{alert['id']}", headers=owner).status_code == 404


def test_another_users_alert_is_not_found_and_nobody_anonymous_has_alerts(
    env: Env, receiver: Receiver
) -> None:
    owner = _user(env, "owner@example.com")
    other = _user(env, "other@example.com")
    alert_id = env.client.post("/api/alerts", json=_alert(receiver.url), headers=owner).json()["id"]
    for method, path in (
        ("GET", f"/api/alerts/{alert_id}"),
        ("PATCH", f"/api/alerts/{alert_id}"),
        ("DELETE", f"/api/alerts/{alert_id}"),
        ("POST", f"/api/alerts/{alert_id}/pause"),
        ("POST", f"/api/alerts/{alert_id}/test"),
        ("GET", f"/api/alerts/{alert_id}/deliveries"),
    ):
        answer = env.client.request(method, path, headers=other, json={} if method == "PATCH" else None)
        assert answer.status_code == 404, (method, path)
        assert answer.json()["error"]["code"] == "not_found"
    assert env.client.get("/api/alerts", headers=other).json() == []
    assert env.client.get("/api/alerts").status_code == 401
    assert receiver.received == []


@pytest.mark.parametrize(("plan", "allowed"), [(None, 2), ("pro", 20)])
def test_the_plan_caps_how_many_alerts_a_user_keeps(
    env: Env, receiver: Receiver, plan: str | None, allowed: int
) -> None:
    user = _user(env, "many@example.com", plan)
    for n in range(allowed):
        assert env.client.post("/api/alerts", json=_alert(receiver.url), headers=user).status_code == 201, n
    refused = env.client.post("/api/alerts", json=_alert(receiver.url), headers=user)
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "plan_limit"
    assert error["details"] == {"plan": plan or "free", "allowed": allowed, "alerts": allowed}


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        (_alert("http://127.0.0.1/x", kind=["ev"], min_profit_margin=0.01), "min_profit_margin"),
        (_alert("http://127.0.0.1/x", kind=["telepathy"]), "filters.kind.0"),
        (_alert("ftp://example.com/hook"), "webhook_url"),
        (_alert("http://user:pw@example.com/hook"), "webhook_url"),
        ({"name": "", "webhook_url": "http://127.0.0.1/x"}, "name"),
        ({**_alert("http://127.0.0.1/x"), "surprise": 1}, "surprise"),
    ],
)
def test_bad_input_is_a_422_saying_what_is_wrong(env: Env, body: dict[str, Any], parameter: str) -> None:
    user = _user(env, "typo@example.com", "elite")
    answer = env.client.post("/api/alerts", json=body, headers=user)
    assert answer.status_code == 422, answer.text
    details = answer.json()["error"]["details"]
    assert any(d["parameter"].endswith(parameter) for d in details), details


def test_a_method_this_deployment_does_not_compute_is_refused(make_env: Callable[..., Env]) -> None:
    env = make_env(SCAN_DEVIG_METHODS="shin")
    user = _user(env, "method@example.com")
    answer = env.client.post("/api/alerts", json=_alert("http://127.0.0.1/x", method="power"), headers=user)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0] == {"parameter": "method", "allowed": ["shin"]}


def test_pause_and_resume(env: Env, receiver: Receiver) -> None:
    user = _user(env, "pauser@example.com")
    alert_id = env.client.post("/api/alerts", json=_alert(receiver.url), headers=user).json()["id"]
    paused = env.client.post(f"/api/alerts/{alert_id}/pause", headers=user).json()
    assert paused["status"] == "paused" and paused["paused_reason"] == "paused by its owner"
    resumed = env.client.post(f"/api/alerts/{alert_id}/resume", headers=user).json()
    assert resumed["status"] == "active" and resumed["paused_reason"] is None


@pytest.mark.parametrize(
    ("channel", "expected"),
    [("generic", "event"), ("discord", "content"), ("slack", "text")],
)
def test_test_send_posts_the_channels_shape_and_reports_the_answer(
    env: Env, receiver: Receiver, channel: str, expected: str
) -> None:
    user = _user(env, "tester@example.com")
    alert_id = env.client.post(
        "/api/alerts", json={**_alert(receiver.url), "channel": channel}, headers=user
    ).json()["id"]
    answer = env.client.post(f"/api/alerts/{alert_id}/test", headers=user).json()
    assert answer["ok"] is True and answer["status_code"] == 204 and answer["error"] is None
    (got,) = receiver.received
    assert got.path == "/hooks/secret-token" and expected in got.body
    assert got.headers["Content-Type"] == "application/json"
    # A test-send is no delivery.
    assert env.client.get(f"/api/alerts/{alert_id}/deliveries", headers=user).json()["page"]["total"] == 0


def test_test_send_to_a_failing_webhook_says_so_and_does_not_pause(make_env: Callable[..., Env]) -> None:
    env = make_env()
    failing = Receiver(statuses=[500]).start()
    try:
        user = _user(env, "failing@example.com")
        alert_id = env.client.post("/api/alerts", json=_alert(failing.url), headers=user).json()["id"]
        for _ in range(3):
            answer = env.client.post(f"/api/alerts/{alert_id}/test", headers=user).json()
            assert answer["ok"] is False and answer["status_code"] == 500
            assert "receiver says no" in answer["error"]
        assert env.client.get(f"/api/alerts/{alert_id}", headers=user).json()["status"] == "active"
    finally:
        failing.stop()


def test_the_delivery_log_shows_each_match(env: Env, receiver: Receiver) -> None:
    user = _user(env, "log@example.com", "elite")
    alert_id = env.client.post("/api/alerts", json=_alert(receiver.url, kind=["ev"]), headers=user).json()[
        "id"
    ]
    scan_board(env.session_factory, T0 + timedelta(seconds=10), nba())
    env.clock.advance(10)
    run_job(env.session_factory, env.runtime.settings, env.clock)
    log = env.client.get(f"/api/alerts/{alert_id}/deliveries", headers=user).json()
    assert log["page"]["total"] == 1
    (item,) = log["items"]
    assert item["status"] == "delivered" and item["attempts"] == 1 and item["response_code"] == 204
    assert item["opportunity"]["kind"] == "ev" and item["opportunity_id"] == item["opportunity"]["id"]
    assert item["delivered_at"] is not None and item["next_attempt_at"] is None
