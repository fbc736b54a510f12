"""The API keys, in order of preference, and which of them the provider has refused.

The keys come from a source asked before every request (in production the secrets store, seeded from
``ODDS_API_KEY``; a rotation shows up in the next request). The first key the feed store does not list as
refused is used: a key that answers ``OUT_OF_USAGE_CREDITS`` or an auth error is refused (by
:func:`~fairedge.odds.providers.the_odds_api.feed.key_ref`, never by value) and the next key takes over.
Refusals are read from the store once per refresh (:meth:`KeyRing.load`): another process's refusal
reaches this one at its next refresh, or at its own first refused call, which costs no credit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from fairedge.odds.providers.the_odds_api.feed import FeedStore, KeyRefusal, key_ref

__all__ = ["KeyRing", "KeySource"]

KeySource = Callable[[], str | Sequence[str]]
"""Gives the API key, or the keys in order of preference, for the next request."""


def _source_of(keys: str | Sequence[str] | KeySource) -> KeySource:
    if callable(keys):
        return keys
    fixed = keys if isinstance(keys, str) else tuple(keys)
    return lambda: fixed


class KeyRing:
    def __init__(self, keys: str | Sequence[str] | KeySource, store: FeedStore) -> None:
        self._source = _source_of(keys)
        self._store = store
        self._refused: dict[str, KeyRefusal] = dict(store.pause_state().refused)
        self.seen: set[str] = set()  # every key handed out, so none leaks through a server's message

    def load(self) -> None:
        """Take the refusals the store holds now (other processes' too)."""
        self._refused = dict(self._store.pause_state().refused)

    def keys(self) -> tuple[str, ...]:
        given = self._source()
        found = (given,) if isinstance(given, str) else tuple(given)
        keys = tuple(dict.fromkeys(k.strip() for k in found if k and k.strip()))
        self.seen.update(keys)
        return keys

    def current(self) -> str | None:
        """The key to use, or None when there is none or every key is refused."""
        return next((k for k in self.keys() if key_ref(k) not in self._refused), None)

    def refuse(self, key: str, reason: str, now: datetime) -> None:
        ref = key_ref(key)
        self._refused[ref] = KeyRefusal(reason, now)
        self._store.refuse_key(ref, reason, now)

    def refusals(self) -> list[tuple[str, KeyRefusal]]:
        """The configured keys that are refused, with why, in order."""
        return [(k, self._refused[key_ref(k)]) for k in self.keys() if key_ref(k) in self._refused]

    def accept(self, keys: Sequence[str]) -> None:
        refs = [key_ref(k) for k in keys]
        for ref in refs:
            self._refused.pop(ref, None)
        self._store.accept_keys(refs)
