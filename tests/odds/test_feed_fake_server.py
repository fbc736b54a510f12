"""The feed against the local fake of The Odds API (tests/fake_odds_api.py) through the real composition root:
moving prices and quota headers, a key rotated by another process while this one runs, a second key taking
over when the first runs out of credits, pausing and ``fairedge odds resume``, and a backfill that shows
its cost and asks before it spends. Each test has a migrated database of its own (other processes read it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select
from structlog.testing import capture_logs
from typer.testing import CliRunner

from fairedge.cli import app, common
from fairedge.config import Settings
from fairedge.db.engine import session_scope
from fairedge.odds.feed import feed_status
from fairedge.odds.models import ClosingCapture, ClosingQuote, Event, QuoteHistory
from fairedge.odds.providers.factory import credit_limits
from fairedge.odds.providers.the_odds_api.feed import key_ref
from fairedge.runtime import Runtime
from fake_odds_api import FakeOddsApi, running
from scratch_db import migrated_scratch

REPO = Path(__file__).resolve().parents[2]
OLD, NEW = "old-key-1111aaaa2222bbbb", "new-key-3333cccc4444dddd"
runner = CliRunner()


@pytest.fixture
def database_url(db_backend: str, tmp_path: Path) -> Iterator[str]:
    with migrated_scratch(db_backend, tmp_path, "fairedge_fake_feed") as url:
        yield url


Build = Callable[..., Runtime]


@pytest.fixture
def build(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Build]:
    """A Runtime on the test's database; the same settings in the environment, for the CLI."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    # The CLI configures logging for its process, caching every logger it touches: in this process, the
    # other tests' capture_logs would capture nothing afterwards.
    monkeypatch.setattr(common, "configure_logging", lambda **_: None)
    runtimes: list[Runtime] = []

    def make(fake: FakeOddsApi, **overrides: Any) -> Runtime:
        values = {
            "DATABASE_URL": database_url,
            "ENVIRONMENT": "testing",
            "ODDS_API_BASE_URL": fake.url,
            "ODDS_SPORTS": "basketball_nba",
            "ODDS_API_CREDITS_PER_MONTH": "none",
            "SECRETS_CACHE_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
            **{k: str(v) for k, v in overrides.items()},
        }
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        runtime = Runtime.build(Settings(_env_file=None))
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in runtimes:
        runtime.close()


def _status(runtime: Runtime) -> dict[str, Any]:
    with session_scope(runtime.session_factory) as session:
        return feed_status(
            session,
            limits=credit_limits(runtime.settings),
            keys=runtime.odds_api_keys()(),
            probe_seconds=3600,
            now=datetime.now(UTC),
        )


def test_prices_move_between_refreshes_and_the_quota_headers_are_kept(build: Build) -> None:
    with running(keys={OLD: 10_000}) as fake:
        runtime = build(fake, ODDS_API_KEY=OLD, ODDS_CADENCE_PREMATCH_SECONDS=0.2)
        refresh = runtime.jobs()["tasks.odds_refresh"]
        first = refresh()
        time.sleep(0.25)
        second = refresh()

    assert first["events"] == 3 and second["prices_changed"] > 0
    with session_scope(runtime.session_factory) as session:
        history = session.scalar(select(func.count()).select_from(QuoteHistory))
    assert history  # the moved prices are kept
    odds = fake.calls_to("/basketball_nba/odds")
    assert [c.cost for c in odds] == [9, 9]  # 3 markets x 3 regions (us, eu, uk)
    quota = _status(runtime)["quota"]
    assert (quota["remaining"], quota["last"]) == (fake.keys[OLD], 9)
    assert quota["used"] == fake.used[OLD] == 9 + 2 + 9  # /scores (2) once: its 5 minutes had not passed
    assert (
        REGISTRY.get_sample_value("fairedge_odds_api_quota_remaining", {"provider": "the_odds_api"})
        == (fake.keys[OLD])
    )


