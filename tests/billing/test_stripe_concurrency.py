"""Stripe delivers at least once and in no order, sometimes the same event twice at the same moment: two
API workers applying events of one subscription at once, on PostgreSQL with real commits (a scratch database
of its own), end as one ordered application would."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from conftest import make_settings, scratch_pg_database
from factories import T0
from fairedge.billing import webhooks
from fairedge.billing.models import Subscription, WebhookEvent
from fairedge.db import migrate
from fairedge.db.engine import make_engine, make_session_factory, session_scope

SAMPLES = Path(__file__).parent / "stripe_events"
SUB = "sub_1SfEdgeA2mWq9Lz4Q7rT0pNv"


@pytest.fixture
def factory() -> Iterator[sessionmaker[Session]]:
    with scratch_pg_database("fairedge_stripe_race") as url:
        migrate.upgrade(url)
        engine: Engine = make_engine(make_settings(url))
        try:
            yield make_session_factory(engine)
        finally:
            engine.dispose()


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def at_once(factory: sessionmaker[Session], events: list[dict[str, Any]]) -> list[str]:
    """Each event handled in a thread of its own, its own session and transaction, released together."""
    settings = make_settings("postgresql://unused")
    outcomes: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(events))

    def apply(one: dict[str, Any]) -> None:
        try:
            barrier.wait(timeout=10)
            with session_scope(factory) as session:
                outcomes.append(webhooks.handle(session, settings, one, T0))
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=apply, args=(one,)) for one in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return outcomes


def stored(factory: sessionmaker[Session]) -> Subscription:
    with session_scope(factory) as session:
        row = session.scalars(select(Subscription).where(Subscription.subscription_id == SUB)).one()
        session.expunge(row)
        return row


def test_the_same_event_delivered_twice_at_once_is_applied_once(factory: sessionmaker[Session]) -> None:
    created = event("customer.subscription.created")
    outcomes = at_once(factory, [created, created, created])
    assert sorted(outcomes) == ["duplicate", "duplicate", "unlinked"]  # no user id in this deployment
    with session_scope(factory) as session:
        assert session.scalars(select(WebhookEvent.event_id)).all() == [created["id"]]


@pytest.mark.parametrize("order", [lambda e: e, lambda e: list(reversed(e))], ids=["in order", "reversed"])
def test_events_of_a_new_subscription_racing_end_in_the_latest_state(
    factory: sessionmaker[Session], order: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
) -> None:
    racing = order([event("customer.subscription.created"), event("customer.subscription.updated")])
    outcomes = at_once(factory, racing)
    assert "unlinked" in outcomes  # the later one applied (no user here); the earlier applied first or stale
    row = stored(factory)
    assert (row.plan, row.last_event_at.timestamp()) == ("elite", 1796860800)
