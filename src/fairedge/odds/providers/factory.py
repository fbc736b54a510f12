"""Build the odds provider the configuration asks for (the composition roots call this)."""

from __future__ import annotations

from fairedge.config import Settings
from fairedge.errors import ConfigurationError
from fairedge.odds.providers.base import OddsProvider


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
            return ReplayProvider(settings.ODDS_REPLAY_DIR)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from exc
    raise ConfigurationError(f"odds provider {name!r} is not available in this build")
