"""Redis locks owned by a token: taken with SET NX PX, renewed and released only by their owner.

A lock expires by itself, so an owner that dies without releasing it blocks the others for its TTL at most.
"""

from __future__ import annotations

import redis

# Compare-and-delete, compare-and-extend in one step: between a GET and a DEL another owner may have taken it.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
_HOLD = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""


def acquire(client: redis.Redis, key: str, token: str, ttl_seconds: float) -> bool:
    return bool(client.set(key, token, nx=True, px=_ms(ttl_seconds)))


def hold(client: redis.Redis, key: str, token: str, ttl_seconds: float) -> bool:
    """Take the lock if it is free, or extend it if ``token`` owns it; False while another owner holds it."""
    return bool(client.eval(_HOLD, 1, key, token, _ms(ttl_seconds)))


def release(client: redis.Redis, key: str, token: str) -> bool:
    return bool(client.eval(_RELEASE, 1, key, token))


def holder(client: redis.Redis, key: str) -> str | None:
    value = client.get(key)
    return value.decode() if isinstance(value, bytes) else None


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))
