"""The `fairedge` commands a user types: db, refresh-odds, opportunities — and their errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factories import REPLAY_EXAMPLE
from fairedge.cli import app

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("env")  # every command runs against its own replay and database


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A replay of the shipped example into a fresh SQLite database, set in the environment the CLI reads."""
    replay = tmp_path / "replay"
    replay.mkdir()
    shutil.copy(REPLAY_EXAMPLE, replay / "0001.json")
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's tree
    values = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "ODDS_PROVIDER": "replay",
        "ODDS_REPLAY_DIR": str(replay),
        "ODDS_REPLAY_SHIFT": "now",  # the recorded games start in the future again
        "LOG_LEVEL": "WARNING",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def test_db_upgrade_current_downgrade() -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    current = runner.invoke(app, ["db", "current"])
    assert current.exit_code == 0 and "up to date" in current.output
    step = runner.invoke(app, ["db", "downgrade", "-1"])
    assert step.exit_code == 0, step.output
    assert "(behind head)" in runner.invoke(app, ["db", "current"]).output
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    down = runner.invoke(app, ["db", "downgrade", "base"])
    assert down.exit_code == 0
    assert "current: empty" in runner.invoke(app, ["db", "current"]).output


def test_refresh_then_opportunities_table() -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    refreshed = runner.invoke(app, ["refresh-odds"])
    assert refreshed.exit_code == 0, refreshed.output
    assert "refreshed from replay: 2 events" in refreshed.output
    table = runner.invoke(app, ["opportunities", "--kind", "ev"])
    assert table.exit_code == 0, table.output
    assert "New York Knicks" in table.output and "fanduel" in table.output and "2.70 (+170)" in table.output
    middles = runner.invoke(app, ["opportunities", "--kind", "middle", "--method", "shin"])
    assert "2 of 2 active opportunities" in middles.output
    assert "Over 224.5 / Under 225.5" in middles.output and "pinnacle / draftkings" in middles.output


def test_rates_are_fractions_or_percents() -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["refresh-odds"]).exit_code == 0
    as_percent = runner.invoke(app, ["opportunities", "--kind", "ev", "--min-ev", "1%"])
    as_fraction = runner.invoke(app, ["opportunities", "--kind", "ev", "--min-ev", "0.01"])
    assert as_percent.exit_code == 0 and "New York Knicks" in as_percent.output
    # The same rows; the age column (last) moves with the wall clock between the two commands.
    assert [line.rsplit(maxsplit=1)[0] for line in as_percent.output.splitlines()[:3]] == [
        line.rsplit(maxsplit=1)[0] for line in as_fraction.output.splitlines()[:3]
    ]
    high = runner.invoke(app, ["opportunities", "--kind", "ev", "--min-ev", "2%"])
    assert "no active opportunities match" in high.output  # the Knicks bet is +1.2–2 %
    wrong = runner.invoke(app, ["opportunities", "--kind", "arbitrage", "--min-ev", "1%"])
    assert wrong.exit_code == 2 and "--min-ev applies to ev and middle" in wrong.output
    garbage = runner.invoke(app, ["opportunities", "--min-ev", "lots"])
    assert garbage.exit_code == 2 and "not a rate" in garbage.output


def test_empty_results_say_why() -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    before = runner.invoke(app, ["opportunities"])
    assert before.exit_code == 0 and "no odds stored yet" in before.output
    assert runner.invoke(app, ["refresh-odds"]).exit_code == 0
    none = runner.invoke(app, ["opportunities", "--kind", "arbitrage"])
    assert none.exit_code == 0 and "no active opportunities match" in none.output


def test_bad_option_is_a_clear_error() -> None:
    result = runner.invoke(app, ["opportunities", "--kind", "bogus"])
    assert result.exit_code == 2
    assert "--kind must be ev, arbitrage or middle" in result.output
    method = runner.invoke(app, ["opportunities", "--method", "probit"])
    assert method.exit_code == 2 and "not computed here" in method.output


def test_invalid_settings_are_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_POOL_SIZE", "lots")
    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 2
    assert "invalid settings" in result.output and "DB_POOL_SIZE" in result.output
    assert "Traceback" not in result.output


def test_replay_without_folder_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ODDS_REPLAY_DIR")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["refresh-odds"])
    assert result.exit_code == 1
    assert "ODDS_REPLAY_DIR" in result.output


def test_opportunities_before_migration_says_what_to_do() -> None:
    result = runner.invoke(app, ["opportunities"])
    assert result.exit_code == 1
    assert "fairedge db upgrade" in result.output


@pytest.mark.parametrize("setting", ["RATE_LIMIT_FREE", "RATE_LIMIT_LOGIN_FAILURES"])
def test_a_rate_limit_typo_stops_the_start(monkeypatch: pytest.MonkeyPatch, setting: str) -> None:
    monkeypatch.setenv(setting, "lots per minute")
    result = runner.invoke(app, ["refresh-odds"])
    assert result.exit_code == 1
    assert setting in result.output and "limits notation" in result.output
    assert "Traceback" not in result.output
