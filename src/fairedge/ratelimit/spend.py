"""One round trip to spend from a sliding-window-counter bucket on Redis and read what is left.

``limits`` spends (its ``acquire_sliding_window`` script) and reads the window (``sliding_window``) in two
calls; the data API does both on every request, and with redis.asyncio each call costs about 90 µs of CPU,
a fifth of a cached list request. This script is the two in one, unchanged: the same keys (the storage's
``<prefix>:{<key>}`` for the current window and ``…/-1`` for the previous one), the same shift of an ended
window, the same admission rule, and it returns the window as ``sliding_window`` would read it right after.
So ``hit``, ``peek``, ``usage`` and ``reset`` (through ``limits``) and :meth:`RateLimiter.ahit` (through
this) share every bucket; tests/ratelimit hold them to the same answers.
"""

from __future__ import annotations

from limits import RateLimitItem

# KEYS: previous window, current window. ARGV: limit, expiry (seconds), cost.
# Returns {acquired (0/1), previous count, previous ttl ms, current count, current ttl ms}.
SPEND_AND_READ = """
local limit = tonumber(ARGV[1])
local expiry = tonumber(ARGV[2]) * 1000
local amount = tonumber(ARGV[3])

local current_ttl = tonumber(redis.call('pttl', KEYS[2]))
if current_ttl > 0 and current_ttl < expiry then
    -- Current window expired, shift it to the previous window
    redis.call('rename', KEYS[2], KEYS[1])
    redis.call('set', KEYS[2], 0, 'PX', current_ttl + expiry)
end

local previous_count = tonumber(redis.call('get', KEYS[1])) or 0
local previous_ttl = math.max(tonumber(redis.call('pttl', KEYS[1])) or 0, 0)
local current_count = tonumber(redis.call('get', KEYS[2])) or 0
current_ttl = math.max(tonumber(redis.call('pttl', KEYS[2])) or 0, 0)

local weighted_count = math.floor(previous_count * previous_ttl / expiry) + current_count
if amount > limit or (weighted_count + amount) > limit then
    return {0, previous_count, previous_ttl, current_count, current_ttl}
end

if redis.call('exists', KEYS[2]) == 1 then
    current_count = redis.call('incrby', KEYS[2], amount)
else
    redis.call('set', KEYS[2], amount, 'PX', expiry * 2)
    current_count = amount
    current_ttl = expiry * 2
end
return {1, previous_count, previous_ttl, current_count, current_ttl}
"""


def window_keys(prefix: str, item: RateLimitItem, *identifiers: str) -> list[str]:
    """The previous and current window keys of ``limits``' Redis storage for this bucket."""
    current = f"{prefix}:{{{item.key_for(*identifiers)}}}"
    return [f"{current}/-1", current]