def test_a_key_rotated_by_another_process_is_used_by_the_next_call_and_never_logged(
    build: Build, tmp_path: Path
) -> None:
    with running(keys={OLD: 10_000, NEW: 10_000}) as fake:
        runtime = build(fake, ODDS_API_KEY=OLD, ODDS_CADENCE_PREMATCH_SECONDS=0.2)
        refresh = runtime.jobs()["tasks.odds_refresh"]
        with capture_logs() as logs:
            refresh()
            rotated = subprocess.run(
                [sys.executable, str(REPO / "scripts" / "rotate_api_keys.py"), "--service=odds_api"],
                input=NEW,
                capture_output=True,
                text=True,
                cwd=tmp_path,
                env={**os.environ, "LOG_FORMAT": "json"},
                timeout=60,
            )
            time.sleep(0.25)
            refresh()  # the same process, no restart

    assert rotated.returncode == 0, rotated.stderr
    assert key_ref(NEW) in rotated.stdout and "no restart" in rotated.stdout
    assert f"retired: {key_ref(OLD)}" in rotated.stdout
    keys = [c.key for c in fake.calls if c.path.endswith("/odds")]
    assert keys == [OLD, NEW]
    assert [c.key for c in fake.calls if c.path == "/sports"][-1] == NEW  # the rotation checked it first
    assert {"odds_refreshed", "closing_lines_captured"} <= {entry["event"] for entry in logs}
    for text in (str(logs), rotated.stdout, rotated.stderr):
        assert OLD not in text and NEW not in text


def test_a_key_the_provider_refuses_is_never_stored(build: Build) -> None:
    with running(keys={OLD: 10_000}) as fake:
        runtime = build(fake, ODDS_API_KEY=OLD)
        runtime.provider  # noqa: B018 - seeds the store with the environment's key
        result = runner.invoke(app, ["keys", "rotate-odds-api"], input="not-a-key-of-theirs\n")

    assert result.exit_code == 1
    assert "refuses key sha256:" in result.output and "nothing was rotated" in result.output
    assert runtime.odds_api_keys()() == (OLD,)


def test_out_of_credits_the_second_key_takes_over_then_polling_pauses_until_resumed(build: Build) -> None:
    with running(keys={"first-key-aaaa": 5, "second-key-bbbb": 15}) as fake:
        runtime = build(
            fake, ODDS_API_KEY="first-key-aaaa,second-key-bbbb", ODDS_CADENCE_PREMATCH_SECONDS=0.2
        )
        refresh = runtime.jobs()["tasks.odds_refresh"]
        first = refresh()
        odds = fake.calls_to("/odds")
        assert [(c.key, c.status) for c in odds] == [("first-key-aaaa", 401), ("second-key-bbbb", 200)]
        assert first["events"] == 3
        status = _status(runtime)
        assert [(k["ref"], k["status"]) for k in status["keys"]] == [
            (key_ref("first-key-aaaa"), "refused"),
            (key_ref("second-key-bbbb"), "active"),
        ]

        time.sleep(0.25)
        paused = refresh()  # 4 credits left on the second key: out too
        assert paused["paused"] == "OUT_OF_USAGE_CREDITS"
        assert _status(runtime)["status"] == "paused"
        calls = len(fake.calls)
        assert refresh()["paused"] == "OUT_OF_USAGE_CREDITS"
        assert len(fake.calls) == calls  # paused: not one call before the probe is due

        fake.keys["second-key-bbbb"] = 20_000  # the operator bought credits
        resumed = runner.invoke(app, ["odds", "resume"])
        assert resumed.exit_code == 0 and "resumed" in resumed.output
        again = refresh()
    assert "paused" not in again and again["events"] == 2  # the games to come (scores wait 5 minutes)
    assert _status(runtime)["paused"] is None


