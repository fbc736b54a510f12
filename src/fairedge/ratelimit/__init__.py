"""Rate limiting: named buckets per caller, Redis in production and memory embedded; see limiter.py."""

from fairedge.ratelimit.limiter import RateDecision, RateLimiter, RateLimiterUnavailable, parse_limit

__all__ = ["RateDecision", "RateLimiter", "RateLimiterUnavailable", "parse_limit"]
