"""Every Prometheus metric FairEdge exports, in one place.

Names follow ``fairedge_<what>_<unit>``; labels come from small fixed sets, never ids. The two HTTP
metrics keep the names the operations guide's alerts use.
"""

from __future__ import annotations

import atexit
import os

from prometheus_client import Counter, Gauge, Histogram, multiprocess

# Under several processes (PROMETHEUS_MULTIPROC_DIR, set by `fairedge serve`) each writes its values to files
# in that directory, which must exist before the first metric below is made. A process that ends takes its
# live gauges with it: a job or a CLI command here; gunicorn's workers also by its child_exit hook; Celery's
# pool children, which end with os._exit (no atexit), by the worker's worker_process_shutdown handler.
if _multiproc_dir := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(_multiproc_dir, exist_ok=True)
    atexit.register(lambda: multiprocess.mark_process_dead(os.getpid()))  # type: ignore[no-untyped-call]

# Buckets reach past the 2 s alert threshold: a histogram topping out at 1 s can never show a p95 of 2 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0, 10.0)

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests served.", ["method", "handler", "status"])
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency.",
    ["method", "handler"],
    buckets=LATENCY_BUCKETS,
)

# Gauges under several processes (`fairedge serve`, PROMETHEUS_MULTIPROC_DIR): each names how the processes'
# values combine. "livemostrecent": the latest check by a live process (one that never checked, or died,
# does not count); "mostrecent": the latest reading, also from a process that has ended (a job); "max": the
# newest of timestamps. The default, "all", would export one series per pid, dead ones included.

# Set by the background probe (HEALTH_PROBE_SECONDS) and by each /health call: alerts work with nobody
# calling /health.
DATABASE_HEALTH = Gauge(
    "fairedge_database_health",
    "1 when the database answered the last health check.",
    multiprocess_mode="livemostrecent",
)
REDIS_HEALTH = Gauge(
    "fairedge_redis_health",
    "1 when Redis answered the last health check, 0 when not, -1 if not configured.",
    multiprocess_mode="livemostrecent",
)
# Set by each scan, and read from the database by every API process's probe (health/board.py).
OPPORTUNITIES_COUNT = Gauge(
    "fairedge_opportunities_count",
    "Active opportunities after the last scan.",
    multiprocess_mode="mostrecent",
)
OPPORTUNITIES_BY_KIND = Gauge(
    "fairedge_opportunities_active", "Active opportunities by kind.", ["kind"], multiprocess_mode="mostrecent"
)

