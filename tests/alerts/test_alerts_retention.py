"""The delivery log's retention in tasks.user_cleanup: finished deliveries past ALERT_DELIVERY_RETENTION_DAYS
go, in batches; pending ones and recent ones stay; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from structlog.testing import capture_logs

from accounts_env import Env, bearer
from conftest import make_settings
from fairedge.alerts import tasks as alert_tasks
from fairedge.alerts.models import AlertDelivery

DAY = timedelta(days=1)
# (status, age in days) of each delivery: the 40-day-old finished ones are past a 30-day retention.
DELIVERIES = [
    ("delivered", 40),
    ("failed", 40),
    ("cancelled", 40),
    ("pending", 40),  # never deleted, whatever its age
    ("delivered", 29),
    ("failed", 10),
]


def _alert_with_deliveries(env: Env) -> int:
    user = bearer(env.signup("keeper@example.com"))
    answer = env.client.post(
        "/api/alerts", json={"name": "log", "webhook_url": "http://127.0.0.1:9/hook"}, headers=user
    )
    alert_id = int(answer.json()["id"])
    now = env.clock()
    with env.session_factory() as session:
        for n, (status, age) in enumerate(DELIVERIES):
            session.add(
                AlertDelivery(
                    alert_id=alert_id,
                    opportunity_id=n + 1,
                    status=status,
                    attempts=0 if status == "pending" else 1,
                    next_attempt_at=now if status == "pending" else None,
                    payload={},
                    created_at=now - age * DAY,
                )
            )
        session.commit()
    return alert_id


def _left(env: Env, alert_id: int) -> list[tuple[str, float]]:
    now = env.clock()
    with env.session_factory() as session:
        rows = session.scalars(
            select(AlertDelivery)
            .where(AlertDelivery.alert_id == alert_id)
            .order_by(AlertDelivery.opportunity_id)
        )
        return [(d.status, round((now - d.created_at) / DAY)) for d in rows]


@pytest.mark.parametrize("batch", [5000, 2])
def test_user_cleanup_deletes_finished_deliveries_past_retention(
    make_env: Callable[..., Env], monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    monkeypatch.setattr(alert_tasks, "PRUNE_BATCH", batch)  # 2: three rows take two batches
    env = make_env(ALERT_DELIVERY_RETENTION_DAYS=30)
    alert_id = _alert_with_deliveries(env)

    with capture_logs() as logs:
        report = env.runtime.jobs()["tasks.user_cleanup"]()

    assert report["alert_deliveries"] == 3
    (event,) = [entry for entry in logs if entry["event"] == "user_cleanup"]
    assert event["alert_deliveries"] == 3
    assert _left(env, alert_id) == [("pending", 40), ("delivered", 29), ("failed", 10)]
    assert env.runtime.jobs()["tasks.user_cleanup"]()["alert_deliveries"] == 0  # nothing more to do


def test_retention_is_at_least_a_day() -> None:
    """Shorter could delete a pair an alert's watermark still reaches: sent twice."""
    with pytest.raises(ValidationError, match="ALERT_DELIVERY_RETENTION_DAYS"):
        make_settings("sqlite://", ALERT_DELIVERY_RETENTION_DAYS=0.5)
    assert make_settings("sqlite://").ALERT_DELIVERY_RETENTION_DAYS == 30
