"""/health/odds-feed, and /health degraded (200, never 503) by a stale sport or a paused feed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import delete

from conftest import make_settings
from fairedge.app import create_app
from fairedge.db.engine import make_engine, make_session_factory
from fairedge.odds.feed_store import DatabaseFeedStore
from fairedge.odds.models import CreditSpend, FeedSport, FeedState
from fairedge.odds.providers.the_odds_api.feed import CreditLimits, Quota, SportPlan, key_ref
from fairedge.secretstore.models import SecretVersionRow
from scratch_db import migrated_scratch

KEY = "live-key-0123456789abcdef"

MakeClient = Callable[..., tuple[TestClient, DatabaseFeedStore]]


@pytest.fixture(scope="module")
def feed_database(db_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of this module's own: the app's background probe shares no connection with the test."""
    with migrated_scratch(db_backend, tmp_path_factory.mktemp("feed"), "fairedge_feed") as url:
        yield url


@pytest.fixture
def make_client(feed_database: str) -> Iterator[MakeClient]:
    clients: list[TestClient] = []
    engine = make_engine(make_settings(feed_database))
    factory = make_session_factory(engine)

    def start(**overrides: object) -> tuple[TestClient, DatabaseFeedStore]:
        settings = make_settings(feed_database, **overrides)
        client = TestClient(create_app(settings)).__enter__()
        clients.append(client)
        if settings.odds_provider == "the_odds_api":
            client.app.state.runtime.odds_api_keys().seed([KEY])  # type: ignore[attr-defined]
        return client, DatabaseFeedStore(factory, CreditLimits(per_month=20_000))

    yield start
    for client in clients:
        client.__exit__(None, None, None)
    with factory() as session, session.begin():
        for model in (FeedSport, FeedState, CreditSpend, SecretVersionRow):
            session.execute(delete(model))
    engine.dispose()


def _plan(sport: str, next_commence: datetime) -> SportPlan:
    return SportPlan(sport, 60.0, 60.0, "soon", events_soon=1, next_commence=next_commence, cycle_cost=9)


def test_the_feed_is_shown_and_a_stale_sport_degrades_health_without_failing_it(
    make_client: MakeClient,
) -> None:
    client, store = make_client(ODDS_API_KEY=KEY)
    now = datetime.now(UTC)
    store.save_plans([_plan("basketball_nba", now + timedelta(hours=3))], now)
    store.refreshed("basketball_nba", now)
    store.charge(now, 9, Quota(remaining=19_991, used=9, last=9, at=now))

    feed = client.get("/health/odds-feed")
    assert feed.status_code == 200
    body = feed.json()
    assert body["status"] == "healthy" and body["provider"] == "the_odds_api"
    assert body["quota"]["remaining"] == 19_991 and body["budget"]["month"]["left"] == 19_991
    assert body["keys"] == [{"ref": key_ref(KEY), "status": "active", "reason": None, "since": None}]
    assert [(s["sport"], s["cadence_seconds"], s["stale"]) for s in body["sports"]] == [
        ("basketball_nba", 60.0, False)
    ]
    assert KEY not in feed.text
    assert client.get("/health").json()["services"]["odds_feed"] == "healthy"

    store.refreshed("basketball_nba", now - timedelta(minutes=5))  # older than twice its 60 s cadence
    health = client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded" and health.json()["services"]["odds_feed"] == "degraded"
    assert client.get("/health/odds-feed").json()["stale_sports"] == ["basketball_nba"]


def test_a_paused_feed_degrades_health_and_says_so(make_client: MakeClient) -> None:
    client, store = make_client(ODDS_API_KEY=KEY)
    store.refuse_key(key_ref(KEY), "OUT_OF_USAGE_CREDITS", datetime.now(UTC))
    store.set_paused("OUT_OF_USAGE_CREDITS", datetime.now(UTC))

    body = client.get("/health/odds-feed").json()
    assert body["status"] == "paused" and body["paused"]["reason"] == "OUT_OF_USAGE_CREDITS"
    assert body["keys"][0]["status"] == "refused"
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["services"]["odds_feed"] == "degraded"


def test_the_simulator_has_no_feed_to_watch(make_client: MakeClient) -> None:
    client, _store = make_client()
    assert client.get("/health/odds-feed").json()["status"] == "disabled"
    assert client.get("/health").json()["services"]["odds_feed"] == "disabled"


def test_the_probe_exports_the_feed_gauges_with_nobody_calling_health(make_client: MakeClient) -> None:
    _client, store = make_client(ODDS_API_KEY=KEY, HEALTH_PROBE_SECONDS=0.05)
    now = datetime.now(UTC)
    store.charge(now, 7, Quota(remaining=12_345, used=7, last=7, at=now))

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _gauge("fairedge_odds_api_quota_remaining") != 12_345:
        time.sleep(0.05)
    assert _gauge("fairedge_odds_api_quota_remaining") == 12_345  # written by another process, read here
    assert _gauge("fairedge_odds_api_quota_last") == 7
    assert REGISTRY.get_sample_value("fairedge_odds_feed_paused") == 0


def _gauge(name: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"provider": "the_odds_api"})
