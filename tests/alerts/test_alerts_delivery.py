"""tasks.alert_delivery against real receivers on 127.0.0.1: each new match sent once per alert across
scans, retries with backoff until a receiver recovers, a webhook failing in a row paused, the owner's plan
(kinds, delay) applied, Discord and Slack bodies; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from alerts_env import Receiver, epl, nba, receiver_fixture, run_job, scan_board
from sqlalchemy import select

from accounts_env import Env, bearer
from factories import T0
from fairedge.alerts.models import Alert, AlertDelivery

SCANNED = T0 + timedelta(seconds=10)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from receiver_fixture()


def _alert(env: Env, url: str, *, plan: str | None = "elite", email: str = "a@example.com", **kw: Any) -> int:
    tokens = env.signup(email)
    if plan is not None:
        env.grant(email, plan)
    body = {"name": "edges", "webhook_url": url, "channel": kw.pop("channel", "generic"), "filters": kw}
    answer = env.client.post("/api/alerts", json=body, headers=bearer(tokens))
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _deliveries(env: Env, alert_id: int) -> list[AlertDelivery]:
    with env.session_factory() as session:
        return list(
            session.scalars(
                select(AlertDelivery).where(AlertDelivery.alert_id == alert_id).order_by(AlertDelivery.id)
            )
        )


def _status(env: Env, alert_id: int) -> dict[str, Any]:
    with env.session_factory() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        return {"status": alert.status, "reason": alert.paused_reason, "failures": alert.consecutive_failures}


def test_a_new_match_is_delivered_once_across_scans(env: Env, receiver: Receiver) -> None:
    alert_id = _alert(env, receiver.url, kind=["ev"])
    scan_board(env.session_factory, SCANNED, nba())
    env.clock.advance(10)
    report = run_job(env.session_factory, env.runtime.settings, env.clock)
    assert report["matched"] == 1 and report["delivered"] == 1
    (got,) = receiver.received
    assert got.body["event"] == "opportunity" and got.body["alert"] == {"id": alert_id, "name": "edges"}
    opportunity = got.body["opportunity"]
    assert opportunity["kind"] == "ev" and opportunity["event"]["league"] == "basketball_nba"
    assert opportunity["quote_age_seconds"] == 0.0  # computed when sent

    # The next scans find the same +EV bet again: it is not new, nothing is sent.
    for seconds in (20, 30):
        scan_board(env.session_factory, T0 + timedelta(seconds=seconds), nba())
        env.clock.advance(10)
        assert run_job(env.session_factory, env.runtime.settings, env.clock)["matched"] == 0
    assert len(receiver.received) == 1
    # A new game's bet is new: it alone is sent.
    scan_board(env.session_factory, T0 + timedelta(seconds=40), nba(), epl())
    env.clock.advance(10)
    assert run_job(env.session_factory, env.runtime.settings, env.clock)["delivered"] == 1
    assert [r.body["opportunity"]["event"]["league"] for r in receiver.received] == [
        "basketball_nba",
        "soccer_epl",
    ]
    assert [d.status for d in _deliveries(env, alert_id)] == ["delivered", "delivered"]


def test_only_opportunities_after_the_alert_was_saved_are_new(env: Env, receiver: Receiver) -> None:
    scan_board(env.session_factory, T0 - timedelta(seconds=60), nba())
    _alert(env, receiver.url)
    run_job(env.session_factory, env.runtime.settings, env.clock)
    assert receiver.received == []


def test_a_receiver_that_fails_then_recovers_gets_it_once_after_retries(env: Env) -> None:
    flaky = Receiver(statuses=[500, 503, 204]).start()
    try:
        alert_id = _alert(env, flaky.url, kind=["ev"])
        scan_board(env.session_factory, SCANNED, nba())
        env.clock.advance(10)
        assert run_job(env.session_factory, env.runtime.settings, env.clock)["retry"] == 1
        (pending,) = _deliveries(env, alert_id)
        assert pending.status == "pending" and pending.attempts == 1 and pending.response_code == 500
        assert pending.next_attempt_at == env.clock.now + timedelta(seconds=45)  # 30 s, +50 % jitter
        assert "receiver says no" in (pending.last_error or "")
        # Not due yet: nothing is sent.
        env.clock.advance(40)
        run_job(env.session_factory, env.runtime.settings, env.clock)
        assert len(flaky.received) == 1
        env.clock.advance(5)
        assert run_job(env.session_factory, env.runtime.settings, env.clock)["retry"] == 1
        env.clock.advance(90)  # the second wait doubles: 60 s, +50 %
        assert run_job(env.session_factory, env.runtime.settings, env.clock)["delivered"] == 1
        env.clock.advance(600)
        run_job(env.session_factory, env.runtime.settings, env.clock)
        assert len(flaky.received) == 3
        (done,) = _deliveries(env, alert_id)
        assert (done.status, done.attempts, done.response_code, done.last_error) == (
            "delivered",
            3,
            204,
            None,
        )
        assert _status(env, alert_id) == {"status": "active", "reason": None, "failures": 0}
    finally:
        flaky.stop()


def test_a_webhook_that_keeps_failing_is_paused_and_its_owner_resumes_it(env: Env) -> None:
    dead = Receiver(statuses=[500]).start()
    try:
        alert_id = _alert(env, dead.url)  # elite: the +EV bet, the arbitrage and the middle match
        scan_board(env.session_factory, SCANNED, nba())
        env.clock.advance(10)
        for _ in range(3):
            run_job(env.session_factory, env.runtime.settings, env.clock, pause_after=3)
            env.clock.advance(3600)
        # One call per run: after a failure the alert's other deliveries wait for the next run.
        assert len(dead.received) == 3
        state = _status(env, alert_id)
        assert state["status"] == "paused" and state["failures"] == 3
        assert state["reason"].startswith("webhook failed 3 times in a row; last: HTTP 500")
        assert {d.status for d in _deliveries(env, alert_id)} == {"cancelled"}
        env.clock.advance(3600)
        run_job(env.session_factory, env.runtime.settings, env.clock, pause_after=3)
        assert len(dead.received) == 3  # paused: nothing more is sent

        owner = bearer(env.login("a@example.com"))
        shown = env.client.get(f"/api/alerts/{alert_id}", headers=owner).json()
        assert shown["status"] == "paused" and "3 times in a row" in shown["paused_reason"]
        resumed = env.client.post(f"/api/alerts/{alert_id}/resume", headers=owner).json()
        assert resumed["status"] == "active" and resumed["consecutive_failures"] == 0
    finally:
        dead.stop()


def test_a_rate_limiting_receiver_is_retried_after_its_retry_after_and_not_paused(env: Env) -> None:
    busy = Receiver(statuses=[429, 429, 204], headers={"Retry-After": "120"}).start()
    try:
        alert_id = _alert(env, busy.url, kind=["ev"])
        scan_board(env.session_factory, SCANNED, nba())
        env.clock.advance(10)
        run_job(env.session_factory, env.runtime.settings, env.clock, pause_after=1)
        (waiting,) = _deliveries(env, alert_id)
        assert waiting.status == "pending" and waiting.response_code == 429
        assert waiting.next_attempt_at == env.clock.now + timedelta(seconds=120)  # longer than the backoff
        assert _status(env, alert_id) == {"status": "active", "reason": None, "failures": 0}
        env.clock.advance(119)
        run_job(env.session_factory, env.runtime.settings, env.clock, pause_after=1)
        assert len(busy.received) == 1
        for _ in range(2):
            env.clock.advance(120)
            run_job(env.session_factory, env.runtime.settings, env.clock, pause_after=1)
        (done,) = _deliveries(env, alert_id)
        assert (done.status, done.attempts, len(busy.received)) == ("delivered", 3, 3)
    finally:
        busy.stop()


def test_a_delivery_out_of_attempts_is_failed(env: Env) -> None:
    dead = Receiver(statuses=[502]).start()
    try:
        alert_id = _alert(env, dead.url, kind=["ev"])
        scan_board(env.session_factory, SCANNED, nba())
        env.clock.advance(10)
        for _ in range(2):
            run_job(env.session_factory, env.runtime.settings, env.clock, max_attempts=2)
            env.clock.advance(3600)
        (failed,) = _deliveries(env, alert_id)
        assert (failed.status, failed.attempts, failed.response_code) == ("failed", 2, 502)
        assert _status(env, alert_id)["status"] == "active"  # 2 failures, not yet ALERT_PAUSE_AFTER_FAILURES
    finally:
        dead.stop()


def test_the_free_plan_alerts_on_ev_bets_only_and_after_its_delay(env: Env, receiver: Receiver) -> None:
    alert_id = _alert(env, receiver.url, plan=None, market="h2h")  # free: +EV bets, h2h, 5 minutes late
    scan_board(env.session_factory, SCANNED, nba())
    env.clock.advance(10)
    run_job(env.session_factory, env.runtime.settings, env.clock)
    assert receiver.received == []  # found 0 s ago: inside the delay
    env.clock.advance(299)
    run_job(env.session_factory, env.runtime.settings, env.clock)
    assert receiver.received == []
    env.clock.advance(1)
    scan_board(env.session_factory, env.clock.now, nba())  # the quotes stay fresh
    run_job(env.session_factory, env.runtime.settings, env.clock)
    (got,) = receiver.received  # the arbitrage on the same market is never sent on free
    assert got.body["opportunity"]["kind"] == "ev"
    assert [d.status for d in _deliveries(env, alert_id)] == ["delivered"]


def test_the_elite_plan_alerts_every_kind_at_once(env: Env, receiver: Receiver) -> None:
    _alert(env, receiver.url)
    scan_board(env.session_factory, SCANNED, nba())
    env.clock.advance(10)
    assert run_job(env.session_factory, env.runtime.settings, env.clock)["delivered"] == 3  # in one run
    assert sorted(r.body["opportunity"]["kind"] for r in receiver.received) == ["arbitrage", "ev", "middle"]


def test_bookmaker_lists_match_any_of_their_books(env: Env, receiver: Receiver) -> None:
    _alert(env, receiver.url, kind=["ev"], bookmaker=["draftkings", "fanduel"])
    _alert(env, receiver.url, kind=["ev"], bookmaker=["draftkings"], email="b@example.com")
    scan_board(env.session_factory, SCANNED, nba())
    env.clock.advance(10)
    run_job(env.session_factory, env.runtime.settings, env.clock)
    assert [r.body["alert"]["name"] for r in receiver.received] == ["edges"]
    assert len(receiver.received) == 1


@pytest.mark.parametrize("channel", ["discord", "slack"])
def test_discord_and_slack_bodies(env: Env, receiver: Receiver, channel: str) -> None:
    _alert(env, receiver.url, kind=["ev"], channel=channel)
    scan_board(env.session_factory, SCANNED, nba())
    env.clock.advance(10)
    run_job(env.session_factory, env.runtime.settings, env.clock)
    (got,) = receiver.received
    if channel == "discord":
        assert got.body["content"].startswith("+EV bet ")
        (embed,) = got.body["embeds"]
        assert "Away @ Home" in embed["title"] and "at fanduel" in embed["description"]
        assert {f["name"] for f in embed["fields"]} >= {"EV", "Kelly", "Starts"}
    else:
        assert got.body["text"].startswith("+EV bet ")
        assert (
            got.body["blocks"][0]["type"] == "section" and "fanduel" in got.body["blocks"][0]["text"]["text"]
        )
