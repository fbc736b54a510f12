"""Build the odds provider the configuration asks for (the composition roots call this)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fairedge.config import Settings
from fairedge.errors import ConfigurationError
from fairedge.odds.providers.base import OddsProvider

if TYPE_CHECKING:
    from fairedge.odds.providers.the_odds_api import OddsApiOptions, TheOddsApiProvider
    from fairedge.odds.providers.the_odds_api.feed import CreditLimits, FeedStore
    from fairedge.odds.providers.the_odds_api.keys import KeySource


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
    keys = env_keys(settings)
    if not keys:
        raise ConfigurationError("ODDS_PROVIDER=the_odds_api needs ODDS_API_KEY")
    return build_odds_api_provider(settings, keys=keys)


def env_keys(settings: Settings) -> tuple[str, ...]:
    """The keys ``ODDS_API_KEY`` lists (comma separated, first preferred)."""
    if settings.ODDS_API_KEY is None:
        return ()
    raw = settings.ODDS_API_KEY.get_secret_value()
    return tuple(dict.fromkeys(k.strip() for k in raw.split(",") if k.strip()))


def build_odds_api_provider(
    settings: Settings, *, keys: KeySource | tuple[str, ...], store: FeedStore | None = None
) -> TheOddsApiProvider:
    """The Odds API provider the settings describe, with these keys and this feed store (in memory when
    not given: a provider without a database has no shared budget)."""
    from fairedge.odds.providers.the_odds_api import TheOddsApiProvider
    from fairedge.odds.providers.the_odds_api.feed import MemoryFeedStore

    try:
        options = odds_api_options(settings)
        return TheOddsApiProvider(
            keys, options, store=store if store is not None else MemoryFeedStore(credit_limits(settings))
        )
    except ValueError as exc:
        raise ConfigurationError(f"the_odds_api provider: {exc}") from exc


def credit_limits(settings: Settings) -> CreditLimits:
    from fairedge.odds.providers.the_odds_api.feed import CreditLimits

    return CreditLimits(
        per_month=settings.ODDS_API_CREDITS_PER_MONTH,
        per_day=settings.ODDS_API_CREDITS_PER_DAY,
        reset_day=settings.ODDS_API_RESET_DAY,
    )


def odds_api_options(settings: Settings) -> OddsApiOptions:
    """The Odds API options the settings give; timeouts and retries keep their defaults. Each sport is
    polled on its own plan (``cadence.py``)."""
    from fairedge.odds.providers.the_odds_api import OddsApiOptions
    from fairedge.odds.providers.the_odds_api.cadence import Cadence

    return OddsApiOptions(
        base_url=settings.ODDS_API_BASE_URL,
        sports=settings.ODDS_SPORTS,
        regions=settings.ODDS_REGIONS,
        bookmakers=settings.ODDS_BOOKMAKERS,
        markets=settings.ODDS_MARKETS,
        scores_interval_seconds=settings.ODDS_SCORES_SECONDS,
        probe_seconds=settings.ODDS_API_PROBE_SECONDS,
        cadence=Cadence(
            prematch_seconds=settings.ODDS_CADENCE_PREMATCH_SECONDS,
            live_seconds=settings.ODDS_CADENCE_LIVE_SECONDS,
            idle_seconds=settings.ODDS_CADENCE_IDLE_SECONDS,
            soon_hours=settings.ODDS_SOON_HOURS,
            events_ttl_seconds=settings.ODDS_EVENTS_CHECK_SECONDS,
            inplay_markets=settings.ODDS_INPLAY_MARKETS,
        ),
    )
