"""The feed's state in the database, shared by every process: the credit ledger, plans, pause and refused
keys; and what /health/odds-feed makes of it (the staleness rule), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy.orm import Session, sessionmaker

from fairedge.odds import feed
from fairedge.odds.feed_store import DatabaseFeedStore
from fairedge.odds.providers.the_odds_api.feed import CreditLimits, Quota, SportPlan, key_ref

NOW = datetime(2026, 1, 15, 18, 0, tzinfo=UTC)
KEYS = ("key-aaaa-1111", "key-bbbb-2222")


def _plan(sport: str, reason: str = "soon", cadence: float = 60.0, **fields: Any) -> SportPlan:
    return SportPlan(sport, cadence, cadence, reason, **fields)


def _status(
    session_factory: sessionmaker[Session], now: datetime, limits: CreditLimits | None = None
) -> dict:  # type: ignore[type-arg]
    with session_factory() as session:
        return feed.feed_status(
            session, limits=limits or CreditLimits(per_month=1000), keys=KEYS, probe_seconds=3600, now=now
        )


def test_credits_are_counted_per_day_across_stores(session_factory: sessionmaker[Session]) -> None:
    limits = CreditLimits(per_month=1000, per_day=100)
    worker, other = DatabaseFeedStore(session_factory, limits), DatabaseFeedStore(session_factory, limits)
    worker.charge(NOW, 9, Quota(remaining=19_991, used=9, last=9, at=NOW))
    other.charge(NOW, 2, Quota(remaining=19_989, used=11, last=2, at=NOW))
    worker.charge(NOW - timedelta(days=1), 30, Quota())
    worker.charge(NOW - timedelta(days=20), 500, Quota())  # December: another credit month

    budget = other.budget(NOW)
    assert (budget.day_spent, budget.month_spent) == (11, 41)
    assert (budget.day_left, budget.month_left, budget.left) == (89, 959, 89)
    assert worker.quota() == Quota(remaining=None, used=None, last=None, at=None)  # the last charge sent none


def test_plans_keep_their_last_refresh_and_sports_no_longer_polled_are_dropped(
    session_factory: sessionmaker[Session],
) -> None:
    store = DatabaseFeedStore(session_factory, CreditLimits())
    store.save_plans([_plan("basketball_nba"), _plan("icehockey_nhl", "idle", 600.0)], NOW)
    store.refreshed("basketball_nba", NOW + timedelta(seconds=5))
    store.save_plans([_plan("basketball_nba", cadence=120.0)], NOW + timedelta(seconds=60))

    states = store.sport_states()
    assert set(states) == {"basketball_nba"}
    assert states["basketball_nba"].tracked_since == NOW
    assert states["basketball_nba"].last_refresh_at == NOW + timedelta(seconds=5)
    sport = _status(session_factory, NOW + timedelta(seconds=60))["sports"][0]
    assert (sport["cadence_seconds"], sport["reason"]) == (120.0, "soon")


def test_refused_keys_pause_and_resume_are_shared(session_factory: sessionmaker[Session]) -> None:
    one, two = (
        DatabaseFeedStore(session_factory, CreditLimits()),
        DatabaseFeedStore(session_factory, CreditLimits()),
    )
    one.refuse_key(key_ref(KEYS[0]), "OUT_OF_USAGE_CREDITS", NOW)
    one.refuse_key(key_ref(KEYS[1]), "OUT_OF_USAGE_CREDITS", NOW)
    one.set_paused("OUT_OF_USAGE_CREDITS", NOW)
    one.set_paused("OUT_OF_USAGE_CREDITS", NOW + timedelta(hours=1))  # the first pause's time stays
    one.probed(NOW + timedelta(hours=1))

    state = two.pause_state()
    assert state.paused and state.paused_at == NOW and state.reason == "OUT_OF_USAGE_CREDITS"
    assert set(state.refused) == {key_ref(KEYS[0]), key_ref(KEYS[1])}
    assert state.refused[key_ref(KEYS[0])].at == NOW
    assert state.last_probe_at == NOW + timedelta(hours=1)

    two.accept_keys([key_ref(KEYS[1])])
    two.set_paused(None, NOW + timedelta(hours=2))
    state = one.pause_state()
    assert not state.paused and set(state.refused) == {key_ref(KEYS[0])}
    two.resume()
    assert one.pause_state().refused == {}


def test_health_shows_budget_quota_keys_and_each_sports_cadence_and_last_refresh(
    session_factory: sessionmaker[Session],
) -> None:
    store = DatabaseFeedStore(session_factory, CreditLimits(per_month=1000))
    store.charge(NOW, 9, Quota(remaining=19_991, used=9, last=9, at=NOW))
    store.save_plans([_plan("basketball_nba", events_soon=2, next_commence=NOW + timedelta(hours=3))], NOW)
    store.refreshed("basketball_nba", NOW)
    store.refuse_key(key_ref(KEYS[0]), "OUT_OF_USAGE_CREDITS", NOW)

    status = _status(session_factory, NOW + timedelta(seconds=30))

    assert status["status"] == "healthy" and status["paused"] is None
    assert status["quota"] == {"remaining": 19_991, "used": 9, "last": 9, "at": "2026-01-15T18:00:00Z"}
    assert status["budget"]["month"] == {
        "limit": 1000,
        "spent": 9,
        "left": 991,
        "period_start": "2026-01-01",
        "resets": "2026-02-01T00:00:00Z",
    }
    assert status["budget"]["day"]["spent"] == 9
    assert [(k["ref"], k["status"], k["reason"]) for k in status["keys"]] == [
        (key_ref(KEYS[0]), "refused", "OUT_OF_USAGE_CREDITS"),
        (key_ref(KEYS[1]), "active", None),
    ]
    assert KEYS[0] not in str(status) and KEYS[1] not in str(status)
    (sport,) = status["sports"]
    assert sport["sport"] == "basketball_nba" and sport["cadence_seconds"] == 60.0
    assert sport["last_refresh"] == "2026-01-15T18:00:00Z" and sport["age_seconds"] == 30.0
    assert sport["stale_after_seconds"] == 120.0 and not sport["stale"]
    assert REGISTRY.get_sample_value("fairedge_odds_api_budget_remaining", {"period": "month"}) == 991
    assert (
        REGISTRY.get_sample_value("fairedge_odds_api_quota_remaining", {"provider": "the_odds_api"}) == 19_991
    )


@pytest.mark.parametrize(
    ("cadence", "starts_in", "age", "stale"),
    [
        (60.0, timedelta(hours=3), 119, False),  # within twice the cadence
        (60.0, timedelta(hours=3), 121, True),  # older than twice the cadence
        (600.0, timedelta(hours=3), 1100, False),  # idle: 20 minutes allowed
        (600.0, timedelta(minutes=45), 601, True),  # a start within the hour: never older than 10 minutes
        (1800.0, timedelta(minutes=30), 599, False),  # a budget's long cadence, still within 10 minutes
    ],
)
def test_a_sport_is_stale_past_twice_its_cadence_and_ten_minutes_before_a_start(
    session_factory: sessionmaker[Session], cadence: float, starts_in: timedelta, age: int, stale: bool
) -> None:
    store = DatabaseFeedStore(session_factory, CreditLimits())
    store.save_plans(
        [_plan("soccer_epl", cadence=cadence, next_commence=NOW + timedelta(seconds=age) + starts_in)], NOW
    )
    store.refreshed("soccer_epl", NOW)

    status = _status(session_factory, NOW + timedelta(seconds=age))

    assert status["sports"][0]["stale"] is stale
    assert status["stale_sports"] == (["soccer_epl"] if stale else [])
    assert status["status"] == ("degraded" if stale else "healthy")


def test_a_sport_never_refreshed_ages_from_when_it_was_first_planned_and_one_without_events_never_stales(
    session_factory: sessionmaker[Session],
) -> None:
    store = DatabaseFeedStore(session_factory, CreditLimits())
    store.save_plans([_plan("basketball_nba"), _plan("tennis_atp", "no_events", 600.0)], NOW)

    assert _status(session_factory, NOW + timedelta(seconds=100))["stale_sports"] == []
    assert _status(session_factory, NOW + timedelta(days=1))["stale_sports"] == ["basketball_nba"]


def test_a_paused_feed_says_why_and_when_it_looks_again(session_factory: sessionmaker[Session]) -> None:
    store = DatabaseFeedStore(session_factory, CreditLimits())
    store.set_paused("OUT_OF_USAGE_CREDITS", NOW)
    store.probed(NOW)

    status = _status(session_factory, NOW + timedelta(minutes=5))

    assert status["status"] == "paused"
    assert status["paused"]["reason"] == "OUT_OF_USAGE_CREDITS"
    assert status["paused"]["next_probe"] == "2026-01-15T19:00:00Z"
    assert status["paused"]["credits_reset_expected"] == "2026-02-01T00:00:00Z"
    assert REGISTRY.get_sample_value("fairedge_odds_feed_paused") == 1
    with session_factory() as session, session.begin():
        before = feed.resume(session)
    assert before["reason"] == "OUT_OF_USAGE_CREDITS"
    assert _status(session_factory, NOW + timedelta(minutes=6))["status"] == "healthy"