def test_backfill_shows_the_cost_and_asks_before_spending(build: Build) -> None:
    now = datetime.now(UTC)
    start, end = now - timedelta(hours=3), now - timedelta(hours=1)
    args = [
        "backfill",
        "--sport",
        "basketball_nba",
        "--from",
        f"{start:%Y-%m-%dT%H:%M}",
        "--to",
        f"{end:%Y-%m-%dT%H:%M}",
    ]
    with running(keys={OLD: 10_000}) as fake:
        runtime = build(fake, ODDS_API_KEY=OLD)

        declined = runner.invoke(app, args, input="n\n")
        assert declined.exit_code == 1
        assert "3 historical snapshot(s)" in declined.output and "90 credits each" in declined.output
        assert "270 credits" in declined.output and "nothing was spent" in declined.output
        assert fake.calls_to("/historical") == []

        over = runner.invoke(app, args, input="y\n", env={"ODDS_API_CREDITS_PER_DAY": "100"})
        assert over.exit_code == 1 and "over the budget" in over.output
        assert fake.calls_to("/historical") == []

        done = runner.invoke(app, [*args, "--yes"])
    assert done.exit_code == 0, done.output
    assert len(fake.calls_to("/historical")) == 3 and fake.used[OLD] == 270
    assert "270 credits spent" in done.output
    with session_scope(runtime.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 3
        started = session.execute(
            select(Event.id).where(Event.provider_id == "fake-nba-heat-bulls")
        ).scalar_one()
        assert session.get(ClosingCapture, started) is not None  # it started after the last snapshot
        closing = session.scalar(
            select(func.count()).select_from(ClosingQuote).where(ClosingQuote.event_id == started)
        )
    assert closing  # its last prices before the start, from the backfilled history
    assert _status(runtime)["budget"]["day"]["spent"] == 270


def test_odds_status_prints_the_feed_by_key_digest_only(build: Build, tmp_path: Path) -> None:
    with running(keys={OLD: 10_000}) as fake:
        runtime = build(fake, ODDS_API_KEY=OLD, ODDS_API_CREDITS_PER_MONTH=20_000)
        runtime.jobs()["tasks.odds_refresh"]()
        table = runner.invoke(app, ["odds", "status"])
        as_json = runner.invoke(app, ["odds", "status", "--json"])
        (tmp_path / "keys.txt").write_text(f"{NEW}\n", encoding="utf-8")
        wrong = runner.invoke(
            app, ["keys", "rotate-odds-api", "--key-file", "keys.txt", "--environment", "prod"]
        )
        rotated = runner.invoke(app, ["keys", "rotate-odds-api", "--key-file", "keys.txt", "--no-check"])

    assert table.exit_code == 0, table.output
    assert "feed: healthy" in table.output and f"key {key_ref(OLD)}: active" in table.output
    assert "budget: today" in table.output and "of 20,000 left" in table.output
    assert "basketball_nba" in table.output and "soon" in table.output
    assert json.loads(as_json.output)["quota"]["used"] == fake.used[OLD]
    assert wrong.exit_code == 2 and "nothing was rotated" in wrong.output
    assert rotated.exit_code == 0 and runtime.odds_api_keys()() == (NEW,)
    assert not [c for c in fake.calls if c.key == NEW]  # --no-check: stored without a call
    for result in (table, as_json, wrong, rotated):
        assert OLD not in result.output and NEW not in result.output


def test_a_backfill_on_a_plan_without_history_stops_with_the_providers_reason(build: Build) -> None:
    now = datetime.now(UTC)
    with running(keys={OLD: 10_000}) as fake:
        build(fake, ODDS_API_KEY=OLD)
        fake.fail_next("/historical", 401, "HISTORICAL_UNAVAILABLE_ON_FREE_USAGE_PLAN")
        start, end = (
            f"{now - timedelta(hours=2):%Y-%m-%dT%H:%M}",
            f"{now - timedelta(hours=1):%Y-%m-%dT%H:%M}",
        )
        result = runner.invoke(
            app, ["backfill", "--sport", "basketball_nba", "--yes", "--from", start, "--to", end]
        )

    assert result.exit_code == 1
    assert (
        "backfill stopped" in result.output and "HISTORICAL_UNAVAILABLE_ON_FREE_USAGE_PLAN" in result.output
    )
    assert len(fake.calls_to("/historical")) == 1 and fake.used.get(OLD, 0) == 0  # refused: nothing charged
