"""Webhook URLs at rest: the row holds ciphertext only (read with SQL), deliveries and test-sends post to the
saved URL, and a process with another SECRET_KEY neither posts, nor fails, nor loses a delivery; on SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from alerts_env import Receiver, nba, receiver_fixture, run_job, scan_board
from pydantic import SecretStr
from sqlalchemy import select, text
from structlog.testing import capture_logs

from accounts_env import Env, bearer
from factories import T0
from fairedge.alerts.models import Alert, AlertDelivery
from fairedge.config import Settings
from fairedge.secretstore.store import fernet_for

OTHER_KEY = SecretStr("a different SECRET_KEY, at least 32 chars")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from receiver_fixture()


def _create(env: Env, url: str) -> tuple[int, dict[str, str]]:
    user = bearer(env.signup("owner@example.com"))
    env.grant("owner@example.com", "elite")
    answer = env.client.post("/api/alerts", json={"name": "edges", "webhook_url": url}, headers=user)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"]), user


def _stored_row(env: Env, alert_id: int) -> dict[str, Any]:
    with env.session_factory() as session:
        return dict(
            session.execute(text("SELECT * FROM alerts WHERE id = :id"), {"id": alert_id}).one()._mapping
        )


def _with_key(settings: Settings, key: SecretStr) -> Settings:
    return settings.model_copy(update={"SECRET_KEY": key})


def test_the_row_holds_ciphertext_and_deliveries_post_to_the_saved_url(env: Env, receiver: Receiver) -> None:
    with capture_logs() as logs:
        alert_id, user = _create(env, receiver.url)
        row = _stored_row(env, alert_id)
        assert not any("secret-token" in str(value) for value in row.values())  # no column holds the URL
        key = env.runtime.settings.SECRET_KEY.get_secret_value()
        assert fernet_for(key).decrypt(row["webhook_ciphertext"].encode()).decode() == receiver.url

        scan_board(env.session_factory, T0 + timedelta(seconds=10), nba())
        env.clock.advance(10)
        assert run_job(env.session_factory, env.runtime.settings, env.clock)["delivered"] >= 1
        assert {r.path for r in receiver.received} == {"/hooks/secret-token"}

        # A new URL is sealed too, and used from then on (by a test-send here).
        rotated = f"http://127.0.0.1:{receiver.port}/hooks/rotated-token"
        edited = env.client.patch(f"/api/alerts/{alert_id}", json={"webhook_url": rotated}, headers=user)
        assert edited.json()["webhook"] == f"http://127.0.0.1:{receiver.port}/…"
        assert "rotated-token" not in str(_stored_row(env, alert_id))
        assert env.client.post(f"/api/alerts/{alert_id}/test", headers=user).json()["ok"] is True
        assert receiver.received[-1].path == "/hooks/rotated-token"
    created = next(entry for entry in logs if entry["event"] == "alert_created")
    assert created["webhook"] == f"http://127.0.0.1:{receiver.port}/…"  # logs show the masked form only
    assert "secret-token" not in str(logs) and "rotated-token" not in str(logs)


def test_another_secret_key_cannot_deliver_but_loses_nothing(env: Env, receiver: Receiver) -> None:
    alert_id, user = _create(env, receiver.url)
    scan_board(env.session_factory, T0 + timedelta(seconds=10), nba())
    env.clock.advance(10)
    other = _with_key(env.runtime.settings, OTHER_KEY)

    with capture_logs() as logs:
        report = run_job(env.session_factory, other, env.clock)
        assert run_job(env.session_factory, other, env.clock)["unreadable"] == report["unreadable"]
    assert report["matched"] >= 1 and report["unreadable"] == report["matched"]
    assert report["delivered"] == report["failed"] == report["retry"] == 0 and receiver.received == []
    unreadable = [entry for entry in logs if entry["event"] == "alert_webhook_unreadable"]
    assert len(unreadable) == 2 and unreadable[0]["alert_id"] == alert_id
    assert unreadable[0]["log_level"] == "warning" and unreadable[0]["deliveries"] == report["matched"]
    assert "SECRET_KEY" in unreadable[0]["reason"] and "secret-token" not in str(logs)
    with env.session_factory() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None and (alert.status, alert.consecutive_failures) == ("active", 0)
        pending = session.scalars(select(AlertDelivery).where(AlertDelivery.alert_id == alert_id)).all()
        assert {(d.status, d.attempts) for d in pending} == {("pending", 0)}

    # The API of such a process shows no URL and says why a test-send cannot post.
    env.client.app.state.settings = other  # type: ignore[attr-defined]
    assert env.client.get(f"/api/alerts/{alert_id}", headers=user).json()["webhook"] == "<unreadable>"
    tested = env.client.post(f"/api/alerts/{alert_id}/test", headers=user).json()
    assert tested["ok"] is False and tested["status_code"] is None and "save the URL again" in tested["error"]
    assert receiver.received == []

    # A process with the key that saved it delivers everything that waited.
    report = run_job(env.session_factory, env.runtime.settings, env.clock)
    assert report["delivered"] == len(pending) and report["unreadable"] == 0
    assert len(receiver.received) == len(pending)
    assert {r.path for r in receiver.received} == {"/hooks/secret-token"}
