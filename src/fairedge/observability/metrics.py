"""Every Prometheus metric FairEdge exports, in one place.

Names follow ``fairedge_<what>_<unit>``; labels come from small fixed sets, never ids. The two HTTP
metrics keep the names the operations guide's alerts use.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Buckets reach past the 2 s alert threshold: a histogram topping out at 1 s can never show a p95 of 2 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0, 10.0)

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests served.", ["method", "handler", "status"])
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency.",
    ["method", "handler"],
    buckets=LATENCY_BUCKETS,
)

# Set by the background probe every 15 s and by each /health call: alerts work with nobody calling /health.
DATABASE_HEALTH = Gauge("fairedge_database_health", "1 when the database answered the last health check.")
REDIS_HEALTH = Gauge(
    "fairedge_redis_health", "1 when Redis answered the last health check, 0 when not, -1 if not configured."
)
OPPORTUNITIES_COUNT = Gauge("fairedge_opportunities_count", "Active opportunities after the last scan.")
OPPORTUNITIES_BY_KIND = Gauge("fairedge_opportunities_active", "Active opportunities by kind.", ["kind"])

JOB_RUNS = Counter("fairedge_job_runs_total", "Periodic job runs.", ["job", "status"])
JOB_DURATION = Histogram(
    "fairedge_job_duration_seconds",
    "Periodic job duration.",
    ["job"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)
JOB_LAST_SUCCESS = Gauge("fairedge_job_last_success_timestamp_seconds", "Last successful run.", ["job"])

ODDS_LAST_REFRESH = Gauge(
    "fairedge_odds_last_refresh_timestamp_seconds", "When odds were last stored successfully.", ["provider"]
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
ODDS_API_QUOTA_REMAINING = Gauge("fairedge_odds_api_quota_remaining", "Odds API credits left.", ["provider"])

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
    "fairedge_rate_limiter_available", "1 while the rate limiter's storage answers, 0 during an outage."
)

# Access (billing/access.py): requests to plan-checked routes by the caller's plan, for "usage vs limits
# by tier" beside fairedge_rate_limit_exceeded_total.
API_REQUESTS_BY_PLAN = Counter(
    "fairedge_api_requests_total", "Requests to plan-checked routes, by the caller's plan.", ["plan"]
)
