"""What ``fairedge cache analyze`` reads and concludes: keys and TTLs in Redis, hits and misses from the API's
``/metrics``, and the TTL to set, with the reasoning.

The reasoning, in short: an entry is retired by the next bump of its board's version (every scan), not by its
TTL, so the TTL only has two jobs. It must outlast the interval between scans, or entries expire while still
current and the next request misses for nothing; and it bounds what is kept for nothing: entries of retired
versions are never read again and hold memory until their TTL, and a bump lost while Redis was down leaves
the old entries readable until then. Hence: the scan interval and a margin for a slow scan, no more.
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import redis
from prometheus_client.parser import text_string_to_metric_families

from fairedge.cache.backends import bumps_key
from fairedge.cache.keys import version_key

NAMESPACES = ("opportunities", "events")
TTL_FLOOR_SECONDS, TTL_CEILING_SECONDS = 10, 600
MARGIN = 1.5  # a scan may take longer than usual: half an interval more
TARGET_HIT_RATIO = 0.9  # the operations guide's
_VERSION_SEGMENT = re.compile(r"^v\d+$")


@dataclass
class BoardKeys:
    """One namespace's keys as Redis holds them."""

    namespace: str
    version: str | None
    bump_interval: float | None  # median seconds between recent bumps (scans), None with fewer than two
    current: int = 0  # entries under the current version
    retired: int = 0  # entries under older versions: never read again
    current_bytes: int = 0
    retired_bytes: int = 0
    ttls: list[float] = field(default_factory=list)  # seconds left, every entry
    by_plan: dict[str, int] = field(default_factory=dict)  # current entries per plan (the list only)


@dataclass
class ViewTraffic:
    view: str
    hits: float
    misses: dict[str, float]  # by reason

    @property
    def ratio(self) -> float | None:
        total = self.hits + sum(self.misses.values())
        return self.hits / total if total else None


def board_keys(client: redis.Redis, prefix: str, namespace: str) -> BoardKeys:
    version = client.get(prefix + version_key(namespace))
    bumps = sorted(float(b) / 1000 for b in client.lrange(prefix + bumps_key(namespace), 0, -1))
    gaps = [later - earlier for earlier, later in itertools.pairwise(bumps)]
    found = BoardKeys(
        namespace,
        version.decode() if isinstance(version, bytes) else version,
        statistics.median(gaps) if gaps else None,
    )
    skip = {prefix + version_key(namespace), prefix + bumps_key(namespace)}
    keys = [k.decode() for k in client.scan_iter(match=f"{prefix}{namespace}:*", count=1000)]
    keys = [k for k in keys if k not in skip]
    with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.pttl(key)
            pipe.strlen(key)
        replies = pipe.execute()
    for key, ttl_ms, size in zip(keys, replies[::2], replies[1::2], strict=True):
        segments = key[len(prefix) :].split(":")
        at = next((i for i, s in enumerate(segments) if _VERSION_SEGMENT.match(s)), None)
        if at is None:
            continue  # not an entry of this cache
        if ttl_ms >= 0:
            found.ttls.append(ttl_ms / 1000)
        if segments[at][1:] == found.version:
            found.current += 1
            found.current_bytes += size
            if namespace == "opportunities" and at + 1 < len(segments):
                plan = segments[at + 1]
                found.by_plan[plan] = found.by_plan.get(plan, 0) + 1
        else:
            found.retired += 1
            found.retired_bytes += size
    return found


def traffic(metrics_text: str) -> list[ViewTraffic]:
    """Hits and misses per view from a ``/metrics`` scrape (every API worker's, in multiprocess mode)."""
    views: dict[str, ViewTraffic] = {}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            view = sample.labels.get("view")
            if view is None:
                continue
            found = views.setdefault(view, ViewTraffic(view, 0.0, {}))
            if sample.name == "fairedge_cache_hits_total":
                found.hits += sample.value
            elif sample.name == "fairedge_cache_misses_total":
                reason = sample.labels.get("reason", "absent")
                found.misses[reason] = found.misses.get(reason, 0.0) + sample.value
    return sorted(views.values(), key=lambda v: v.view)


def difference(later: Sequence[ViewTraffic], earlier: Sequence[ViewTraffic]) -> list[ViewTraffic]:
    """The traffic between two scrapes."""
    before = {v.view: v for v in earlier}
    out = []
    for view in later:
        old = before.get(view.view, ViewTraffic(view.view, 0.0, {}))
        misses = {r: n - old.misses.get(r, 0.0) for r, n in view.misses.items()}
        out.append(ViewTraffic(view.view, view.hits - old.hits, misses))
    return out


def recommended_ttl(scan_interval: float) -> int:
    """The scan interval with a margin for a slow scan, in whole seconds, within [10, 600]."""
    return max(TTL_FLOOR_SECONDS, min(TTL_CEILING_SECONDS, math.ceil(scan_interval * MARGIN)))


def recommendations(
    ttl_setting: float,
    scan_interval: float,
    boards: Iterable[BoardKeys],
    views: Iterable[ViewTraffic],
) -> list[str]:
    """What to change, each with why; the first line is the TTL."""
    ttl = recommended_ttl(scan_interval)
    lines = [
        f"CACHE_TTL_SECONDS={ttl} (now {ttl_setting:g}): entries are retired by each scan (every "
        f"{scan_interval:.0f} s), so the TTL needs only to outlast one interval with a margin for a slow "
        f"scan ({MARGIN:g} x); longer keeps retired entries in memory and a missed invalidation readable "
        "for longer."
    ]
    if ttl_setting and ttl_setting < scan_interval:
        lines.append(
            f"The TTL ({ttl_setting:g} s) is shorter than the scan interval: entries expire while still "
            "current and the next request misses for nothing."
        )
    for board in boards:
        if board.retired_bytes > board.current_bytes and board.retired_bytes > 1 << 20:
            lines.append(
                f"{board.namespace}: {board.retired_bytes / 2**20:.1f} MB in {board.retired} entries of "
                "retired versions wait for their TTL: a shorter TTL frees it sooner."
            )
    for view in views:
        ratio = view.ratio
        if ratio is None or ratio >= TARGET_HIT_RATIO:
            continue
        reasons = ", ".join(f"{r} {n:.0f}" for r, n in sorted(view.misses.items()) if n)
        advice = "warm more of it after each scan (`fairedge cache warm --all`)"
        if view.misses.get("unavailable", 0) > view.misses.get("absent", 0):
            advice = "Redis was unavailable: see fairedge_cache_errors_total and /health/redis"
        elif view.misses.get("expired", 0) > view.misses.get("absent", 0):
            advice = "answers change with time (starts, stale quotes, plan delays) faster than they are asked"
        target = f"target {TARGET_HIT_RATIO:.0%}"
        lines.append(f"{view.view}: hit ratio {ratio:.0%} ({target}; misses: {reasons}): {advice}.")
    return lines
