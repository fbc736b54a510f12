"""The one Settings class: plain environment names (also read from ``.env``), as the operations guide uses.

The run mode follows from what is configured: no ``REDIS_URL`` means embedded backends (in-memory cache,
in-process scheduler); a PostgreSQL ``DATABASE_URL`` and a ``REDIS_URL`` mean production. Defaults make the
embedded run work with no ``.env`` at all.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me-in-production"

CommaList = Annotated[tuple[str, ...], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    ENVIRONMENT: Literal["development", "testing", "production"] = "development"
    DATABASE_URL: str = "sqlite:///./var/fairedge.db"
    DB_POOL_SIZE: int = Field(default=10, ge=1)
    DB_MAX_OVERFLOW: int = Field(default=5, ge=0)
    DB_POOL_TIMEOUT: float = Field(default=10.0, gt=0)  # a request's wait for a connection, then 503
    DB_SLOW_QUERY_MS: float = Field(default=1000.0, gt=0)
    REDIS_URL: str | None = None
    CELERY_BROKER_URL: str | None = None
    SECRET_KEY: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    LOG_LEVEL: str = "INFO"
    LOG_FORMAT: Literal["auto", "json", "console"] = "auto"
    LOG_DIR: str | None = None

    ODDS_PROVIDER: Literal["simulator", "replay", "the_odds_api"] | None = None
    ODDS_API_KEY: SecretStr | None = None
    ODDS_API_BASE_URL: str = "https://api.the-odds-api.com/v4"
    ODDS_SPORTS: CommaList = ()
    ODDS_REGIONS: CommaList = ("us", "eu", "uk")
    ODDS_BOOKMAKERS: CommaList = ()
    ODDS_MARKETS: CommaList = ("h2h", "spreads", "totals")
    ODDS_REPLAY_DIR: str | None = None
    ODDS_REPLAY_SHIFT: Literal["none", "now"] = "none"  # now: recorded times moved so the first file is now
    ODDS_REFRESH_SECONDS: float | None = Field(
        default=None, gt=0
    )  # unset: 5 s (simulator, replay), 60 s (API)
    PRICE_HISTORY_DAYS: float = Field(
        default=14.0, gt=0
    )  # superseded prices and unseen events kept this long
    SIMULATOR_SEED: int | None = None
    SIMULATOR_EVENTS: int = Field(default=24, ge=1, le=5000)

    SCAN_MIN_EV: float = 0.01
    SCAN_DEVIG_METHODS: CommaList = ("shin", "multiplicative", "power", "worst_case")  # first is the default
    SCAN_MIDDLE_MAX_LOSS: float = Field(default=0.05, ge=0, le=1)
    SCAN_MAX_QUOTE_AGE_SECONDS: float = Field(default=900.0, gt=0)
    SHARP_BOOKS: CommaList = ()  # "key[:weight]"; empty means the built-in default list

    # Accounts and access (docs/accounts.md). Rate limits are in `limits` notation ("60/minute"); "none"
    # turns one off. ANONYMOUS_PLAN: the plan of requests without credentials; unset means "local" (every
    # feature, no limit) outside production and "none" (401) in production.
    ANONYMOUS_PLAN: str | None = None
    RATE_LIMIT_FREE: str = "60/minute"
    RATE_LIMIT_PRO: str = "600/minute"
    RATE_LIMIT_ELITE: str = "3000/minute"
    RATE_LIMIT_LOGIN_IP: str = (
        "30/minute"  # every login attempt from one client IP, before the hash is computed
    )
    RATE_LIMIT_LOGIN_FAILURES: str = "10/15minutes"  # failed logins per account and per IP
    ACCESS_TOKEN_MINUTES: float = Field(default=15.0, gt=0, le=24 * 60)
    REFRESH_TOKEN_DAYS: float = Field(default=30.0, gt=0, le=365)
    VERIFY_TOKEN_HOURS: float = Field(default=48.0, gt=0)
    RESET_TOKEN_MINUTES: float = Field(default=60.0, gt=0)
    UNVERIFIED_ACCOUNT_DAYS: float = Field(default=7.0, gt=0)  # unverified accounts purged after this
    AUDIT_RETENTION_DAYS: float = Field(default=730.0, gt=0)
    SECRETS_CACHE_SECONDS: float = Field(default=5.0, ge=0)  # how soon a rotated secret reaches every process
    # API-key identities remembered per API process (users/service.py ApiKeyIdentities): a revoked key, a
    # disabled user or a new plan grant reaches every process within this many seconds; 0: a query a request.
    API_KEY_CACHE_SECONDS: float = Field(default=5.0, ge=0, le=60)
    MAIL_OUTBOX_DIR: str = "./var/outbox"
    PUBLIC_URL: str = "http://127.0.0.1:8000"  # links in mail point here
    CORS_ORIGINS: CommaList = ()
    FORWARDED_ALLOW_IPS: CommaList = ("127.0.0.1", "::1")  # peers whose X-Forwarded-For is believed

    STRIPE_SECRET_KEY: SecretStr | None = None
    STRIPE_WEBHOOK_SECRET: SecretStr | None = None
    STRIPE_API_BASE: str = "https://api.stripe.com"

    # Stripe billing (billing/; docs/operations.md, "Billing"). No STRIPE_SECRET_KEY: billing is off, no call
    # is made. STRIPE_WEBHOOK_SECRET seeds the secrets store (`fairedge billing rotate-webhook-secret` swaps
    # it). STRIPE_PRICES: "pro:price_…,elite:fairedge_elite_monthly" (a price id or a lookup key per plan);
    # a subscription's plan is its price's metadata.tier, else this mapping. The URLs default to PUBLIC_URL's
    # plan page. A failed renewal keeps the plan STRIPE_GRACE_DAYS after the first failure.
    STRIPE_PRICES: CommaList = ()
    STRIPE_SUCCESS_URL: str | None = None
    STRIPE_CANCEL_URL: str | None = None
    STRIPE_PORTAL_RETURN_URL: str | None = None
    STRIPE_GRACE_DAYS: float = Field(default=7.0, ge=0, le=60)
    STRIPE_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0, le=80)
    # The plan a subscription grants, remembered per API process (billing/subscribed.py): a webhook's change
    # reaches every process within this many seconds; 0: a query a request.
    PLAN_CACHE_SECONDS: float = Field(default=5.0, ge=0, le=60)

    @field_validator("STRIPE_PRICES", mode="before")
    @classmethod
    def _split_stripe_prices(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator(
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "STRIPE_SUCCESS_URL",
        "STRIPE_CANCEL_URL",
        "STRIPE_PORTAL_RETURN_URL",
        mode="before",
    )
    @classmethod
    def _stripe_empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    # API processes and their signals (`fairedge serve`, /metrics, logs): docs/operations.md.
    WEB_CONCURRENCY: int | None = Field(default=None, ge=1)  # API worker processes; unset: from the cores
    HEALTH_PROBE_SECONDS: float = Field(default=15.0, gt=0)  # health, pool and board gauges refreshed
    MEMORY_WARNING_MB: float = Field(default=1024.0, ge=0)  # memory_warning past this RSS per process; 0: off
    MEMORY_CHECK_SECONDS: float = Field(default=15.0, gt=0)

    # Celery workers and beat (tasks/celery_app.py; docs/operations.md). CELERY_KEY_PREFIX namespaces every
    # key on the broker (queues, celery_failed, heartbeats, locks): two deployments can share one Redis.
    CELERY_KEY_PREFIX: str = ""
    CELERY_MAX_RETRIES: int = Field(default=3, ge=0, le=10)  # then the task goes to celery_failed
    CELERY_RETRY_BACKOFF_SECONDS: float = Field(default=2.0, gt=0, le=30)  # first retry; doubles, jittered
    CELERY_HEARTBEAT_SECONDS: float = Field(default=5.0, gt=0, le=60)  # worker/beat heartbeats (TTL 3x)
    # Worker and beat metrics (tasks/queues.py): each worker's and beat's main process serves /metrics on this
    # port when set (one port per process on a host; 0 picks a free one); unset: not served.
    WORKER_METRICS_PORT: int | None = Field(default=None, ge=0, le=65535)

    # Cache of the opportunity list and event boards (cache/; docs/performance.md): Redis when REDIS_URL is
    # set, else this process's memory. An entry ends at the next scan or when time changes its answer, and
    # at the latest after CACHE_TTL_SECONDS (0 turns the cache off). CACHE_KEY_PREFIX: two deployments on one
    # Redis. CACHE_MEMORY_MAX_MB bounds the embedded cache (least recently used entries go first).
    CACHE_TTL_SECONDS: float = Field(default=60.0, ge=0, le=3600)
    CACHE_KEY_PREFIX: str = ""
    CACHE_MEMORY_MAX_MB: float = Field(default=64.0, gt=0)

    # Live stream GET /api/stream/opportunities (stream/, opportunities/stream.py): the change log is a Redis
    # Stream (CACHE_KEY_PREFIX + fairedge:stream:opportunities) when REDIS_URL is set, else this process's
    # memory; it keeps the last STREAM_LOG_LENGTH changes (one per scan or expiry) for Last-Event-ID resumes.
    # STREAM_MAX_CONNECTIONS open streams per API process (503 beyond); a client that falls
    # STREAM_QUEUE_SIZE changes behind is disconnected; a comment every STREAM_HEARTBEAT_SECONDS.
    STREAM_LOG_LENGTH: int = Field(default=1000, ge=10, le=100_000)
    STREAM_MAX_CONNECTIONS: int = Field(default=200, ge=1, le=100_000)
    STREAM_QUEUE_SIZE: int = Field(default=100, ge=1, le=10_000)
    STREAM_HEARTBEAT_SECONDS: float = Field(default=15.0, gt=0, le=300)

    # The Odds API feed (odds/feed.py; docs/operations.md, "Odds feed"): our own credit budget, each sport's
    # cadence from its start times, the probe while out of credits, in-play markets. ODDS_API_KEY may list
    # several keys (comma separated, first preferred): they seed the secrets store, where
    # `fairedge keys rotate-odds-api` swaps them. Budgets: "none" for no budget of our own; the day budget,
    # unset, is what is left of the month spread over the days left in it.
    ODDS_API_CREDITS_PER_MONTH: int | None = Field(default=20_000, ge=0)
    ODDS_API_CREDITS_PER_DAY: int | None = Field(default=None, ge=0)
    ODDS_API_RESET_DAY: int = Field(default=1, ge=1, le=28)  # the day (UTC) the provider renews the credits
    ODDS_API_PROBE_SECONDS: float = Field(default=3600.0, gt=0)  # out of credits: the free /sports probe
    ODDS_CADENCE_PREMATCH_SECONDS: float = Field(default=60.0, gt=0)  # an event starts within ODDS_SOON_HOURS
    ODDS_CADENCE_LIVE_SECONDS: float = Field(default=40.0, gt=0)  # events in play (ODDS_INPLAY_MARKETS set)
    ODDS_CADENCE_IDLE_SECONDS: float = Field(default=600.0, gt=0)  # events, none starting soon
    ODDS_SOON_HOURS: float = Field(default=6.0, gt=0)
    ODDS_EVENTS_CHECK_SECONDS: float = Field(default=600.0, gt=0)  # each sport's free /events call
    ODDS_SCORES_SECONDS: float = Field(default=300.0, gt=0)  # /scores (2 credits) per sport with games on
    ODDS_INPLAY_MARKETS: CommaList = ()  # empty: started events are not polled for odds

    # Bet tracker (bets/; docs/operations.md, "Bet settlement"): tasks.bet_settlement runs every
    # BETS_SETTLEMENT_SECONDS: CLV against the closing fair line of BETS_CLV_DEVIG_METHOD, settlement from
    # final scores, a bet void once its game moved more than BETS_VOID_POSTPONED_HOURS; a game with open bets
    # unfinished BETS_SCORES_AFTER_HOURS after its start is asked of The Odds API's /scores (2 credits).
    BETS_SETTLEMENT_SECONDS: float = Field(default=300.0, gt=0)
    BETS_CLV_DEVIG_METHOD: str = "shin"
    BETS_VOID_POSTPONED_HOURS: float = Field(default=48.0, gt=0)
    BETS_SCORES_AFTER_HOURS: float = Field(default=4.0, gt=0)

    @field_validator("BETS_CLV_DEVIG_METHOD")
    @classmethod
    def _known_clv_method(cls, value: str) -> str:
        # pure maths; imported where it is needed
        from fairedge.pricing.devig import METHODS

        if value not in METHODS:
            raise ValueError(f"BETS_CLV_DEVIG_METHOD must be one of {', '.join(METHODS)}")
        return value

    # Alerts (alerts/; docs/operations.md, "Alerts"): tasks.alert_delivery posts each alert's new matches to
    # its webhook, ALERT_WEBHOOK_TIMEOUT_SECONDS per call; a failed post is retried after
    # ALERT_RETRY_BACKOFF_SECONDS (doubling, jittered) up to ALERT_MAX_ATTEMPTS times;
    # ALERT_PAUSE_AFTER_FAILURES failures in a row pause the alert. In production a webhook must be https to a
    # public address (checked after DNS too); ALERT_WEBHOOK_ALLOWED_NETWORKS (CIDRs, comma separated)
    # exempts an internal relay. tasks.user_cleanup deletes finished deliveries (delivered, failed, cancelled)
    # matched more than ALERT_DELIVERY_RETENTION_DAYS ago; at least a day, far behind the watermark of every
    # alert in use, so a deleted (alert, opportunity) pair is not matched and sent again.
    ALERT_WEBHOOK_TIMEOUT_SECONDS: float = Field(default=5.0, gt=0, le=30)
    ALERT_MAX_ATTEMPTS: int = Field(default=5, ge=1, le=20)
    ALERT_RETRY_BACKOFF_SECONDS: float = Field(default=30.0, gt=0, le=3600)
    ALERT_PAUSE_AFTER_FAILURES: int = Field(default=10, ge=1, le=1000)
    ALERT_WEBHOOK_ALLOWED_NETWORKS: CommaList = ()
    ALERT_DELIVERY_RETENTION_DAYS: float = Field(default=30.0, ge=1)

    @field_validator("ALERT_WEBHOOK_ALLOWED_NETWORKS", mode="before")
    @classmethod
    def _alert_allowed_networks(cls, value: object) -> object:
        import ipaddress  # only this setting needs it

        if isinstance(value, str):
            value = tuple(part.strip() for part in value.split(",") if part.strip())
        for network in value if isinstance(value, tuple | list) else ():
            ipaddress.ip_network(network, strict=False)  # a typo stops the start (ValueError)
        return value

    @field_validator("ODDS_API_CREDITS_PER_MONTH", "ODDS_API_CREDITS_PER_DAY", mode="before")
    @classmethod
    def _none_is_no_budget(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip().lower() in ("", "none") else value

    @field_validator("ODDS_INPLAY_MARKETS", mode="before")
    @classmethod
    def _split_inplay_markets(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator(
        "ODDS_SPORTS",
        "ODDS_REGIONS",
        "ODDS_BOOKMAKERS",
        "ODDS_MARKETS",
        "SHARP_BOOKS",
        "SCAN_DEVIG_METHODS",
        "CORS_ORIGINS",
        "FORWARDED_ALLOW_IPS",
        mode="before",
    )
    @classmethod
    def _split_comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator(
        "ODDS_PROVIDER",
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "LOG_DIR",
        "ODDS_REPLAY_DIR",
        "ANONYMOUS_PLAN",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.ENVIRONMENT != "production":
            return self
        problems = []
        if (
            self.SECRET_KEY.get_secret_value() == PLACEHOLDER_SECRET
            or len(self.SECRET_KEY.get_secret_value()) < 32
        ):
            problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
        if self.is_sqlite:
            problems.append("DATABASE_URL must point at PostgreSQL, not SQLite")
        if not self.REDIS_URL:
            problems.append("REDIS_URL must be set")
        if "*" in self.CORS_ORIGINS:
            problems.append("CORS_ORIGINS must list origins, not *")
        if problems:
            raise ValueError("unsafe production settings: " + "; ".join(problems))
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")

    @property
    def anonymous_plan(self) -> str | None:
        """The plan served to requests without credentials, or None when they get 401."""
        plan = self.ANONYMOUS_PLAN or ("none" if self.ENVIRONMENT == "production" else "local")
        return None if plan == "none" else plan

    @property
    def is_production(self) -> bool:
        return self.ENVIRONMENT == "production"

    @property
    def broker_url(self) -> str | None:
        return self.CELERY_BROKER_URL or self.REDIS_URL

    @property
    def refresh_seconds(self) -> float:
        """The refresh period: faster than The Odds API's own ~60 s update cycle only burns credits."""
        if self.ODDS_REFRESH_SECONDS is not None:
            return self.ODDS_REFRESH_SECONDS
        return 60.0 if self.odds_provider == "the_odds_api" else 5.0

    @property
    def odds_provider(self) -> str:
        if self.ODDS_PROVIDER:
            return self.ODDS_PROVIDER
        return "the_odds_api" if self.ODDS_API_KEY else "simulator"


@lru_cache
def get_settings() -> Settings:
    return Settings()
