"""The provider the settings ask for, and configuration mistakes reported as such."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from fairedge.config import Settings
from fairedge.errors import ConfigurationError
from fairedge.odds.providers.factory import build_provider, odds_api_options
from fairedge.odds.providers.replay import ReplayProvider
from fairedge.odds.providers.simulator import SimulatorProvider
from fairedge.odds.providers.the_odds_api import TheOddsApiProvider


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def test_simulator_without_a_key() -> None:
    s = settings()
    assert s.odds_provider == "simulator"
    assert isinstance(build_provider(s), SimulatorProvider)
    assert s.refresh_seconds == 5.0


def test_a_key_selects_the_odds_api_and_a_slower_refresh() -> None:
    s = settings(ODDS_API_KEY="k" * 32, ODDS_SPORTS="basketball_nba")
    assert s.odds_provider == "the_odds_api"
    provider = build_provider(s)
    assert isinstance(provider, TheOddsApiProvider)
    assert s.refresh_seconds == 60.0
    assert "k" * 32 not in repr(provider)
    assert settings(ODDS_API_KEY="k", ODDS_REFRESH_SECONDS=30).refresh_seconds == 30.0


def test_the_odds_api_options_come_from_the_settings() -> None:
    s = settings(
        ODDS_API_KEY="k" * 32,
        ODDS_API_BASE_URL="https://odds.test/v4",
        ODDS_SPORTS="basketball_nba,soccer_epl",
        ODDS_BOOKMAKERS="pinnacle",
        ODDS_MARKETS="h2h",
    )
    options = odds_api_options(s)
    assert options.base_url == "https://odds.test/v4"
    assert options.sports == ("basketball_nba", "soccer_epl")
    assert options.regions == ("us", "eu", "uk")
    assert options.bookmakers == ("pinnacle",)
    assert options.markets == ("h2h",)
    provider = build_provider(s)
    assert isinstance(provider, TheOddsApiProvider)
    assert provider.options == options


def test_unusable_odds_api_settings_are_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="ODDS_REGIONS or ODDS_BOOKMAKERS"):
        build_provider(settings(ODDS_API_KEY="k" * 32, ODDS_REGIONS=""))


def test_the_odds_api_without_a_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="ODDS_API_KEY"):
        build_provider(settings(ODDS_PROVIDER="the_odds_api"))


def test_replay_needs_an_existing_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ODDS_REPLAY_DIR"):
        build_provider(settings(ODDS_PROVIDER="replay"))
    with pytest.raises(ConfigurationError):
        build_provider(settings(ODDS_PROVIDER="replay", ODDS_REPLAY_DIR=str(tmp_path / "missing")))
    (tmp_path / "0001.json").write_text("[]")
    provider = build_provider(settings(ODDS_PROVIDER="replay", ODDS_REPLAY_DIR=str(tmp_path)))
    assert isinstance(provider, ReplayProvider)


def test_replay_shift_is_passed_to_the_provider(tmp_path: Path) -> None:
    (tmp_path / "0001.json").write_text("[]")
    default = build_provider(settings(ODDS_PROVIDER="replay", ODDS_REPLAY_DIR=str(tmp_path)))
    shifted = build_provider(
        settings(ODDS_PROVIDER="replay", ODDS_REPLAY_DIR=str(tmp_path), ODDS_REPLAY_SHIFT="now")
    )
    assert isinstance(default, ReplayProvider)
    assert isinstance(shifted, ReplayProvider)
    assert (default.shift, shifted.shift) == ("none", "now")


def test_an_unknown_replay_shift_is_a_settings_error_naming_the_choices() -> None:
    # fairedge commands print each error as "<setting>: <message>" and exit 2 (cli/common.py).
    with pytest.raises(ValidationError) as raised:
        settings(ODDS_REPLAY_SHIFT="later")
    assert [(e["loc"], e["msg"]) for e in raised.value.errors()] == [
        (("ODDS_REPLAY_SHIFT",), "Input should be 'none' or 'now'")
    ]
