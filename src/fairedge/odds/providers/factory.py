"""Build the odds provider the configuration asks for (the composition roots call this)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fairedge.config import Settings
from fairedge.errors import ConfigurationError
from fairedge.odds.providers.base import OddsProvider

if TYPE_CHECKING:
    from fairedge.odds.providers.the_odds_api import OddsApiOptions


def build_provider(settings: Settings) -> OddsProvider:
    name = settings.odds_provider
    if name == "simulator":
        from fairedge.odds.providers.simulator import SimulatorProvider

        return SimulatorProvider(seed=settings.SIMULATOR_SEED, n_events=settings.SIMULATOR_EVENTS)
    if name == "replay":
        from fairedge.odds.providers.replay import ReplayProvider

        if not settings.ODDS_REPLAY_DIR:
            raise ConfigurationError(
                "ODDS_PROVIDER=replay needs ODDS_REPLAY_DIR: a folder of /odds JSON files"
            )
        try:
            return ReplayProvider(settings.ODDS_REPLAY_DIR, shift=settings.ODDS_REPLAY_SHIFT)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from exc
    from fairedge.odds.providers.the_odds_api import TheOddsApiProvider

    if settings.ODDS_API_KEY is None:
        raise ConfigurationError("ODDS_PROVIDER=the_odds_api needs ODDS_API_KEY")
    try:
        return TheOddsApiProvider(settings.ODDS_API_KEY.get_secret_value(), odds_api_options(settings))
    except ValueError as exc:
        raise ConfigurationError(f"the_odds_api provider: {exc}") from exc


def odds_api_options(settings: Settings) -> OddsApiOptions:
    """The Odds API options the settings give; timeouts, retries and intervals keep their defaults."""
    from fairedge.odds.providers.the_odds_api import OddsApiOptions

    return OddsApiOptions(
        base_url=settings.ODDS_API_BASE_URL,
        sports=settings.ODDS_SPORTS,
        regions=settings.ODDS_REGIONS,
        bookmakers=settings.ODDS_BOOKMAKERS,
        markets=settings.ODDS_MARKETS,
    )