JOB_RUNS = Counter("fairedge_job_runs_total", "Periodic job runs.", ["job", "status"])
JOB_DURATION = Histogram(
    "fairedge_job_duration_seconds",
    "Periodic job duration.",
    ["job"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)
JOB_LAST_SUCCESS = Gauge(
    "fairedge_job_last_success_timestamp_seconds", "Last successful run.", ["job"], multiprocess_mode="max"
)

ODDS_LAST_REFRESH = Gauge(
    "fairedge_odds_last_refresh_timestamp_seconds",
    "When odds were last stored successfully.",
    ["provider"],
    multiprocess_mode="max",
)
ODDS_FETCH_ERRORS = Counter(
    "fairedge_odds_fetch_errors_total", "Failed odds fetches.", ["provider", "reason"]
)
ODDS_PRICES_INGESTED = Counter(
    "fairedge_odds_prices_ingested_total", "Prices seen by ingestion.", ["provider", "result"]
)
ODDS_QUOTES_REJECTED = Counter(
    "fairedge_odds_quotes_rejected_total", "Quotes refused by validation.", ["provider"]
)
ODDS_API_QUOTA_REMAINING = Gauge(
    "fairedge_odds_api_quota_remaining",
    "Odds API credits left.",
    ["provider"],
    multiprocess_mode="mostrecent",
)

SCAN_PRICES = Counter("fairedge_scan_prices_total", "Prices priced by the scan.")

# Rate limiter (ratelimit/). `scope` is one of the fixed bucket names (api, login_ip, …), never an id.
RATE_LIMIT_EXCEEDED = Counter(
    "fairedge_rate_limit_exceeded_total", "Requests refused with 429 by the rate limiter.", ["scope"]
)
RATE_LIMITER_ERRORS = Counter(
    "fairedge_rate_limiter_errors_total", "Failed calls to the limiter's Redis.", ["reason"]
)
RATE_LIMITER_DEGRADED = Counter(
    "fairedge_rate_limiter_degraded_total",
    "Decisions taken without the limiter's storage: allowed (fail open) or refused (fail closed, 503).",
    ["scope", "outcome"],
)
RATE_LIMITER_AVAILABLE = Gauge(
    "fairedge_rate_limiter_available",
    "1 while the rate limiter's storage answers, 0 during an outage.",
    multiprocess_mode="livemostrecent",
)

# Access (billing/access.py): requests to plan-checked routes by the caller's plan, for "usage vs limits
# by tier" beside fairedge_rate_limit_exceeded_total.
API_REQUESTS_BY_PLAN = Counter(
    "fairedge_api_requests_total", "Requests to plan-checked routes, by the caller's plan.", ["plan"]
)

# API processes (`fairedge serve`): the connection pool, board freshness per sport, process memory.
# Pools are per process and PostgreSQL's max_connections is shared: "livesum" adds up the live processes.
# Set on every checkout and checkin and by the probe (observability/dbpool.py).
DB_POOL_SIZE = Gauge(
    "fairedge_db_pool_size",
    "Connections kept in the pools (DB_POOL_SIZE per process).",
    multiprocess_mode="livesum",
)
DB_POOL_CHECKED_OUT = Gauge(
    "fairedge_db_pool_checked_out", "Connections in use by requests and jobs.", multiprocess_mode="livesum"
)
DB_POOL_OVERFLOW = Gauge(
    "fairedge_db_pool_overflow",
    "Connections open beyond DB_POOL_SIZE (at most DB_MAX_OVERFLOW per process).",
    multiprocess_mode="livesum",
)
# Read from the database by the probe (health/board.py): the last refresh that carried odds of the sport, so a
# sport that stops coming while others refresh shows. The provider label is the configured provider.
ODDS_SPORT_LAST_REFRESH = Gauge(
    "fairedge_odds_sport_last_refresh_timestamp_seconds",
    "When odds of a sport were last stored.",
    ["provider", "sport"],
    multiprocess_mode="mostrecent",
)
# observability/memory.py, every MEMORY_CHECK_SECONDS: the largest live process (multiprocess mode has no
# process_resident_memory_bytes).
PROCESS_RESIDENT_MEMORY = Gauge(
    "fairedge_process_resident_memory_bytes",
    "Resident memory of the largest live process.",
    multiprocess_mode="livemax",
)

# Cache of the read paths (cache/). `view` is one of a fixed set (opportunities, event_odds); a miss says why:
# absent (not stored for the board's version), expired (time changed the answer), unavailable (Redis out),
# off (CACHE_TTL_SECONDS=0). Hit ratio: hits / (hits + misses).
CACHE_HITS = Counter("fairedge_cache_hits_total", "Answers served from the cache.", ["view"])
CACHE_MISSES = Counter(
    "fairedge_cache_misses_total", "Answers computed because the cache had none.", ["view", "reason"]
)
CACHE_ERRORS = Counter("fairedge_cache_errors_total", "Failed calls to the cache's Redis.", ["reason"])
CACHE_AVAILABLE = Gauge(
    "fairedge_cache_available",
    "1 while the cache's storage answers, 0 during an outage (of any live process).",
    multiprocess_mode="livemin",
)

# The Odds API feed (odds/providers/the_odds_api/, odds/feed.py): the provider's quota headers of the last
# answer, our own credit budget left, what the budget skipped, and whether polling is paused (out of credits).
# Set by the process that polls, and from the database by every API process's /health/odds-feed.
ODDS_API_QUOTA_USED = Gauge(
    "fairedge_odds_api_quota_used",
    "Odds API credits used this month (x-requests-used of the last answer).",
    ["provider"],
    multiprocess_mode="mostrecent",
)
ODDS_API_QUOTA_LAST = Gauge(
    "fairedge_odds_api_quota_last",
    "Credits the last Odds API call cost (x-requests-last).",
    ["provider"],
    multiprocess_mode="mostrecent",
)
ODDS_API_BUDGET_REMAINING = Gauge(
    "fairedge_odds_api_budget_remaining",
    "Credits the feed may still spend under its own budget (ODDS_API_CREDITS_PER_*), by period.",
    ["period"],
    multiprocess_mode="mostrecent",
)
ODDS_API_CREDITS_SPENT = Counter(
    "fairedge_odds_api_credits_spent_total", "Odds API credits spent, by kind of call.", ["call"]
)
ODDS_API_CALLS_SKIPPED = Counter(
    "fairedge_odds_api_calls_skipped_total",
    "Odds API calls not made, by kind of call and why.",
    ["call", "reason"],
)
ODDS_FEED_PAUSED = Gauge(
    "fairedge_odds_feed_paused",
    "1 while polling is paused because every Odds API key is out of credits or refused.",
    multiprocess_mode="mostrecent",
)
ODDS_FEED_STALE_SPORTS = Gauge(
    "fairedge_odds_feed_stale_sports",
    "Sports whose last refresh is older than their staleness limit (/health/odds-feed).",
    multiprocess_mode="mostrecent",
)

# Stripe billing (billing/). Subscriptions per plan and status, counted from the database by every API
# process's health probe (billing/subscriptions.py), whichever process received the webhooks: status is
# Stripe's, except a past_due subscription beyond its grace period (STRIPE_GRACE_DAYS), counted as `lapsed`;
# plan is pro, elite or unknown (a price FairEdge cannot place). Active vs churned: status active|trialing vs
# canceled. Webhook events by type (the handled six, else other) and outcome (applied, duplicate, stale,
# unlinked, unknown, ignored, rejected); Stripe API calls that failed.
SUBSCRIPTIONS = Gauge(
    "fairedge_subscriptions",
    "Stripe subscriptions by plan and status (past_due beyond the grace period: lapsed).",
    ["plan", "status"],
    multiprocess_mode="mostrecent",
)
STRIPE_WEBHOOK_EVENTS = Counter(
    "fairedge_stripe_webhook_events_total",
    "Stripe webhook deliveries, by event type and outcome.",
    ["type", "outcome"],
)
STRIPE_API_ERRORS = Counter(
    "fairedge_stripe_api_errors_total",
    "Stripe API calls that failed, by call and error type.",
    ["call", "error"],
)


# Alerts (alerts/): new matches queued, webhook posts by outcome and their latency, alerts paused (by their
# owner, after failures in a row, or a URL the SSRF guard refuses at send time), alerts by status (from the
# database by the delivery job).
ALERT_MATCHES = Counter("fairedge_alert_matches_total", "Opportunities queued for an alert's webhook.")
ALERT_DELIVERIES = Counter(
    "fairedge_alert_deliveries_total",
    "Alert webhook posts by outcome: delivered, retry (failed, will be retried), failed (out of attempts).",
    ["status"],
)
ALERT_WEBHOOK_SECONDS = Histogram(
    "fairedge_alert_webhook_seconds", "Time an alert webhook took to answer.", buckets=LATENCY_BUCKETS
)
ALERTS_PAUSED = Counter(
    "fairedge_alerts_paused_total", "Alerts paused, by cause: owner, failures, unsafe.", ["cause"]
)
ALERTS = Gauge("fairedge_alerts", "Saved alerts by status.", ["status"], multiprocess_mode="mostrecent")

# Live stream GET /api/stream/opportunities (opportunities/stream.py): streams open in this process (summed
# over the live API processes) and events sent, by event name (snapshot, opened, updated, ended, confirmed,
# reset, overflow).
STREAM_CONNECTIONS = Gauge(
    "fairedge_stream_connections",
    "Live streams open (GET /api/stream/opportunities), summed over the API processes.",
    multiprocess_mode="livesum",
)
STREAM_EVENTS = Counter("fairedge_stream_events_total", "Live stream events sent, by event.", ["event"])

# Celery queue lengths (tasks/queues.py): messages waiting in each named queue (ingest, compute, maintenance),
# sampled by every worker's and beat's heartbeat thread; served by their WORKER_METRICS_PORT.
CELERY_QUEUE_LENGTH = Gauge(
    "fairedge_celery_queue_length",
    "Messages waiting in a Celery queue, sampled by the worker and beat heartbeats.",
    ["queue"],
    multiprocess_mode="livemostrecent",
)
