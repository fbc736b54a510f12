"""The Odds API keys in the secrets store: seeded from ``ODDS_API_KEY``, swapped by a rotation, read by every
process before each request (through the store's cache: ``SECRETS_CACHE_SECONDS``), never by a restart.

One secret, ``odds_api_keys``, holds the keys in order of preference, one per line: the first usable one is
used, the next takes over when it is out of credits or refused. ``ODDS_API_KEY`` may list several, comma
separated. The environment only seeds the store: once the store holds keys, a rotation changes them, and a
different ``ODDS_API_KEY`` at a restart is ignored (with a warning that says so, naming no key).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

import structlog

from fairedge.errors import InvalidInput
from fairedge.odds.providers.the_odds_api.feed import key_ref
from fairedge.secretstore.store import SecretStore, SecretVersion

__all__ = ["SECRET_NAME", "StoredKeys", "parse_keys"]

log = structlog.get_logger(__name__)

SECRET_NAME = "odds_api_keys"
_SEPARATORS = re.compile(r"[\s,]+")


def parse_keys(text: str) -> tuple[str, ...]:
    """Keys from text: separated by commas, spaces or new lines, duplicates dropped, order kept."""
    keys = tuple(dict.fromkeys(k for k in _SEPARATORS.split(text) if k))
    for key in keys:
        if not key.isascii() or not key.isprintable():
            raise InvalidInput("an API key holds printable ASCII characters only")
    return keys


class StoredKeys:
    """A key source for the provider: the keys of the store's current version."""

    def __init__(self, secrets: SecretStore) -> None:
        self._secrets = secrets

    def __call__(self) -> tuple[str, ...]:
        version = self._secrets.current(SECRET_NAME)
        return () if version is None else parse_keys(version.value)

    def seed(self, keys: Sequence[str]) -> None:
        """Store the environment's keys unless the store holds keys already."""
        if not keys:
            return
        if self._secrets.seed(SECRET_NAME, "\n".join(keys)) is not None:
            return
        stored = self()
        if stored != tuple(keys):
            log.warning(
                "odds_api_env_key_ignored",
                stored=[key_ref(k) for k in stored],
                environment=[key_ref(k) for k in keys],
                hint="the secrets store holds rotated keys: change them with fairedge keys rotate-odds-api",
            )

    def rotate(self, keys: Sequence[str]) -> SecretVersion:
        """Make ``keys`` the ones every process uses from its next request on; the old ones retire now."""
        if not keys:
            raise InvalidInput("no API key given")
        return self._secrets.rotate(SECRET_NAME, "\n".join(keys), grace=timedelta(0))
