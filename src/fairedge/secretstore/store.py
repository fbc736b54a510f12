"""The secrets store: versioned secrets, encrypted with a key derived from ``SECRET_KEY``, read by all.

Every API worker and Celery worker reads the same table and caches what it read for
``SECRETS_CACHE_SECONDS``, so a rotation made by one process (``fairedge keys rotate-jwt``) reaches all of
them within seconds, without a restart. A lookup of an unknown version (a token signed by a key this process
has not seen yet) reloads at once, at most once a second, so a fresh key is never refused for a cache's sake.

The store owns its small transactions (like a cache would): reads and rotations commit on their own
session, never inside a request's unit of work.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from fairedge.errors import ConfigurationError
from fairedge.kit.timeutil import Clock, utcnow
from fairedge.secretstore.models import SecretVersionRow

log = structlog.get_logger(__name__)

RELOAD_AT_MOST_EVERY = 1.0  # seconds between forced reloads for unknown versions


@dataclass(frozen=True)
class SecretVersion:
    name: str
    kid: str
    value: str
    created_at: datetime
    retire_at: datetime | None


def fernet_for(secret_key: str) -> Fernet:
    """Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from SECRET_KEY with HKDF-SHA256."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"fairedge secretstore v1").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


class SecretStore:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        secret_key: str,
        *,
        cache_seconds: float,
        clock: Clock = utcnow,
    ) -> None:
        self._factory = session_factory
        self._fernet = fernet_for(secret_key)
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()  # guards the dicts below; never held during a query
        self._refreshing: dict[str, threading.Lock] = {}  # one reload per name at a time
        self._cache: dict[str, tuple[float, list[SecretVersion]]] = {}
        self._last_forced: dict[str, float] = {}

    def valid(self, name: str) -> list[SecretVersion]:
        """The versions of ``name`` valid now, newest first (cached for ``SECRETS_CACHE_SECONDS``)."""
        now = self._clock()
        return [v for v in self._versions(name) if v.retire_at is None or v.retire_at > now]

    def current(self, name: str) -> SecretVersion | None:
        versions = self.valid(name)
        return versions[0] if versions else None

    def version(self, name: str, kid: str) -> SecretVersion | None:
        """A valid version by ``kid``; an unknown one reloads the cache first (throttled)."""
        found = next((v for v in self.valid(name) if v.kid == kid), None)
        if found is None and self._may_force(name):
            self.forget(name)
            found = next((v for v in self.valid(name) if v.kid == kid), None)
        return found

    def rotate(self, name: str, value: str, *, grace: timedelta) -> SecretVersion:
        """Add a version that becomes current; the older ones stay valid for ``grace``, then retire."""
        version = self._add(name, value, retire_others_after=grace)
        log.info("secret_rotated", entry=name, kid=version.kid, previous_valid_seconds=grace.total_seconds())
        return version

    def seed(self, name: str, value: str) -> SecretVersion | None:
        """A first version from configuration (an environment variable) when ``name`` has no valid one; None
        when it has: a value rotated in the store is never replaced by a stale environment at a restart."""
        if self.current(name) is not None:
            return None
        version = self._add(name, value, retire_others_after=None)
        log.info("secret_seeded", entry=name, kid=version.kid)
        return version

    def ensure_random(self, name: str) -> SecretVersion:
        """The current version, or a first random one created now. Two processes racing both create one:
        neither retires the other, and the newer is used."""
        found = self.current(name)
        if found is not None:
            return found
        version = self._add(name, secrets.token_urlsafe(64), retire_others_after=None)
        log.info("secret_created", entry=name, kid=version.kid)
        return version

    def _add(self, name: str, value: str, *, retire_others_after: timedelta | None) -> SecretVersion:
        now = self._clock()
        kid = f"{now:%Y%m%d%H%M%S}-{secrets.token_hex(4)}"
        with self._factory() as session, session.begin():
            if retire_others_after is not None:
                retire_at = now + retire_others_after
                session.execute(
                    update(SecretVersionRow)
                    .where(SecretVersionRow.name == name)
                    .where(or_(SecretVersionRow.retire_at.is_(None), SecretVersionRow.retire_at > retire_at))
                    .values(retire_at=retire_at)
                )
            session.add(
                SecretVersionRow(
                    name=name,
                    kid=kid,
                    ciphertext=self._fernet.encrypt(value.encode()).decode(),
                    created_at=now,
                    retire_at=None,
                )
            )
        self.forget(name)
        return SecretVersion(name, kid, value, now, None)

    def prune(self, session: Session, *, before: datetime) -> int:
        """Delete versions retired before ``before`` (the caller's transaction)."""
        result = session.execute(delete(SecretVersionRow).where(SecretVersionRow.retire_at < before))
        return int(getattr(result, "rowcount", 0) or 0)

    def forget(self, name: str | None = None) -> None:
        with self._lock:
            if name is None:
                self._cache.clear()
            else:
                self._cache.pop(name, None)

    def _may_force(self, name: str) -> bool:
        with self._lock:
            now = time.monotonic()
            if now - self._last_forced.get(name, 0.0) < RELOAD_AT_MOST_EVERY:
                return False
            self._last_forced[name] = now
            return True

    def _versions(self, name: str) -> list[SecretVersion]:
        """The cached versions; past ``cache_seconds`` one thread reloads while the others keep the cached
        view (no request waits on a reload, nor needs a second connection), and a failed reload keeps it too:
        tokens keep verifying through a database blip."""
        with self._lock:
            cached = self._cache.get(name)
            if cached is not None and time.monotonic() - cached[0] < self._cache_seconds:
                return cached[1]
            refreshing = self._refreshing.setdefault(name, threading.Lock())
        if cached is not None and not refreshing.acquire(blocking=False):
            return cached[1]
        if cached is None:
            refreshing.acquire()  # nothing to serve yet: wait for the one load in flight
        try:
            with self._lock:  # another thread may have loaded while this one waited
                again = self._cache.get(name)
                if again is not None and again is not cached:
                    return again[1]
            try:
                versions = self._load(name)
            except SQLAlchemyError:
                if cached is None:
                    raise
                log.warning("secrets_reload_failed", entry=name)
                return cached[1]
            with self._lock:
                self._cache[name] = (time.monotonic(), versions)
            return versions
        finally:
            refreshing.release()

    def _load(self, name: str) -> list[SecretVersion]:
        with self._factory() as session:
            rows = session.execute(
                select(
                    SecretVersionRow.kid,
                    SecretVersionRow.ciphertext,
                    SecretVersionRow.created_at,
                    SecretVersionRow.retire_at,
                )
                .where(SecretVersionRow.name == name)
                .order_by(SecretVersionRow.created_at.desc(), SecretVersionRow.id.desc())
            ).all()
        return [
            SecretVersion(name, kid, self._decrypt(name, ciphertext), created_at, retire_at)
            for kid, ciphertext, created_at, retire_at in rows
        ]

    def _decrypt(self, name: str, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise ConfigurationError(
                f"secret {name!r} cannot be decrypted: SECRET_KEY differs from the one it was stored with"
            ) from None
