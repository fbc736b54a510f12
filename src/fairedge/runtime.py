"""Composition root shared by the web app and the CLI: engine, sessions, provider, jobs and scheduler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fairedge.alerts import tasks as alert_tasks
from fairedge.bets import tasks as bet_tasks
from fairedge.bets.service import ClvRules
from fairedge.cache import Cache
from fairedge.config import Settings
from fairedge.db.engine import make_engine, make_session_factory
from fairedge.errors import ConfigurationError
from fairedge.kit.timeutil import Clock, utcnow
from fairedge.odds import tasks as odds_tasks
from fairedge.odds.bookmakers import DEFAULT_SHARP_BOOKS, SharpBook, parse_sharp_books
from fairedge.odds.feed_keys import StoredKeys
from fairedge.odds.feed_store import DatabaseFeedStore
from fairedge.odds.providers.base import OddsProvider, ScoresProvider
from fairedge.odds.providers.factory import (
    build_odds_api_provider,
    build_provider,
    credit_limits,
    env_keys,
)
from fairedge.opportunities import tasks as opportunity_tasks
from fairedge.opportunities.scan import ScanConfig
from fairedge.pricing.devig import METHODS
from fairedge.ratelimit import RateLimiter, parse_limit
from fairedge.secretstore.store import SecretStore
from fairedge.stream import ChangeLog, change_log
from fairedge.tasks.embedded import EmbeddedScheduler
from fairedge.tasks.schedule import schedule
from fairedge.users import tasks as user_tasks
from fairedge.users.mail import OutboxMailSender
from fairedge.users.security import TokenSigner
from fairedge.users.service import Accounts


def scan_config(settings: Settings) -> ScanConfig:
    unknown = [m for m in settings.SCAN_DEVIG_METHODS if m not in METHODS]
    if unknown or not settings.SCAN_DEVIG_METHODS:
        raise ConfigurationError(
            f"SCAN_DEVIG_METHODS has unknown methods {unknown}; choose from {', '.join(METHODS)}"
        )
    return ScanConfig(
        min_ev=settings.SCAN_MIN_EV,
        methods=tuple(settings.SCAN_DEVIG_METHODS),
        max_age_seconds=settings.SCAN_MAX_QUOTE_AGE_SECONDS,
        middle_max_loss=settings.SCAN_MIDDLE_MAX_LOSS,
    )


def check_rate_limits(settings: Settings) -> None:
    """Every RATE_LIMIT_* setting is limits notation (or ``none``): a typo stops the start, not a request."""
    for name in ("FREE", "PRO", "ELITE", "LOGIN_IP", "LOGIN_FAILURES"):
        value: str = getattr(settings, f"RATE_LIMIT_{name}")
        if value.strip().lower() == "none" and name in ("FREE", "PRO", "ELITE"):
            continue
        try:
            parse_limit(value)
        except ConfigurationError as exc:
            raise ConfigurationError(f"RATE_LIMIT_{name}: {exc.message}") from None


def sharp_books(settings: Settings) -> tuple[SharpBook, ...]:
    if not settings.SHARP_BOOKS:
        return DEFAULT_SHARP_BOOKS
    try:
        return parse_sharp_books(settings.SHARP_BOOKS)
    except ValueError as exc:
        raise ConfigurationError(f"SHARP_BOOKS: {exc}") from exc


def bets_clv(settings: Settings) -> ClvRules:
    return ClvRules(settings.BETS_CLV_DEVIG_METHOD, settings.SCAN_MAX_QUOTE_AGE_SECONDS)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    scan: ScanConfig
    sharp: tuple[SharpBook, ...]
    limiter: RateLimiter
    secrets: SecretStore
    accounts: Accounts
    cache: Cache
    changes: ChangeLog  # the live stream's change log: the scan and the expiry job append to it
    _provider: OddsProvider | None = field(default=None, repr=False)
    clock: Clock = utcnow

    @classmethod
    def build(
        cls, settings: Settings, *, provider: OddsProvider | None = None, clock: Clock = utcnow
    ) -> Runtime:
        engine = make_engine(settings)
        return cls.assemble(settings, engine, make_session_factory(engine), provider=provider, clock=clock)

    @classmethod
    def assemble(
        cls,
        settings: Settings,
        engine: Engine,
        session_factory: sessionmaker[Session],
        *,
        provider: OddsProvider | None = None,
        clock: Clock = utcnow,
    ) -> Runtime:
        """Everything around a given engine and session factory (tests bind them to one transaction)."""
        config, sharp = scan_config(settings), sharp_books(settings)  # fail fast on bad settings
        check_rate_limits(settings)
        limiter = RateLimiter.from_settings(settings)
        secrets = SecretStore(
            session_factory,
            settings.SECRET_KEY.get_secret_value(),
            cache_seconds=settings.SECRETS_CACHE_SECONDS,
            clock=clock,
        )
        signer = TokenSigner(secrets, lifetime=timedelta(minutes=settings.ACCESS_TOKEN_MINUTES))
        accounts = Accounts(settings, signer, OutboxMailSender(settings.MAIL_OUTBOX_DIR), limiter)
        return cls(
            settings,
            engine,
            session_factory,
            config,
            sharp,
            limiter,
            secrets,
            accounts,
            Cache.from_settings(settings),
            change_log(settings),
            provider,
            clock=clock,
        )

    @property
    def provider(self) -> OddsProvider:
        # Built on first use: the API process never needs one, and a stateful simulator must live as long
        # as the process that refreshes.
        if self._provider is None:
            if self.settings.odds_provider == "the_odds_api":
                self._provider = self._odds_api_provider()
            else:
                self._provider = build_provider(self.settings)
        return self._provider

    def odds_api_keys(self) -> StoredKeys:
        """The Odds API keys of the secrets store (every process reads the same; a rotation reaches all)."""
        return StoredKeys(self.secrets)

    def _odds_api_provider(self) -> OddsProvider:
        """The Odds API with its keys from the secrets store (the environment's seed them) and the feed's
        state (budget, plans, pause) in the database, shared by every process."""
        keys = self.odds_api_keys()
        keys.seed(env_keys(self.settings))
        if not keys():
            raise ConfigurationError(
                "ODDS_PROVIDER=the_odds_api needs ODDS_API_KEY (or a key stored by "
                "fairedge keys rotate-odds-api)"
            )
        store = DatabaseFeedStore(self.session_factory, credit_limits(self.settings))
        return build_odds_api_provider(self.settings, keys=keys, store=store)

    def scores_provider(self) -> ScoresProvider | None:
        """The provider the bet settlement job may ask for final scores: The Odds API only (the simulator
        and a replay report every game's end in their refreshes)."""
        if self.settings.odds_provider != "the_odds_api":
            return None
        provider = self.provider
        return provider if isinstance(provider, ScoresProvider) else None

    def jobs(self) -> dict[str, Callable[[], Any]]:
        return {
            "tasks.odds_refresh": lambda: odds_tasks.odds_refresh(
                self.session_factory,
                self.provider,
                self.sharp,
                max_quote_age_seconds=self.settings.SCAN_MAX_QUOTE_AGE_SECONDS,
                clock=self.clock,
            ),
            "tasks.ev_calculation": lambda: opportunity_tasks.ev_calculation(
                self.session_factory, self.scan, self.clock, self.cache, self.changes
            ),
            "tasks.cache_warming": lambda: opportunity_tasks.cache_warming(
                self.session_factory, self.settings, self.clock, self.cache
            ),
            "tasks.opportunity_expiry": lambda: opportunity_tasks.opportunity_expiry(
                self.session_factory, self.scan, self.clock, self.cache, self.changes
            ),
            "tasks.odds_retention": lambda: odds_tasks.odds_retention(
                self.session_factory, self.settings.PRICE_HISTORY_DAYS
            ),
            "tasks.opportunity_retention": lambda: opportunity_tasks.opportunity_retention(
                self.session_factory, self.settings.PRICE_HISTORY_DAYS, self.clock
            ),
            "tasks.user_cleanup": lambda: user_tasks.user_cleanup(
                self.session_factory,
                self.settings,
                self.secrets,
                self.clock,
                also={
                    "alert_deliveries": lambda now: alert_tasks.delivery_retention(
                        self.session_factory, self.settings, now
                    )
                },
            ),
            "tasks.bet_settlement": lambda: bet_tasks.bet_settlement(
                self.session_factory,
                clv=bets_clv(self.settings),
                postponed_hours=self.settings.BETS_VOID_POSTPONED_HOURS,
                scores_after_hours=self.settings.BETS_SCORES_AFTER_HOURS,
                scores_source=self.scores_provider,
                clock=self.clock,
            ),
            "tasks.alert_delivery": lambda: alert_tasks.alert_delivery(
                self.session_factory, self.settings, self.clock
            ),
        }

    def scheduler(self) -> EmbeddedScheduler:
        return EmbeddedScheduler(
            self.jobs(), schedule(self.settings.refresh_seconds, self.settings.BETS_SETTLEMENT_SECONDS)
        )

    def close(self) -> None:
        self.limiter.close()
        self.cache.close()
        self.changes.close()
        self.engine.dispose()
