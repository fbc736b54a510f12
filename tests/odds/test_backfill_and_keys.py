"""A backfill's plan (what it would cost, what it refuses) and The Odds API keys in the secrets store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker
from structlog.testing import capture_logs

from factories import T0, FakeClock
from fairedge.errors import InvalidInput
from fairedge.odds.backfill import plan_backfill
from fairedge.odds.feed_keys import StoredKeys, parse_keys
from fairedge.odds.providers.the_odds_api.feed import key_ref
from fairedge.secretstore.store import SecretStore

NOW = datetime(2026, 1, 15, 18, 0, tzinfo=UTC)


def test_a_backfill_plan_lists_its_snapshots_and_their_cost() -> None:
    plan = plan_backfill(
        "basketball_nba", NOW - timedelta(hours=2), NOW, timedelta(minutes=30), cost_each=90, now=NOW
    )
    assert plan.moments == tuple(NOW - timedelta(hours=2) + i * timedelta(minutes=30) for i in range(5))
    assert plan.total_cost == 450


@pytest.mark.parametrize(
    ("sport", "start", "end", "every", "message"),
    [
        ("", NOW - timedelta(hours=1), NOW, timedelta(hours=1), "--sport"),
        ("basketball_nba", NOW, NOW - timedelta(hours=1), timedelta(hours=1), "before --to"),
        ("basketball_nba", NOW, NOW + timedelta(hours=1), timedelta(hours=1), "future"),
        ("basketball_nba", NOW - timedelta(hours=1), NOW, timedelta(minutes=1), "5 minutes"),
        ("basketball_nba", NOW - timedelta(days=400), NOW, timedelta(minutes=5), "at most"),
    ],
)
def test_a_backfill_that_cannot_work_is_refused_before_it_costs_anything(
    sport: str, start: datetime, end: datetime, every: timedelta, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        plan_backfill(sport, start, end, every, cost_each=90, now=NOW)


def test_keys_are_read_from_commas_spaces_or_lines_and_must_be_printable() -> None:
    assert parse_keys("a1, b2\nc3  a1\n") == ("a1", "b2", "c3")
    with pytest.raises(InvalidInput, match="printable ASCII"):
        parse_keys("k\u00e9y")


def test_the_environment_seeds_the_store_once_then_a_different_one_is_ignored_with_a_warning(
    session_factory: sessionmaker[Session],
) -> None:
    keys = StoredKeys(SecretStore(session_factory, "s" * 40, cache_seconds=0, clock=FakeClock(T0)))
    keys.seed(())  # nothing configured: nothing stored
    assert keys() == ()
    keys.seed(("env-key-1", "env-key-2"))
    assert keys() == ("env-key-1", "env-key-2")
    keys.rotate(("rotated-key",))
    with capture_logs() as logs:
        keys.seed(("env-key-1", "env-key-2"))  # a restart with the old environment
    assert keys() == ("rotated-key",)
    (warning,) = [entry for entry in logs if entry["event"] == "odds_api_env_key_ignored"]
    assert warning["stored"] == [key_ref("rotated-key")]
    assert "env-key-1" not in str(logs) and "rotated-key" not in str(logs)
    with pytest.raises(InvalidInput, match="no API key"):
        keys.rotate(())
