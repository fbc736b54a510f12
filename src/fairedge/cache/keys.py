"""Cache keys: readable in ``redis-cli``, equal for equivalent requests, different for different answers.

A key is ``<head>:v<version>:<tail>``: ``head`` names the view (``opportunities``, ``events:42:odds``),
``version`` is its board's version (bumped by the jobs that change the board, so one increment retires every
entry of the board at once), and ``tail`` holds what else changes the answer: the caller's plan and the
normalised parameters. The version lives under ``<namespace>:version``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

Param = str | int | float | bool | None | Iterable[str]


@dataclass(frozen=True, slots=True)
class CacheKey:
    namespace: str  # the board whose version retires the entry: "opportunities", "events"
    head: str  # the view, starting with the namespace: "opportunities", "events:42:odds"
    tail: str  # the plan and normalised parameters

    def __post_init__(self) -> None:
        if not self.head.startswith(self.namespace):
            raise ValueError(f"cache key head {self.head!r} must start with its namespace {self.namespace!r}")

    def at(self, version: str) -> str:
        return f"{self.head}:v{version}:{self.tail}"


def version_key(namespace: str) -> str:
    return f"{namespace}:version"


def canonical(params: Mapping[str, Param]) -> str:
    """``name=value`` pairs sorted by name and joined by ``&``: values percent-encoded, lists sorted and
    comma-joined, booleans as 0/1, absent values (None) left out. The caller fills defaults and normalises
    values first (case, duplicates), since only it knows which spellings mean the same."""
    parts = []
    for name in sorted(params):
        value = params[name]
        if value is None:
            continue
        if isinstance(value, bool):
            text = "1" if value else "0"
        elif isinstance(value, str):
            text = quote(value, safe="")
        elif isinstance(value, int | float):
            text = repr(value)
        else:
            text = ",".join(quote(v, safe="") for v in sorted(value))
        parts.append(f"{name}={text}")
    return "&".join(parts)
