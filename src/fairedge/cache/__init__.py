"""Cache of the read paths: Redis in production, this process's memory embedded; see cache.py."""

from fairedge.cache.aging import AgedJson, Since
from fairedge.cache.cache import Cache
from fairedge.cache.keys import CacheKey, canonical

__all__ = ["AgedJson", "Cache", "CacheKey", "Since", "canonical"]
